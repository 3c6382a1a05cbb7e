"""The MRI demo: contract change orders, there or gone, and the settings that point the app at
the stand-in."""

from __future__ import annotations

from sandbox.erps.kit import (
    ErpKeys,
    StandInDemo,
    contract_reference,
)
from sandbox.erps.mri.app import make_app as make_mri
from sandbox.erps.mri.world import ApiUser, ContractChangeOrder, MriState
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


class MriDemo(StandInDemo):
    """MRI's API services (`api.asp`): job-cost contract change orders."""

    ROOT = "/MRIWeb/MriApiServices"
    USER = ApiUser(
        client_id="C1234",
        database="ACMELIVE",
        user="PROCOREAPI",
        partner_key="PK-7F3A-0042",
        password="p:ss/word é",
    )

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), MriState()
        super().__init__("mri", make_mri(self.state, recorder, faults), recorder, faults)
        self.state.add_user(self.USER)
        self._orders: dict[str, ContractChangeOrder] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.ROOT}",
            "ERP_USERNAME": self.USER.user,
            "ERP_PASSWORD": self.USER.password,
            "ERP_CLIENT_ID": self.USER.client_id,
            "ERP_TENANT": self.USER.database,
            "ERP_CLIENT_SECRET": self.USER.partner_key,
        }

    def commitment_origin(self, key: str) -> str:
        """MRI's contract id."""
        self.state.add_contract(key, description=f"Contract {key}")
        return key

    def project_origin(self, key: str, name: str) -> str:
        """MRI's job id."""
        self.state.add_job(key, description=name)
        return key

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(
        self, key: str, state: str, commitment_origin: str, *, status: str = "Approved"
    ) -> ErpKeys:
        order = self.state.add_change_order(
            commitment_origin, f"CCO{key}", description=f"CCO {key}", status=status
        )
        self._orders[order.change_order_id] = order
        keys = ErpKeys(
            order.change_order_id, contract_reference(order.change_order_id, commitment_origin)
        )
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        order = self._orders[keys.origin_id]
        if order not in self.state.change_orders:
            self.state.change_orders.append(order)
        if self.checked(state) == "deleted":
            self.state.delete_change_order(order.contract_id, order.change_order_id)
