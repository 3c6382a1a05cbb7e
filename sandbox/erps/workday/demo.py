"""The Workday demo: Supplier Contract amendments seeded in a given state, changed as a user in
the tenant would, and the settings that point the app at the stand-in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from sandbox.erps.kit import ErpKeys, StandInDemo
from sandbox.erps.workday.app import make_sandbox as make_workday
from sandbox.erps.workday.world import Amendment, WorkdayState
from sandbox.runner import RunningServer


class WorkdayDemo(StandInDemo):
    """Workday: a Supplier Contract per commitment, a Supplier Contract Amendment per CCO."""

    TENANT, ISU, PASSWORD = "acme_impl1", "ISU_Procore", "s3cret<&>'\""
    STATES = ("present", "canceled", "deleted")
    STANDS_FOR: ClassVar[Mapping[str, str]] = {"reversed": "canceled"}

    def __init__(self) -> None:
        sandbox = make_workday(WorkdayState())
        super().__init__("workday", sandbox.app, sandbox.recorder, sandbox.faults)
        self.state = sandbox.state
        self.state.put_user(self.TENANT, self.ISU, self.PASSWORD)
        #: amendment id -> (its contract id, the amendment, its status as exported)
        self._amendments: dict[str, tuple[str, Amendment, str]] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": server.url,
            "ERP_USERNAME": self.ISU,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_TENANT": self.TENANT,
        }

    def commitment_origin(self, key: str) -> str:
        contract = self.state.add_contract(self.TENANT, key, name=f"Subcontract {key}")
        return contract.contract_id

    def project_origin(self, key: str, name: str) -> str:
        self.state.add_project(self.TENANT, key, name)
        return key

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(
        self, key: str, state: str, commitment_origin: str, *, status: str = "Approved"
    ) -> ErpKeys:
        amendment = self.state.add_amendment(
            self.TENANT, commitment_origin, f"SCA-{key}", status=status, description=f"CCO {key}"
        )
        self._amendments[amendment.amendment_id] = (commitment_origin, amendment, status)
        keys = ErpKeys(amendment.amendment_id, amendment.amendment_id)
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        contract_id, amendment, status = self._amendments[keys.origin_id]
        self.state.tenant(self.TENANT).contracts[contract_id].amendments[keys.origin_id] = amendment
        amendment.status = status
        if state == "canceled":
            self.state.cancel_amendment(self.TENANT, contract_id, keys.origin_id)
        elif state == "deleted":
            self.state.delete_amendment(self.TENANT, contract_id, keys.origin_id)
