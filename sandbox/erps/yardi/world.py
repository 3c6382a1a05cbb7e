"""The Yardi Voyager stand-in's data: interface logins, change orders, contracts and jobs, plain
Python; `sandbox.erps.yardi.app` serves them over Yardi's SOAP job-cost interface."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.erps.yardi.wire import CONTRACTS_OPERATION, JOBS_OPERATION


@dataclass(frozen=True)
class Login:
    user_name: str
    password: str
    server_name: str
    database: str
    interface_entity: str
    interface_license: str
    platform: str = "SQL Server"

    def wire(self) -> tuple[str, ...]:
        return (
            self.user_name,
            self.password,
            self.server_name,
            self.database,
            self.platform,
            self.interface_entity,
            self.interface_license,
        )


@dataclass
class ChangeOrder:
    contract_code: str
    code: str
    description: str = ""
    status: str = "Approved"


@dataclass
class YardiState:
    logins: list[Login] = field(default_factory=list)
    #: contract code -> change order code -> change order
    contracts: dict[str, dict[str, ChangeOrder]] = field(default_factory=dict)
    #: job code -> description
    jobs: dict[str, str] = field(default_factory=dict)
    #: the database holds nothing (a wrong ERP_TENANT)
    empty_company: bool = False

    def add_login(self, login: Login) -> None:
        self.logins.append(login)

    def revoke_logins(self) -> None:
        self.logins.clear()

    def add_change_order(
        self, contract_code: str, code: str, *, description: str = "", status: str = "Approved"
    ) -> ChangeOrder:
        change_order = ChangeOrder(contract_code, code, description, status)
        self.contracts.setdefault(contract_code, {})[code] = change_order
        return change_order

    def delete_change_order(self, contract_code: str, code: str) -> bool:
        return self.contracts.get(contract_code, {}).pop(code, None) is not None

    def accepts(self, wire_login: tuple[str, ...]) -> bool:
        return any(login.wire() == wire_login for login in self.logins)

    def find(self, contract_code: str | None, code: str | None) -> list[ChangeOrder]:
        if self.empty_company:
            return []
        return [
            change_order
            for contract, change_orders in self.contracts.items()
            if contract_code in (None, contract)
            for change_order in change_orders.values()
            if code in (None, change_order.code)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "logins": [
                {**asdict(login), "password": "***", "interface_license": "***"}
                for login in self.logins
            ],
            "change_orders": [
                asdict(co)
                for change_orders in self.contracts.values()
                for co in change_orders.values()
            ],
            "contracts": sorted(self.contracts),
            "jobs": self.jobs,
            "empty_company": self.empty_company,
        }

    def items(self, operation: str, call: dict[str, str]) -> list[dict[str, str]]:
        """The rows an operation answers (each a {element: text} of its item)."""
        if self.empty_company:
            return []
        if operation == CONTRACTS_OPERATION:
            wanted = call.get("ContractCode") or None
            return [{"Code": code} for code in self.contracts if wanted in (None, code)]
        if operation == JOBS_OPERATION:
            wanted = call.get("JobCode") or None
            return [
                {"Code": code, "Description": text}
                for code, text in self.jobs.items()
                if wanted in (None, code)
            ]
        found = self.find(call.get("ContractCode") or None, call.get("ChangeOrderCode") or None)
        return [
            {
                "Code": co.code,
                "ContractCode": co.contract_code,
                "Description": co.description,
                "Status": co.status,
            }
            for co in found
        ]
