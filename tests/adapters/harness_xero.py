"""The Xero stand-in, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer, serve
from sandbox.xero import make_app
from sandbox.xero_state import Connection, PurchaseOrder, XeroState

CONNECTION = Connection(
    client_id="8C1F0E2B6A3D4C5E9F7A1B2C3D4E5F60",
    client_secret="xero-custom-connection-secret",
    tenant_id="fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
    tenant_name="Acme Builders (US)",
)


class XeroHarness:
    system = "xero"
    gone_states = (RecordState.DELETED,)

    def __init__(self, state: XeroState | None = None) -> None:
        self.recorder = Recorder()
        self.faults = Faults()
        self.state = state if state is not None else XeroState()
        self.state.add_connection(CONNECTION)
        self._numbers = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(make_app(self.state, self.recorder, self.faults))

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="xero",
            base_url=server.url,
            client_id=CONNECTION.client_id,
            client_secret=CONNECTION.client_secret,
            tenant=CONNECTION.tenant_id,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def add_commitment_with_cco(self) -> tuple[PurchaseOrder, ErpLookup]:
        """A PO for the commitment (two base lines) with one CCO's two lines appended."""
        n = next(self._numbers)
        order = self.state.add_purchase_order(
            [("Drywall – base scope", 12_000.0), ("Taping", 3_500.0)],
            number=f"PO-{n:04d}",
        )
        cco_lines = self.state.append_lines(
            order.purchase_order_id, [("CCO #004 extra board", 800.0), ("CCO #004 labour", 450.0)]
        )
        lookup = ErpLookup(
            origin_id=f"cco-{n}",
            cco_number="004",
            cco_title="Drywall changes",
            commitment_origin_id=order.purchase_order_id,
            commitment_number=order.number,
            line_item_origin_ids=tuple(line.line_item_id for line in cco_lines),
        )
        return order, lookup

    def seed(self, state: RecordState) -> ErpLookup:
        order, lookup = self.add_commitment_with_cco()
        if state is RecordState.DELETED:
            self.state.remove_lines(order.purchase_order_id, list(lookup.line_item_origin_ids))
        elif state is not RecordState.PRESENT:
            raise ValueError(f"the Xero sandbox cannot seed {state}")
        return lookup

    def break_credentials(self) -> None:
        self.state.revoke_connections()
        self.state.add_connection(replace(CONNECTION, client_secret="rotated-in-xero"))

    def read_route(self) -> str:
        return r"/api\.xro/2\.0/PurchaseOrders/"


def make_harness() -> XeroHarness:
    return XeroHarness()
