"""Procore domain models, parsed from vendor JSON in `procore.client` (nothing else sees it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Project:
    id: int
    company_id: int
    name: str
    is_erp_integrated: bool = False
    #: the project's key in the company's ERP (set by the ERP integration when it synced it)
    origin_id: str | None = None


#: the package `type` of a prime contract's change order (not a commitment's: never listed)
PRIME_CONTRACT_CHANGE_ORDER = "PrimeContractChangeOrder"


@dataclass(frozen=True)
class Cco:
    """A commitment change order, as its change order package (where `origin_id` lives)."""

    id: int
    project_id: int
    contract_id: int | None
    number: str
    title: str
    status: str
    grand_total: Decimal
    origin_id: str | None
    updated_at: datetime | None = None
    #: origin ids of the package's line items (the ERP's keys for them), when Procore returns them
    line_item_origin_ids: tuple[str, ...] = ()
    #: ids of the package's line items (`line_items[].id` of the package show); the unlink clears
    #: their sync link together with the package's
    line_item_ids: tuple[int, ...] = ()
    #: the package show's `type`: "CommitmentContractChangeOrder", "PrimeContractChangeOrder" or
    #: "ChangeOrderPackage"; None on list answers (the list does not carry it)
    package_type: str | None = None
    #: the ISO 4217 code of `grand_total` (`currency_configuration.currency_iso_code`); None
    #: when Procore names none
    currency: str | None = None
    #: when Procore deleted the package (lists read with `include_deleted`); None: present
    deleted_at: datetime | None = None

    @property
    def synced(self) -> bool:
        return bool(self.origin_id)

    @property
    def unsync_confirmed(self) -> bool:
        """Procore shows neither the package nor any line item it returns as synced."""
        return not self.origin_id and not self.line_item_origin_ids

    @property
    def is_prime_contract_change_order(self) -> bool:
        return self.package_type == PRIME_CONTRACT_CHANGE_ORDER


@dataclass(frozen=True)
class Commitment:
    """A work order (subcontract) or purchase order contract, read where Procore documents its
    `origin_id`: `work_order_contracts/{id}` / `purchase_order_contracts/{id}`."""

    id: int
    number: str
    title: str
    vendor_name: str | None
    origin_id: str | None = None
    #: "WorkOrderContract" or "PurchaseOrderContract"
    type: str = "WorkOrderContract"


@dataclass(frozen=True)
class ProcoreUser:
    """A company directory user."""

    id: int
    name: str
    email: str
    is_active: bool
    can_push_to_accounting: bool
    company_permission_template_id: int | None


@dataclass(frozen=True)
class PermissionSnapshot:
    """The three rights an unlink needs, read for one user and one project.

    Levels are Procore's permission-manifest ids: 4 Admin, 3 Standard, 2 Read Only, 0 None.
    `source` says where the answer came from ("directory" templates or a "linked" account).
    """

    user: ProcoreUser
    project_id: int
    commitments_level: int
    erp_integrations_level: int
    source: str = "directory"

    @property
    def can_push_to_accounting(self) -> bool:
        return self.user.can_push_to_accounting


@dataclass(frozen=True)
class Company:
    """A company the app's token can see (`GET /rest/v1.0/companies`)."""

    id: int
    name: str


@dataclass(frozen=True)
class PermissionTemplate:
    """A company's permission template and its tools' access levels (`user_access_levels`)."""

    id: int
    name: str
    #: "company_tools" for a company template; a project template otherwise
    type: str
    levels: dict[str, int]

    @property
    def is_company_template(self) -> bool:
        return self.type == "company_tools"


@dataclass(frozen=True)
class Hook:
    """A Webhooks Hook: where Procore POSTs the events of one project (or company), under one
    app's `namespace`."""

    id: int
    namespace: str
    destination_url: str
    api_version: str
    project_id: int | None = None
    company_id: int | None = None
    #: the last characters of the hook's `Authorization` header: Procore shows it masked
    authorization_tail: str | None = None
    #: "active" | "disabled" where Procore gives it (v2 hooks); None when it does not
    status: str | None = None


@dataclass(frozen=True)
class Trigger:
    """A Webhooks Trigger of a hook: one resource and one event type (create|update|delete)."""

    id: int
    hook_id: int
    resource_name: str
    #: lower-case ("create", "update", "delete"), whatever case Procore answers in
    event_type: str
