"""Each ERP's stand-in as the demo world and the end-to-end tests use it: start it, create a
CCO's record in a given state, change that state (as a user in the ERP would), and the settings
that point the app at it.

States are the words the playground uses: "present", "deleted", "reversed", "voided", "canceled".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sandbox.acumatica import make_sandbox as make_acumatica
from sandbox.acumatica_world import AcumaticaWorld
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer, serve


@dataclass(frozen=True)
class ErpKeys:
    """How Procore knows the ERP record: the package's origin_id (and its line items')."""

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

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys: ...

    def set_state(self, keys: ErpKeys, state: str) -> None:
        """Act as a user in the ERP: reverse, delete, void or cancel the record."""
        ...

    def states(self) -> tuple[str, ...]:
        """The states this ERP's records can be put in (for the playground)."""
        ...


class AcumaticaDemo:
    """Acumatica Cloud ERP; with `system="myob_advanced"` the same stand-in serves MYOB Advanced."""

    USER, PASSWORD, TENANT = "cco-bot", "sandbox-erp-password", "Northwind"

    def __init__(self, system: str = "acumatica") -> None:
        self.system = system
        self.world = AcumaticaWorld()
        self.world.add_user(self.USER, self.PASSWORD, self.TENANT)
        self._sandbox = make_acumatica(self.world)
        self.recorder = self._sandbox.recorder
        self.faults = self._sandbox.faults

    async def start(self) -> RunningServer:
        return await serve(self._sandbox.app)

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}/AcumaticaERP",
            "ERP_USERNAME": self.USER,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_TENANT": self.TENANT,
        }

    def commitment_origin(self, key: str) -> str:
        return f"SUB-{key}"

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        order = self.world.add_change_order(
            project_id=key.split("-")[0], description=f"CCO {key} from Procore"
        )
        keys = ErpKeys(order.ref_nbr, order.ref_nbr)
        self.set_state(keys, state)
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        if state == "reversed":
            self.world.reverse(keys.origin_id)
        elif state == "deleted":
            self.world.delete(keys.origin_id)
        elif state != "present":
            raise ValueError(f"{self.system} has no {state!r} state")

    def states(self) -> tuple[str, ...]:
        return ("present", "reversed", "deleted")


ERP_DEMOS: dict[str, Callable[[], ErpDemo]] = {
    "acumatica": lambda: AcumaticaDemo("acumatica"),
    "myob_advanced": lambda: AcumaticaDemo("myob_advanced"),
}
