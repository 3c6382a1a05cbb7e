"""The MRI stand-in's data: API users, contract change orders, contracts and jobs, plain Python;
`sandbox.erps.mri.app` serves them as MRI's Web API answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

API_NAME = "MRI_S-PMJC_ContractChangeOrders"
CONTRACTS_API = "MRI_S-PMJC_Contracts"
JOBS_API = "MRI_S-PMJC_Jobs"
#: each API's filter parameters -> the row field they match
FILTERS: dict[str, dict[str, str]] = {
    API_NAME: {"CONTRACTID": "ContractID", "CHANGEORDERID": "ChangeOrderID"},
    CONTRACTS_API: {"CONTRACTID": "ContractID", "JOBID": "JobID"},
    JOBS_API: {"JOBID": "JobID"},
}


@dataclass(frozen=True)
class ApiUser:
    client_id: str
    database: str
    user: str
    partner_key: str
    password: str

    @property
    def basic_user(self) -> str:
        return f"{self.client_id}/{self.database}/{self.user}/{self.partner_key}"


@dataclass
class ContractChangeOrder:
    contract_id: str
    change_order_id: str
    description: str = ""
    status: str = "Approved"

    def row(self) -> dict[str, Any]:
        return {
            "ContractID": self.contract_id,
            "ChangeOrderID": self.change_order_id,
            "Description": self.description,
            "Status": self.status,
        }


@dataclass
class MriState:
    users: list[ApiUser] = field(default_factory=list)
    change_orders: list[ContractChangeOrder] = field(default_factory=list)
    #: contract id -> {"ContractID", "JobID", "Description", "Status"}
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: job id -> {"JobID", "Description", "Status"}
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the database holds none of these rows (a wrong ERP_TENANT)
    empty_company: bool = False

    def add_contract(self, contract_id: str, *, job_id: str = "", description: str = "") -> None:
        self.contracts[contract_id] = {
            "ContractID": contract_id,
            "JobID": job_id,
            "Description": description,
            "Status": "Active",
        }

    def add_job(self, job_id: str, *, description: str = "") -> None:
        self.jobs[job_id] = {"JobID": job_id, "Description": description, "Status": "Active"}

    def add_user(self, user: ApiUser) -> None:
        self.users.append(user)

    def revoke_users(self) -> None:
        self.users.clear()

    def add_change_order(
        self,
        contract_id: str,
        change_order_id: str,
        *,
        description: str = "",
        status: str = "Approved",
    ) -> ContractChangeOrder:
        self.delete_change_order(contract_id, change_order_id)
        change_order = ContractChangeOrder(contract_id, change_order_id, description, status)
        self.change_orders.append(change_order)
        return change_order

    def delete_change_order(self, contract_id: str, change_order_id: str) -> bool:
        before = len(self.change_orders)
        self.change_orders = [
            co
            for co in self.change_orders
            if (co.contract_id, co.change_order_id) != (contract_id, change_order_id)
        ]
        return len(self.change_orders) < before

    def accepts(self, basic_user: str, password: str) -> bool:
        return any((u.basic_user, u.password) == (basic_user, password) for u in self.users)

    def rows(self, filters: dict[str, str], api: str = API_NAME) -> list[dict[str, Any]]:
        if self.empty_company:
            return []
        every = {
            API_NAME: [co.row() for co in self.change_orders],
            CONTRACTS_API: list(self.contracts.values()),
            JOBS_API: list(self.jobs.values()),
        }[api]
        return [row for row in every if all(row[k] == v for k, v in filters.items())]

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": [u.basic_user for u in self.users],
            "change_orders": [asdict(co) for co in self.change_orders],
            "contracts": list(self.contracts.values()),
            "jobs": list(self.jobs.values()),
            "empty_company": self.empty_company,
        }
