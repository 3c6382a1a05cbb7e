"""What each ERP's sandbox offers the shared adapter contract suite (`test_erp_contract.py`).

An ERP joins the suite by adding `tests/adapters/harness_<system>.py` with a module-level
`make_harness()` returning an `ErpHarness`, and listing the system in `HARNESS_SYSTEMS` below.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.erps.kit import ErpDemo, ErpKeys
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer

#: ERP_SYSTEM values that have a harness (QuickBooks Online / NetSuite sync no CCOs: no harness)
HARNESS_SYSTEMS: tuple[str, ...] = (
    "acumatica",
    "myob_advanced",
    "cmic",
    "xero",
    "workday",
    "yardi_voyager",
    "mri",
    "http_bridge",
)


class ErpHarness(Protocol):
    system: str
    #: states the adapter must report as allowing an unlink (each is seeded by `seed`)
    gone_states: tuple[RecordState, ...]
    #: whether the adapter applies `erp.base.absent_record` (the HTTP bridge keeps its own rule)
    evidence_rule: bool
    recorder: Recorder
    faults: Faults

    async def start(self) -> RunningServer:
        """Start a fresh, empty sandbox of this ERP on 127.0.0.1:0."""
        ...

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        """Settings that point the adapter at `server` with valid credentials."""
        ...

    def seed(self, state: RecordState) -> ErpLookup:
        """Create a CCO's ERP record in `state` (DELETED: it existed and was deleted) and return
        the lookup the app would hand the adapter for it."""
        ...

    def break_credentials(self) -> None:
        """Make the sandbox refuse the adapter's credentials from now on (401/403)."""
        ...

    def empty_company(self, empty: bool = True) -> None:
        """Point the sandbox's answers at a company that holds nothing (a wrong company), or
        (`empty=False`) back at the seeded one."""
        ...

    def read_route(self) -> str:
        """A path regex matching the adapter's read call(s), where the suite injects faults."""
        ...


def load_harness(system: str) -> ErpHarness | None:
    try:
        module = importlib.import_module(f"tests.adapters.harness_{system}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tests.adapters.harness_{system}":
            return None
        raise
    harness: ErpHarness = module.make_harness()
    return harness


def settings_from(env: Mapping[str, str], **overrides: object) -> ErpSettings:
    """The adapter settings an `ERP_*` environment (a demo's `env()`) stands for."""
    values: dict[str, Any] = {name.removeprefix("ERP_").lower(): v for name, v in env.items()}
    if "allow_voided" in values:
        values["allow_voided"] = values["allow_voided"] == "true"
    return dataclasses.replace(ErpSettings(**values), **overrides)  # type: ignore[arg-type]


def lookup_for(
    keys: ErpKeys, number: int, commitment_origin: str, project_origin: str | None = None
) -> ErpLookup:
    """What the app hands the adapter for a CCO whose ERP record has `keys`."""
    return ErpLookup(
        origin_id=keys.origin_id,
        cco_number=f"{number:03d}",
        cco_title=f"Change {number}",
        commitment_origin_id=commitment_origin,
        commitment_number=f"SC-{number}",
        line_item_origin_ids=keys.line_origin_ids,
        project_origin_id=project_origin,
        project_name=PROJECT_NAME if project_origin else None,
    )


PROJECT_KEY, PROJECT_NAME = "TOWERA", "Tower A"


Demo = TypeVar("Demo", bound=ErpDemo)


class DemoHarness(Generic[Demo]):
    """A harness over the ERP's demo (`sandbox.erps.<vendor>.demo`), which alone knows how to
    seed it. Subclasses add what only the tests need: `gone_states`, `break_credentials`,
    `read_route`."""

    gone_states: tuple[RecordState, ...]
    evidence_rule = True
    #: the key of the n-th seeded commitment (`commitment_origin` turns it into the ERP's id)
    commitment_key = "SC-{number:05d}"

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.system = demo.system
        self.recorder = demo.recorder
        self.faults = demo.faults
        self._numbers = itertools.count(1)
        self._project: str | None = None

    def project(self) -> str:
        """The seeded project's origin id (its record is created in the ERP on first use)."""
        if self._project is None:
            self._project = self.demo.project_origin(PROJECT_KEY, PROJECT_NAME)
        return self._project

    def empty_company(self, empty: bool = True) -> None:
        self.demo.set_empty_company(empty)

    async def start(self) -> RunningServer:
        return await self.demo.start()

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        return settings_from(self.demo.env(server), **overrides)

    def next_commitment(self, state: RecordState) -> tuple[int, str]:
        """A number for the next CCO, and a new commitment's origin id for it."""
        if state.value not in self.demo.states():
            raise ValueError(f"{self.system} has no {state} records")
        number = next(self._numbers)
        return number, self.demo.commitment_origin(self.commitment_key.format(number=number))

    def seed(self, state: RecordState) -> ErpLookup:
        project = self.project()
        number, commitment = self.next_commitment(state)
        keys = self.demo.add_record(f"{number:05d}", state.value, commitment)
        return lookup_for(keys, number, commitment, project)
