"""What each ERP's sandbox offers the shared adapter contract suite (`test_erp_contract.py`).

An ERP joins the suite by adding `tests/adapters/harness_<system>.py` with a module-level
`make_harness()` returning an `ErpHarness`, and listing the system in `HARNESS_SYSTEMS` below.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
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
