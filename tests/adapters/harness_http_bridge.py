"""The in-memory integration bridge, as the shared ERP contract suite drives it (seeded by its
demo)."""

from __future__ import annotations

from erp.base import RecordState
from sandbox.erps.http_bridge.demo import HttpBridgeDemo
from tests.adapters.erp_harness import DemoHarness

PREFIX, TOKEN = HttpBridgeDemo.PREFIX, HttpBridgeDemo.TOKEN


class HttpBridgeHarness(DemoHarness[HttpBridgeDemo]):
    gone_states = (
        RecordState.DELETED,
        RecordState.REVERSED,
        RecordState.VOIDED,
        RecordState.CANCELED,
    )
    #: the bridge answers "deleted" by its own explicit rule (docs/http-bridge.md)
    evidence_rule = False

    def __init__(self) -> None:
        super().__init__(HttpBridgeDemo())
        self.state = self.demo.state

    def break_credentials(self) -> None:
        self.state.token = "rotated-by-the-integration-team"

    def read_route(self) -> str:
        return r"/cco-record-state$"


def make_harness() -> HttpBridgeHarness:
    return HttpBridgeHarness()
