"""The Xero stand-in, as the shared ERP contract suite drives it (seeded by its demo)."""

from __future__ import annotations

from dataclasses import replace

from erp.base import ErpLookup, RecordState
from sandbox.erps.xero.demo import XeroDemo
from sandbox.erps.xero.world import PurchaseOrder
from tests.adapters.erp_harness import DemoHarness

CONNECTION = XeroDemo.CONNECTION


class XeroHarness(DemoHarness[XeroDemo]):
    gone_states = (RecordState.DELETED,)

    def __init__(self) -> None:
        super().__init__(XeroDemo())
        self.state = self.demo.state

    def add_commitment_with_cco(self) -> tuple[PurchaseOrder, ErpLookup]:
        """A PO for the commitment (two base lines) with one CCO's two lines appended."""
        lookup = self.seed(RecordState.PRESENT)
        assert lookup.commitment_origin_id is not None
        order = self.state.by_id(lookup.commitment_origin_id)
        assert order is not None
        return order, lookup

    def break_credentials(self) -> None:
        self.state.revoke_connections()
        self.state.add_connection(replace(CONNECTION, client_secret="rotated-in-xero"))

    def read_route(self) -> str:
        return r"/api\.xro/2\.0/PurchaseOrders/"


def make_harness() -> XeroHarness:
    return XeroHarness()
