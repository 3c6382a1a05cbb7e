"""The Workday sandbox's data: tenants, their ISUs, Supplier Contracts and amendments."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sandbox.erps.workday.errors import AuthFailed, not_found_for

DEMO_TENANT = "acme_impl1"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)


def wid_for(kind: str, key: str) -> str:
    """A stable 32-hex-digit Workday ID (WID) for an object of `kind` with `key`."""
    return hashlib.md5(f"{kind}:{key}".encode(), usedforsecurity=False).hexdigest()


@dataclass
class Amendment:
    amendment_id: str
    status: str = "Approved"
    description: str = ""

    @property
    def wid(self) -> str:
        return wid_for("amendment", self.amendment_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "amendment_id": self.amendment_id,
            "wid": self.wid,
            "status": self.status,
            "description": self.description,
        }


@dataclass
class SupplierContract:
    contract_id: str
    name: str = ""
    supplier: str = ""
    amendments: dict[str, Amendment] = field(default_factory=dict)

    @property
    def wid(self) -> str:
        return wid_for("supplier_contract", self.contract_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "wid": self.wid,
            "name": self.name,
            "supplier": self.supplier,
            "amendments": [a.as_dict() for a in self.amendments.values()],
        }


@dataclass
class Tenant:
    name: str
    #: ISU user name (without `@tenant`) -> password
    users: dict[str, str] = field(default_factory=dict)
    contracts: dict[str, SupplierContract] = field(default_factory=dict)
    #: Project_ID -> project name
    projects: dict[str, str] = field(default_factory=dict)


class WorkdayState:
    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        #: the ISU reads a tenant holding nothing (an implementation tenant not yet loaded)
        self.empty_company = False

    def add_project(self, tenant: str, project_id: str, name: str = "") -> None:
        self.tenant(tenant).projects[project_id] = name

    def projects(
        self, tenant: str, references: list[tuple[str, str]]
    ) -> list[tuple[str, str, str]]:
        """(WID, Project_ID, name) of each referenced project; NotFound as for contracts."""
        known = {} if self.empty_company else self.tenant(tenant).projects
        found = []
        for position, (id_type, value) in enumerate(references, 1):
            match = [
                (wid_for("project", pid), pid, name)
                for pid, name in known.items()
                if (id_type, value) in (("WID", wid_for("project", pid)), ("Project_ID", pid))
            ]
            if not match:
                raise not_found_for(id_type, value, position)
            found.append(match[0])
        return found

    def tenant(self, name: str) -> Tenant:
        """The tenant called `name`, created on first use."""
        return self.tenants.setdefault(name, Tenant(name))

    def put_user(self, tenant: str, username: str, password: str) -> None:
        self.tenant(tenant).users[username] = password

    def add_contract(
        self, tenant: str, contract_id: str, *, name: str = "", supplier: str = ""
    ) -> SupplierContract:
        contracts = self.tenant(tenant).contracts
        contract = contracts.get(contract_id) or SupplierContract(contract_id, name, supplier)
        contracts[contract_id] = contract
        return contract

    def delete_contract(self, tenant: str, contract_id: str) -> bool:
        return self.tenant(tenant).contracts.pop(contract_id, None) is not None

    def add_amendment(
        self,
        tenant: str,
        contract_id: str,
        amendment_id: str,
        *,
        status: str = "Approved",
        description: str = "",
    ) -> Amendment:
        """Raises KeyError when the contract does not exist."""
        contract = self.tenant(tenant).contracts[contract_id]
        amendment = Amendment(amendment_id, status, description)
        contract.amendments[amendment_id] = amendment
        return amendment

    def cancel_amendment(self, tenant: str, contract_id: str, amendment_id: str) -> bool:
        amendment = self._amendment(tenant, contract_id, amendment_id)
        if amendment is None:
            return False
        amendment.status = "Canceled"
        return True

    def delete_amendment(self, tenant: str, contract_id: str, amendment_id: str) -> bool:
        contract = self.tenant(tenant).contracts.get(contract_id)
        return contract is not None and contract.amendments.pop(amendment_id, None) is not None

    def _amendment(self, tenant: str, contract_id: str, amendment_id: str) -> Amendment | None:
        contract = self.tenant(tenant).contracts.get(contract_id)
        return contract.amendments.get(amendment_id) if contract else None

    # --- what the SOAP endpoint asks ---------------------------------------------------------

    def authenticate(
        self, tenant: str, username: str, password: str, password_type: str | None
    ) -> None:
        """Raise AuthFailed unless `username` is `user@tenant` with that ISU's PasswordText."""
        known = self.tenants.get(tenant)
        user, _, user_tenant = username.rpartition("@")
        if known is None or user_tenant != tenant or password_type not in (None, PASSWORD_TEXT):
            raise AuthFailed
        if known.users.get(user) != password:
            raise AuthFailed

    def contracts(self, tenant: str, references: list[tuple[str, str]]) -> list[SupplierContract]:
        """The contracts the (ID type, value) references name, or all when there are none.

        Raises NotFound, as Workday does, for the first reference that names nothing.
        """
        known = [] if self.empty_company else list(self.tenant(tenant).contracts.values())
        if not references:
            return list(known)
        found = []
        for position, (id_type, value) in enumerate(references, 1):
            match = [c for c in known if (id_type, value) in _keys(c)]
            if not match:
                raise not_found_for(id_type, value, position)
            found.append(match[0])
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            name: {
                "users": sorted(t.users),
                "contracts": [c.as_dict() for c in t.contracts.values()],
                "projects": t.projects,
                "empty_company": self.empty_company,
            }
            for name, t in self.tenants.items()
        }


def demo_state() -> WorkdayState:
    """The playground's tenant: one ISU, two Supplier Contracts, three amendments."""
    state = WorkdayState()
    state.put_user(DEMO_TENANT, "ISU_Procore", "sandbox-password")
    state.add_contract(DEMO_TENANT, "SC-000012", name="Level 3 drywall", supplier="DRYWALLCO")
    state.add_amendment(DEMO_TENANT, "SC-000012", "SCA-000101", description="Drywall changes")
    state.add_amendment(
        DEMO_TENANT, "SC-000012", "SCA-000103", status="Canceled", description="Paint upgrade"
    )
    state.add_contract(DEMO_TENANT, "SC-000007", name="Mezzanine steel", supplier="STEELWORKS")
    state.add_amendment(
        DEMO_TENANT, "SC-000007", "SCA-000102", status="In Progress", description="Extra steel"
    )
    return state


def _keys(contract: SupplierContract) -> tuple[tuple[str, str], ...]:
    return (("WID", contract.wid), ("Supplier_Contract_ID", contract.contract_id))


__all__ = [
    "DEMO_TENANT",
    "Amendment",
    "SupplierContract",
    "Tenant",
    "WorkdayState",
    "demo_state",
    "wid_for",
]
