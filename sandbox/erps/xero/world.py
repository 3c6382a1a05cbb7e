"""What the Xero stand-in knows: custom connections, tokens, purchase orders, and call usage.

Purchase orders render in the Accounting API's JSON shape (OpenAPI `PurchaseOrder`, v16): GUID
ids, `PurchaseOrderNumber`, `Status` (DRAFT, SUBMITTED, AUTHORISED, BILLED, DELETED), `LineItems`
with `LineItemID`, and dates in Xero's `/Date(<ms>+0000)/` form next to their `DateString`.
Deleting a PO in Xero sets its Status to DELETED; it stays readable by id.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.erps.xero.wire import TOKEN_SECONDS, ms_date

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED")


def _guid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Connection:
    """A custom connection: one app (client id/secret) tied to one organisation (tenant)."""

    client_id: str
    client_secret: str
    tenant_id: str
    tenant_name: str = "Demo Company (US)"


@dataclass
class LineItem:
    description: str
    unit_amount: float
    quantity: float = 1.0
    account_code: str = "630"
    line_item_id: str = field(default_factory=_guid)

    def to_json(self) -> dict[str, Any]:
        amount = round(self.unit_amount * self.quantity, 2)
        return {
            "Description": self.description,
            "UnitAmount": self.unit_amount,
            "TaxType": "NONE",
            "TaxAmount": 0.0,
            "LineAmount": amount,
            "AccountCode": self.account_code,
            "Tracking": [],
            "Quantity": self.quantity,
            "LineItemID": self.line_item_id,
        }


@dataclass
class PurchaseOrder:
    tenant_id: str
    number: str
    contact_name: str
    status: str = "AUTHORISED"
    lines: list[LineItem] = field(default_factory=list)
    purchase_order_id: str = field(default_factory=_guid)
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    def touch(self) -> None:
        self.updated = datetime.now(UTC)

    def to_json(self) -> dict[str, Any]:
        subtotal = round(sum(line.unit_amount * line.quantity for line in self.lines), 2)
        day = self.date.replace(hour=0, minute=0, second=0, microsecond=0)
        return {
            "PurchaseOrderID": self.purchase_order_id,
            "PurchaseOrderNumber": self.number,
            "DateString": day.strftime("%Y-%m-%dT%H:%M:%S"),
            "Date": ms_date(day),
            "HasErrors": False,
            "IsDiscounted": False,
            "SentToContact": False,
            "Reference": "",
            "Type": "PURCHASEORDER",
            "CurrencyRate": 1.0,
            "CurrencyCode": "USD",
            "Contact": {
                "ContactID": str(uuid.uuid5(uuid.NAMESPACE_URL, self.contact_name)),
                "ContactStatus": "ACTIVE",
                "Name": self.contact_name,
                "IsSupplier": True,
                "IsCustomer": False,
            },
            "Status": self.status,
            "LineAmountTypes": "Exclusive",
            "LineItems": [line.to_json() for line in self.lines],
            "SubTotal": subtotal,
            "TotalTax": 0.0,
            "Total": subtotal,
            "UpdatedDateUTC": ms_date(self.updated),
            "HasAttachments": False,
        }


@dataclass
class Limits:
    """Xero's published limits per tenant and per app (https://developer.xero.com/faq/limits)."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10_000
    window: float = 60.0
    day_window: float = 86_400.0


class Usage:
    """Accepted calls per tenant in rolling windows, calls in flight, and the 429s given."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.minute: dict[str, deque[float]] = {}
        self.day: dict[str, deque[float]] = {}
        self.app_minute: deque[float] = deque()
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.rate_limited: list[dict[str, Any]] = []

    def enter(self, tenant: str) -> bool:
        """A call arrives: False (and not counted) when `concurrent` are already in flight."""
        if self.in_flight.get(tenant, 0) >= self.limits.concurrent:
            return False
        self.in_flight[tenant] = self.in_flight.get(tenant, 0) + 1
        self.max_in_flight[tenant] = max(self.max_in_flight.get(tenant, 0), self.in_flight[tenant])
        return True

    def leave(self, tenant: str) -> None:
        self.in_flight[tenant] -= 1

    def over_limit(self, tenant: str) -> tuple[str, int] | None:
        """(X-Rate-Limit-Problem, Retry-After seconds) if a call now would break a limit."""
        now = time.monotonic()
        checks = (
            ("minute", self._window(self.minute, tenant, self.limits.window, now),
             self.limits.per_minute, self.limits.window),
            ("day", self._window(self.day, tenant, self.limits.day_window, now),
             self.limits.per_day, self.limits.day_window),
            ("appminute", self._trim(self.app_minute, self.limits.window, now),
             self.limits.app_per_minute, self.limits.window),
        )  # fmt: skip
        for problem, calls, limit, window in checks:
            if len(calls) >= limit:
                return problem, max(1, int(calls[0] + window - now + 0.999))
        return None

    def count(self, tenant: str) -> None:
        now = time.monotonic()
        self.minute.setdefault(tenant, deque()).append(now)
        self.day.setdefault(tenant, deque()).append(now)
        self.app_minute.append(now)

    def remaining(self, tenant: str) -> dict[str, str]:
        now = time.monotonic()
        minute = self._window(self.minute, tenant, self.limits.window, now)
        day = self._window(self.day, tenant, self.limits.day_window, now)
        app = self._trim(self.app_minute, self.limits.window, now)
        return {
            "X-DayLimit-Remaining": str(max(0, self.limits.per_day - len(day))),
            "X-MinLimit-Remaining": str(max(0, self.limits.per_minute - len(minute))),
            "X-AppMinLimit-Remaining": str(max(0, self.limits.app_per_minute - len(app))),
        }

    def refuse(self, tenant: str, problem: str) -> None:
        self.rate_limited.append({"tenant": tenant, "problem": problem, "at": time.time()})

    def _window(
        self, table: dict[str, deque[float]], tenant: str, window: float, now: float
    ) -> deque[float]:
        return self._trim(table.setdefault(tenant, deque()), window, now)

    @staticmethod
    def _trim(calls: deque[float], window: float, now: float) -> deque[float]:
        while calls and calls[0] <= now - window:
            calls.popleft()
        return calls


@dataclass
class XeroState:
    connections: list[Connection] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: the "Project" tracking category's options: TrackingOptionID -> (tenant id, name)
    project_options: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the tenant id names an organisation that holds nothing (a wrong ERP_TENANT's twin)
    empty_company: bool = False
    usage: Usage = field(init=False)

    def __post_init__(self) -> None:
        self.usage = Usage(self.limits)

    # --- connections and tokens
    def add_connection(self, connection: Connection) -> None:
        self.connections.append(connection)

    def revoke_connections(self) -> None:
        """As a Xero admin disconnecting the app: secrets and issued tokens stop working."""
        self.connections.clear()
        self.tokens.clear()

    def issue_token(self, client_id: str, client_secret: str) -> str | None:
        for connection in self.connections:
            if (connection.client_id, connection.client_secret) == (client_id, client_secret):
                token = secrets.token_urlsafe(32)
                self.tokens[token] = (connection.tenant_id, time.monotonic() + TOKEN_SECONDS)
                return token
        return None

    def expire_tokens(self) -> None:
        self.tokens = {token: (tenant, 0.0) for token, (tenant, _) in self.tokens.items()}

    def tenant_of(self, token: str) -> tuple[str | None, bool]:
        """(tenant id, expired) for a bearer token; (None, False) when unknown."""
        tenant, expires = self.tokens.get(token, (None, 0.0))
        return tenant, tenant is not None and expires <= time.monotonic()

    def default_tenant(self) -> str:
        return self.connections[0].tenant_id if self.connections else _guid()

    # --- purchase orders, as a Xero user (or Procore's export) changes them
    def add_purchase_order(
        self,
        lines: list[tuple[str, float]],
        *,
        contact_name: str = "Drywall Co",
        status: str = "AUTHORISED",
        number: str | None = None,
        tenant_id: str | None = None,
    ) -> PurchaseOrder:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        order = PurchaseOrder(
            tenant_id=tenant_id or self.default_tenant(),
            number=number or f"PO-{len(self.purchase_orders) + 1:04d}",
            contact_name=contact_name,
            status=status,
            lines=[LineItem(description, amount) for description, amount in lines],
        )
        self.purchase_orders.append(order)
        return order

    def add_project(self, name: str, *, tenant_id: str | None = None) -> str:
        """A project as an option of the "Project" tracking category; its TrackingOptionID."""
        option_id = _guid()
        self.project_options[option_id] = (tenant_id or self.default_tenant(), name)
        return option_id

    def tracking_options(self, tenant_id: str) -> list[tuple[str, str]]:
        if self.empty_company:
            return []
        return [(oid, name) for oid, (t, name) in self.project_options.items() if t == tenant_id]

    def find(self, tenant_id: str, key: str) -> PurchaseOrder | None:
        """By PurchaseOrderID (any case) or, as Xero also allows, by PurchaseOrderNumber."""
        if self.empty_company:
            return None
        for order in self.purchase_orders:
            if order.tenant_id != tenant_id:
                continue
            if key.casefold() == order.purchase_order_id.casefold() or key == order.number:
                return order
        return None

    def by_id(self, purchase_order_id: str) -> PurchaseOrder | None:
        wanted = purchase_order_id.casefold()
        return next(
            (o for o in self.purchase_orders if o.purchase_order_id.casefold() == wanted), None
        )

    def append_lines(
        self, purchase_order_id: str, lines: list[tuple[str, float]]
    ) -> list[LineItem]:
        order = self._order(purchase_order_id)
        added = [LineItem(description, amount) for description, amount in lines]
        order.lines.extend(added)
        order.touch()
        return added

    def remove_lines(self, purchase_order_id: str, line_item_ids: list[str]) -> int:
        order = self._order(purchase_order_id)
        wanted = {line_id.casefold() for line_id in line_item_ids}
        before = len(order.lines)
        order.lines = [line for line in order.lines if line.line_item_id.casefold() not in wanted]
        order.touch()
        return before - len(order.lines)

    def delete_purchase_order(self, purchase_order_id: str, *, purge: bool = False) -> None:
        """Xero's delete (Status DELETED); `purge` removes it outright, so reads answer 404."""
        order = self._order(purchase_order_id)
        if purge:
            self.purchase_orders.remove(order)
        else:
            order.status = "DELETED"
            order.touch()

    def _order(self, purchase_order_id: str) -> PurchaseOrder:
        order = self.by_id(purchase_order_id)
        if order is None:
            raise KeyError(purchase_order_id)
        return order

    def as_dict(self) -> dict[str, Any]:
        return {
            "connections": [
                {"client_id": c.client_id, "tenant_id": c.tenant_id} for c in self.connections
            ],
            "purchase_orders": [
                {"tenant_id": o.tenant_id, **o.to_json()} for o in self.purchase_orders
            ],
            "max_in_flight": dict(self.usage.max_in_flight),
            "rate_limited": list(self.usage.rate_limited),
            "project_options": {k: list(v) for k, v in self.project_options.items()},
            "empty_company": self.empty_company,
        }
