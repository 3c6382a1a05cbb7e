"""What every ERP demo shares: the keys Procore holds for an ERP record, the `ErpDemo` interface,
and a small base for the stand-ins (their app, recorder, faults and state words).

States are the words the playground uses: "present", "deleted", "reversed", "voided", "canceled".
Each ERP has only some of them (`states()`); the demo world asks for "present", "reversed" and
"deleted", and `demo_state(word)` says which of this ERP's states stands for a word it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from aiohttp import web

from sandbox.faults import Faults, Recorder, instrument
from sandbox.runner import RunningServer, serve

#: every state word of the demo world and the playground
DEMO_WORDS = ("present", "deleted", "reversed", "voided", "canceled")


@dataclass(frozen=True)
class ErpKeys:
    """How Procore knows the ERP record: the package's origin_id (and its line items'), and the
    name a user finds the record by in the ERP."""

    origin_id: str
    reference: str
    line_origin_ids: tuple[str, ...] = ()


class ErpDemo(Protocol):
    system: str
    recorder: Recorder
    faults: Faults

    async def start(self) -> RunningServer: ...

    def env(self, server: RunningServer) -> dict[str, str]:
        """ERP_* settings that point the app at this stand-in."""
        ...

    def commitment_origin(self, key: str) -> str:
        """Create (if this ERP has one) the commitment's record; return its origin id."""
        ...

    def project_origin(self, key: str, name: str) -> str:
        """Create (if this ERP has one) the project's record; return its origin id."""
        ...

    def set_empty_company(self, empty: bool) -> None:
        """Point the app's ERP connection at a company that holds nothing (as a wrong company,
        tenant or database would), or back at the seeded one."""
        ...

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        """Create the CCO's record and put it in the state that stands for the demo word
        `state` here (`demo_state`); return the keys Procore holds for it."""
        ...

    def set_state(self, keys: ErpKeys, state: str) -> None:
        """Act as a user in the ERP: reverse, delete, void or cancel the record ("present" puts
        it back as it was exported). `state` is one of `states()`."""
        ...

    def states(self) -> tuple[str, ...]:
        """The states this ERP's records can be put in (for the playground)."""
        ...

    def demo_state(self, word: str) -> str:
        """The state of this ERP that stands for the demo world's `word`."""
        ...


class StandInDemo:
    """Base of the demos backed by a stand-in app: starts it, knows its states and words."""

    system: str
    #: the states this ERP's records can be in
    STATES: tuple[str, ...] = ("present", "deleted")
    #: a demo word this ERP lacks -> the state standing for it here (otherwise "deleted")
    STANDS_FOR: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self, system: str, app: web.Application, recorder: Recorder, faults: Faults
    ) -> None:
        self.system = system
        self.recorder = recorder
        self.faults = faults
        self._app = app

    async def start(self) -> RunningServer:
        return await serve(self._app)

    def states(self) -> tuple[str, ...]:
        return self.STATES

    def demo_state(self, word: str) -> str:
        if word in self.STATES:
            return word
        if word not in DEMO_WORDS:
            raise ValueError(f"no state {word!r}: {', '.join(DEMO_WORDS)}")
        return self.STANDS_FOR.get(word, "deleted")

    def checked(self, state: str) -> str:
        """`state`, when this ERP has it."""
        if state not in self.STATES:
            raise ValueError(f"{self.system} has no {state!r} state: {', '.join(self.STATES)}")
        return state


class NotSyncedDemo(StandInDemo):
    """QuickBooks Online / NetSuite: Procore syncs no commitments or CCOs with them, so the app
    never asks this ERP anything. An empty (instrumented) app keeps the interface uniform; the
    keys it hands out only keep the demo world's shape (the app says "not synced" before it would
    read any of them), and no record has a state to change."""

    STATES = ()

    def __init__(self, system: str) -> None:
        recorder, faults, app = Recorder(), Faults(), web.Application()
        instrument(app, recorder, faults)
        super().__init__(system, app, recorder, faults)

    def env(self, server: RunningServer) -> dict[str, str]:
        return {"ERP_SYSTEM": self.system}

    def commitment_origin(self, key: str) -> str:
        return key

    def project_origin(self, key: str, name: str) -> str:
        return key

    def set_empty_company(self, empty: bool) -> None:
        """Nothing to empty: the app never asks this ERP anything."""

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        return ErpKeys(key, key)

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)

    def demo_state(self, word: str) -> str:
        return word


def contract_reference(change_order: str, contract: str) -> str:
    """How Yardi and MRI users find a change order: its code and its contract's."""
    return f"{change_order} (contract {contract})"
