"""State of the Acumatica / MYOB Advanced stand-in: users, OAuth clients, sessions, change orders.

Plain Python, no HTTP: `sandbox.erps.acumatica.app` serves it in Acumatica's wire format, tests
and the playground change it directly. A deleted change order is simply gone, as in the ERP.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: display strings of ChangeOrder.ReverseStatus (PMChangeOrder codes N / X / R)
REVERSE_NONE = "None"
REVERSED = "Reversed"
REVERSING = "Reversing"


class ChangeOrderError(ValueError):
    """The ERP refuses the operation on a change order (missing, already reversed, ...)."""


class LoginRefused(Exception):
    """Wrong user name, password, company or OAuth client."""


class LoginLimitReached(Exception):
    """The licence's number of concurrent API sessions is used up."""


def _guid() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class CommitmentLine:
    """One line of a change order's Commitments tab (a change to a subcontract or PO line)."""

    po_nbr: str
    vendor: str
    amount: float
    description: str = ""
    po_type: str = "Subcontract"
    project_task_id: str = "01"
    cost_code: str = "00-000"
    status: str = "Open"
    id: str = field(default_factory=_guid)

    def fields(self) -> dict[str, Any]:
        return {
            "PONbr": self.po_nbr,
            "POType": self.po_type,
            "Vendor": self.vendor,
            "Amount": self.amount,
            "LineAmount": self.amount,
            "Description": self.description,
            "ProjectTaskID": self.project_task_id,
            "CostCode": self.cost_code,
            "Status": self.status,
        }

    def negated(self) -> CommitmentLine:
        return CommitmentLine(
            po_nbr=self.po_nbr,
            vendor=self.vendor,
            amount=-self.amount,
            description=self.description,
            po_type=self.po_type,
            project_task_id=self.project_task_id,
            cost_code=self.cost_code,
            status=self.status,
        )


@dataclass
class ChangeOrder:
    ref_nbr: str
    project_id: str
    status: str = "Open"
    reverse_status: str = REVERSE_NONE
    description: str = ""
    original_co_ref_nbr: str | None = None
    external_ref_nbr: str | None = None
    commitments: list[CommitmentLine] = field(default_factory=list)
    change_date: str = field(default_factory=_now)
    last_modified: str = field(default_factory=_now)
    id: str = field(default_factory=_guid)

    def fields(self) -> dict[str, Any]:
        """Contract field name -> plain value (None renders as an empty wrapper)."""
        return {
            "RefNbr": self.ref_nbr,
            "ProjectID": self.project_id,
            "Status": self.status,
            "ReverseStatus": self.reverse_status,
            "Hold": self.status == "On Hold",
            "Description": self.description,
            "OriginalCORefNbr": self.original_co_ref_nbr,
            "ExternalRefNbr": self.external_ref_nbr,
            "Class": "DEFAULT",
            "ChangeDate": self.change_date,
            "LastModifiedDateTime": self.last_modified,
            "CommitmentsChangeTotal": sum(line.amount for line in self.commitments),
            "CostBudgetChangeTotal": 0.0,
            "RevenueBudgetChangeTotal": 0.0,
        }

    def as_dict(self) -> dict[str, Any]:
        data = self.fields()
        data["id"] = self.id
        data["Commitments"] = [line.fields() | {"id": line.id} for line in self.commitments]
        return data


#: the parent entities the stand-in serves (list by $filter, one by key) and their fields
PARENT_FIELDS: dict[str, tuple[str, ...]] = {
    "Subcontract": ("SubcontractNbr", "Status", "VendorID", "Description", "LastModifiedDateTime"),
    "PurchaseOrder": (
        "OrderNbr",
        "Type",
        "Status",
        "VendorID",
        "Project",
        "Description",
        "LastModifiedDateTime",
    ),
    "Project": ("ProjectID", "Description", "Status", "Customer", "LastModifiedDateTime"),
}
#: each parent entity's key field
PARENT_KEYS = {"Subcontract": "SubcontractNbr", "PurchaseOrder": "OrderNbr", "Project": "ProjectID"}


@dataclass
class ParentRecord:
    """A subcontract, purchase order or project: only what the parent lookups read."""

    entity: str
    key: str
    status: str = "Open"
    description: str = ""
    vendor: str | None = None
    project: str | None = None
    last_modified: str = field(default_factory=_now)
    id: str = field(default_factory=_guid)

    def fields(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            PARENT_KEYS[self.entity]: self.key,
            "Status": self.status,
            "Description": self.description,
            "LastModifiedDateTime": self.last_modified,
        }
        if self.entity == "PurchaseOrder":
            values |= {"Type": "Normal", "VendorID": self.vendor, "Project": self.project}
        elif self.entity == "Subcontract":
            values["VendorID"] = self.vendor
        else:
            values["Customer"] = None
        return values


@dataclass
class User:
    name: str
    password: str
    company: str | None = None


@dataclass
class AccessToken:
    user: str
    client_id: str
    expires_at: float


class AcumaticaWorld:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        #: OAuth connected applications (SM303010): client_id -> client_secret
        self.oauth_clients: dict[str, str] = {}
        self.change_orders: dict[str, ChangeOrder] = {}
        #: entity name -> key (casefolded) -> subcontract, purchase order or project
        self.parents: dict[str, dict[str, ParentRecord]] = {name: {} for name in PARENT_FIELDS}
        #: the API user signs in to a company that holds nothing (a wrong ERP_TENANT)
        self.empty_company = False
        #: cookie sessions: .ASPXAUTH value -> user name
        self.sessions: dict[str, str] = {}
        self.tokens: dict[str, AccessToken] = {}
        #: concurrent API sessions the licence allows (None: unlimited)
        self.max_sessions: int | None = None
        self.token_lifetime: int = 3600
        self.logins_refused = False
        #: cookie logins ever accepted
        self.session_count = 0
        self._last_number = 100

    # --- change orders -------------------------------------------------------------------
    def add_change_order(
        self,
        ref_nbr: str | None = None,
        *,
        project_id: str = "TOWER-A",
        status: str = "Open",
        description: str = "",
        commitments: list[CommitmentLine] | None = None,
    ) -> ChangeOrder:
        ref = ref_nbr or self._next_ref_nbr()
        if self.find(ref) is not None:
            raise ChangeOrderError(f"Change order {ref} already exists.")
        order = ChangeOrder(
            ref_nbr=ref,
            project_id=project_id,
            status=status,
            description=description,
            commitments=list(commitments or []),
        )
        self.change_orders[ref.casefold()] = order
        return order

    def add_parent(
        self,
        entity: str,
        key: str,
        *,
        description: str = "",
        vendor: str | None = None,
        project: str | None = None,
    ) -> ParentRecord:
        """Add (or return) the subcontract, purchase order or project with this key."""
        existing = self.parents[entity].get(key.casefold())
        if existing is not None:
            return existing
        record = ParentRecord(entity, key, description=description, vendor=vendor, project=project)
        self.parents[entity][key.casefold()] = record
        return record

    def visible_change_orders(self) -> list[ChangeOrder]:
        """What the signed-in company holds (nothing in an empty company)."""
        return [] if self.empty_company else list(self.change_orders.values())

    def visible_parents(self, entity: str) -> list[ParentRecord]:
        return [] if self.empty_company else list(self.parents[entity].values())

    def find(self, ref_nbr: str) -> ChangeOrder | None:
        return self.change_orders.get(ref_nbr.casefold())

    def by_id(self, entity_id: str) -> ChangeOrder | None:
        return next((co for co in self.change_orders.values() if co.id == entity_id), None)

    def reverse(self, ref_nbr: str) -> ChangeOrder:
        """Reverse a change order: the original is marked Reversed (its Status is kept) and a new
        change order with negated lines, ReverseStatus Reversing and OriginalCORefNbr appears."""
        original = self._existing(ref_nbr)
        if original.reverse_status != REVERSE_NONE:
            raise ChangeOrderError(
                f"Change order {original.ref_nbr} cannot be reversed: "
                f"its reverse status is {original.reverse_status}."
            )
        reversing = self.add_change_order(
            project_id=original.project_id,
            status="On Hold",
            description=f"Reversal of {original.ref_nbr}",
            commitments=[line.negated() for line in original.commitments],
        )
        reversing.reverse_status = REVERSING
        reversing.original_co_ref_nbr = original.ref_nbr
        original.reverse_status = REVERSED
        original.last_modified = _now()
        return reversing

    def delete(self, ref_nbr: str) -> ChangeOrder:
        order = self._existing(ref_nbr)
        del self.change_orders[order.ref_nbr.casefold()]
        return order

    def _existing(self, ref_nbr: str) -> ChangeOrder:
        order = self.find(ref_nbr)
        if order is None:
            raise ChangeOrderError(f"Change order {ref_nbr} does not exist.")
        return order

    def _next_ref_nbr(self) -> str:
        while True:
            self._last_number += 1
            ref = f"CO{self._last_number:06d}"
            if self.find(ref) is None:
                return ref

    # --- users, sessions, tokens ---------------------------------------------------------
    def add_user(self, name: str, password: str, company: str | None = None) -> User:
        user = User(name, password, company)
        self.users[name.casefold()] = user
        return user

    def add_oauth_client(self, client_id: str, client_secret: str) -> None:
        self.oauth_clients[client_id] = client_secret

    def refuse_logins(self) -> None:
        """From now on every login and token request fails; open sessions and tokens end."""
        self.logins_refused = True
        self.sessions.clear()
        self.tokens.clear()

    def login(self, name: str, password: str, company: str | None) -> str:
        """Open a cookie session and return its `.ASPXAUTH` value."""
        self._authenticate(name, password, company)
        if self.max_sessions is not None and len(self.sessions) >= self.max_sessions:
            raise LoginLimitReached
        token = secrets.token_hex(32)
        self.sessions[token] = name
        self.session_count += 1
        return token

    def logout(self, session: str | None) -> None:
        if session is not None:
            self.sessions.pop(session, None)

    def issue_token(self, client_id: str, client_secret: str, name: str, password: str) -> str:
        if self.logins_refused or self.oauth_clients.get(client_id) != client_secret:
            raise LoginRefused("invalid_client")
        try:
            self._authenticate(name, password, None)
        except LoginRefused:
            raise LoginRefused("invalid_grant") from None
        token = secrets.token_urlsafe(32)
        self.tokens[token] = AccessToken(name, client_id, time.time() + self.token_lifetime)
        return token

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def is_signed_in(self, session: str | None, bearer: str | None) -> bool:
        if session is not None and session in self.sessions:
            return True
        if bearer is None:
            return False
        token = self.tokens.get(bearer)
        return token is not None and token.expires_at > time.time()

    @property
    def active_sessions(self) -> int:
        return len(self.sessions)

    def _authenticate(self, name: str, password: str, company: str | None) -> None:
        user = self.users.get(name.casefold())
        if self.logins_refused or user is None or user.password != password:
            raise LoginRefused("invalid credentials")
        if company and user.company and company.casefold() != user.company.casefold():
            raise LoginRefused("invalid company")

    def snapshot(self) -> dict[str, Any]:
        return {
            "change_orders": [co.as_dict() for co in self.change_orders.values()],
            "active_sessions": self.active_sessions,
            "session_count": self.session_count,
            "max_sessions": self.max_sessions,
            "active_tokens": len(self.tokens),
            "logins_refused": self.logins_refused,
            "empty_company": self.empty_company,
            "parents": {
                entity: [record.fields() for record in records.values()]
                for entity, records in self.parents.items()
            },
            "users": [user.name for user in self.users.values()],
            "oauth_clients": sorted(self.oauth_clients),
        }


def demo_world() -> AcumaticaWorld:
    """A small company for the playground: one user, one connected app, three change orders."""
    world = AcumaticaWorld()
    world.add_user("admin", "123", company="Company")
    world.add_oauth_client("cco-bot@Company", "sandbox-secret")
    world.add_parent("Project", "TOWER-A", description="Tower A")
    for number, vendor in (("SC000012", "DRYWALLCO"), ("SC000007", "STEELWORKS")):
        world.add_parent("Subcontract", number, vendor=vendor)
    world.add_change_order(
        "CO000101",
        description="Drywall changes",
        commitments=[CommitmentLine("SC000012", "DRYWALLCO", 12500.0, "Level 3 drywall")],
    )
    world.add_change_order(
        "CO000102",
        status="Closed",
        description="Extra steel",
        commitments=[CommitmentLine("SC000007", "STEELWORKS", 48000.0, "Mezzanine steel")],
    )
    world.add_change_order("CO000103", status="On Hold", description="Paint upgrade")
    return world
