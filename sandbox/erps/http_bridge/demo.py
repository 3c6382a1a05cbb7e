"""The HTTP bridge demo: a company's own integration bridge answering each state, and the
settings that point the app at the stand-in."""

from __future__ import annotations

from sandbox.erps.http_bridge.app import make_app as make_bridge
from sandbox.erps.http_bridge.world import BridgeState
from sandbox.erps.kit import DEMO_WORDS, ErpKeys, StandInDemo
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


class HttpBridgeDemo(StandInDemo):
    """A company's integration bridge (`docs/http-bridge.md`): it answers every state."""

    PREFIX, TOKEN = "/procore", "bridge-token-7f3a"
    STATES = DEMO_WORDS

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), BridgeState(token=self.TOKEN)
        app = make_bridge(self.state, recorder, faults, prefix=self.PREFIX)
        super().__init__("http_bridge", app, recorder, faults)

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.PREFIX}/",
            "ERP_CLIENT_SECRET": self.TOKEN,
        }

    def commitment_origin(self, key: str) -> str:
        """The ERP's contract id as Procore keeps it (the bridge is asked about CCOs only)."""
        return f"SC-{key}"

    def project_origin(self, key: str, name: str) -> str:
        return key

    def set_empty_company(self, empty: bool) -> None:
        """Not modelled: the bridge is the company's own code and keeps its own explicit rule
        (a missing record is answered `deleted` only by the bridge's decision,
        docs/http-bridge.md); the app adds no evidence rule on top of it."""

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        origin_id = f"CO-{key}"
        keys = ErpKeys(origin_id, f"change order {origin_id}", (f"{origin_id}-1",))
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        if self.checked(state) == "deleted":
            self.state.forget(keys.origin_id)
            return
        self.state.put(keys.origin_id, state, reference=keys.reference, status_text=state.title())
