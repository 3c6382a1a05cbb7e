"""The Xero demo: purchase-order lines seeded as a CCO, removed as a user in Xero would, and the
settings that point the app at the stand-in."""

from __future__ import annotations

from sandbox.erps.kit import ErpKeys, StandInDemo
from sandbox.erps.xero.app import make_app as make_xero
from sandbox.erps.xero.world import Connection, LineItem, XeroState
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


class XeroDemo(StandInDemo):
    """Xero: a purchase order per commitment; a CCO is lines appended to it, and is gone when
    those lines are removed. Procore keeps the LineItemIDs as the CCO line items' origin ids; the
    CCO's own origin_id here is its first line's id (Procore does not publish what it keeps)."""

    CONNECTION = Connection(
        client_id="8C1F0E2B6A3D4C5E9F7A1B2C3D4E5F60",
        client_secret="xero-custom-connection-secret",
        tenant_id="fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
        tenant_name="Acme Builders (US)",
    )

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), XeroState()
        super().__init__("xero", make_xero(self.state, recorder, faults), recorder, faults)
        self.state.add_connection(self.CONNECTION)
        #: the CCO's origin_id -> (purchase order id, its lines as exported)
        self._lines: dict[str, tuple[str, list[LineItem]]] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": server.url,
            "ERP_CLIENT_ID": self.CONNECTION.client_id,
            "ERP_CLIENT_SECRET": self.CONNECTION.client_secret,
            "ERP_TENANT": self.CONNECTION.tenant_id,
        }

    def commitment_origin(self, key: str) -> str:
        base = [(f"{key} – base scope", 12_000.0), (f"{key} – taping", 3_500.0)]
        return self.state.add_purchase_order(base, number=key).purchase_order_id

    def project_origin(self, key: str, name: str) -> str:
        """The TrackingOptionID of the project's option in the "Project" tracking category."""
        return self.state.add_project(name)

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        cco = [(f"CCO {key} – extra board", 800.0), (f"CCO {key} – labour", 450.0)]
        lines = self.state.append_lines(commitment_origin, cco)
        order = self.state.by_id(commitment_origin)
        assert order is not None
        ids = tuple(line.line_item_id for line in lines)
        keys = ErpKeys(ids[0], order.number, ids)
        self._lines[keys.origin_id] = (commitment_origin, lines)
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        purchase_order_id, lines = self._lines[keys.origin_id]
        order = self.state.by_id(purchase_order_id)
        assert order is not None
        order.lines.extend(line for line in lines if line not in order.lines)
        if state == "deleted":
            self.state.remove_lines(purchase_order_id, list(keys.line_origin_ids))
