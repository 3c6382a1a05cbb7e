"""The state behind the Procore stand-in: plain Python, usable from tests and the playground.

`sandbox.procore.app` serves this state over HTTP in Procore's wire format; this module knows
nothing about HTTP. Every mutation a test or the playground needs is a method here.
"""

from __future__ import annotations

import itertools
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sandbox.procore.grants import IssuedToken, UserGrants

#: Procore's documented access-token lifetime (90 minutes)
DEFAULT_TOKEN_LIFETIME = 5400
#: the webhook resource of change order packages (its project-level resource list)
PACKAGES_RESOURCE = "Change Order Packages"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid(ts: float) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32 (26 characters)."""
    value = (int(ts * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Company:
    id: int
    name: str


@dataclass
class Project:
    id: int
    company_id: int
    name: str
    is_erp_integrated: bool = False
    origin_id: str | None = None


@dataclass
class PermissionTemplate:
    id: int
    company_id: int
    name: str
    #: "project" (a project permission template) or "company_tools"
    type: str
    user_access_levels: dict[str, int] = field(default_factory=dict)


@dataclass
class CompanyUser:
    id: int
    company_id: int
    name: str
    email_address: str
    is_active: bool = True
    erp_integrated_accountant: bool = False
    company_permission_template_id: int | None = None
    job_title: str | None = None


#: contract types: the two commitment types, and the prime contract (whose change orders are
#: change order packages too, but not commitment change orders)
COMMITMENT_TYPES = ("WorkOrderContract", "PurchaseOrderContract")
PRIME_CONTRACT = "PrimeContract"


@dataclass
class Commitment:
    """A work order (subcontract) or purchase order contract - or, with `type` "PrimeContract",
    the project's prime contract (served by no commitment endpoint)."""

    id: int
    project_id: int
    number: str
    title: str
    vendor: dict[str, Any]
    origin_id: str | None = None
    type: str = "WorkOrderContract"
    status: str = "Approved"


@dataclass
class PackageLineItem:
    id: int
    description: str
    amount: str
    origin_id: str | None = None


@dataclass
class ChangeOrderPackage:
    """A commitment change order as its change order package (where `origin_id` lives)."""

    id: int
    project_id: int
    contract_id: int
    number: str
    title: str
    status: str = "approved"
    grand_total: str = "0.00"
    origin_id: str | None = None
    origin_code: str | None = None
    origin_data: str | None = None
    #: `currency_configuration.currency_iso_code` (ISO 4217); None: the answer names none
    currency: str | None = "USD"
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    line_items: list[PackageLineItem] = field(default_factory=list)


@dataclass
class OAuthClient:
    client_id: str
    secret: str
    #: companies where the app is installed; None = every company in the world
    company_ids: set[int] | None = None
    refused: bool = False
    #: redirect URIs registered for the authorization-code grant; empty = any
    redirect_uris: set[str] = field(default_factory=set)
    #: the Directory user Procore created for the app's Developer Managed Service Account at
    #: install; a client-credentials token acts as it (see `sandbox.procore.assumptions`)
    service_account_id: int | None = None


@dataclass
class SyncUpdate:
    """One External Data sync update the stand-in applied."""

    company_id: int
    item_type: str
    item_id: int
    origin_id: str | None
    at: float


@dataclass
class RateLimit:
    """The limit reported in `X-Rate-Limit-*`; only answered with 429 when `enforce` is set."""

    limit: int = 3600
    window: float = 3600.0
    enforce: bool = False


@dataclass
class RateState:
    limit: int
    remaining: int
    reset: int
    allowed: bool


@dataclass
class _Window:
    reset_at: int
    used: int = 0


@dataclass
class WebhookHook:
    """A Webhooks Hook: one project's (or company's) notification endpoint, in a namespace."""

    id: int
    namespace: str
    api_version: str
    destination_url: str
    destination_headers: dict[str, str]
    project_id: int | None = None
    company_id: int | None = None
    owned_by_user_id: int | None = None


@dataclass
class WebhookTrigger:
    id: int
    hook_id: int
    resource_name: str
    #: lower-case: create | update | delete
    event_type: str
    project_id: int | None = None
    company_id: int | None = None
    user_id: int | None = None


@dataclass
class WebhookEvent:
    """Something that happened to a resource, as one hook is told about it."""

    id: int
    ulid: str
    at: float
    hook_id: int
    event_type: str
    resource_name: str
    resource_id: int
    company_id: int
    project_id: int | None
    user_id: int | None
    application_id: str | None = None


@dataclass
class WebhookDelivery:
    """One attempt to POST an event to its hook's destination."""

    id: int
    hook_id: int
    event: WebhookEvent
    started_at: float
    completed_at: float | None = None
    response_status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    response_error: str | None = None
    #: ok | retried | discarded
    outcome: str = "ok"


@dataclass
class WebhookSettings:
    """How the stand-in delivers (Procore: 5 s timeout, backoff from 1 s to 1 h, discarded after
    12 h), compressible for tests, and its two delivery faults."""

    timeout_seconds: float = 5.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 3600.0
    discard_after_seconds: float = 12 * 3600.0
    #: deliveries to one hook in flight at once
    concurrency: int = 4
    #: send every event twice
    duplicate_deliveries: bool = False
    #: hold events this long, then send the batch in reverse order
    reorder_deliveries: bool = False
    reorder_hold_seconds: float = 0.2


class DeliverySink(Protocol):
    """What sends the world's webhook events (`sandbox.procore.webhooks.DeliverySender`)."""

    def enqueue(self, event: WebhookEvent) -> None: ...

    async def idle(self) -> None: ...


class ProcoreWorld:
    """Companies, projects, users, permission templates, commitments, packages, OAuth clients."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.token_lifetime: int = DEFAULT_TOKEN_LIFETIME
        self.rate_limit = RateLimit()
        self.companies: dict[int, Company] = {}
        self.projects: dict[int, Project] = {}
        self.templates: dict[int, PermissionTemplate] = {}
        self.users: dict[int, CompanyUser] = {}
        #: (project id, user id) -> project permission template id
        self.memberships: dict[tuple[int, int], int] = {}
        self.commitments: dict[int, Commitment] = {}
        self.packages: dict[int, ChangeOrderPackage] = {}
        self.clients: dict[str, OAuthClient] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.grants = UserGrants(self.tokens, lambda: self.clock(), lambda: self.token_lifetime)
        #: (user id, project id or None for the company, tool) -> level shown in the user's
        #: permission manifest, overriding what the templates say
        self.manifest_levels: dict[tuple[int, int | None, str], int] = {}
        #: template tool key -> the tool `name` the manifest uses (default: the same key)
        self.manifest_names: dict[str, str] = {}
        #: the change order (package) updates the External Data sync applied, in order
        self.sync_updates: list[SyncUpdate] = []
        #: the line item updates it applied, in order
        self.line_item_updates: list[SyncUpdate] = []
        #: the External Data sync answers as if applied but changes nothing (see
        #: `sandbox.procore.assumptions`): a write Procore silently ignores
        self.sync_ignored = False
        self._ids = itertools.count(100_001)
        self._windows: dict[str, _Window] = {}
        self.hooks: dict[int, WebhookHook] = {}
        self.triggers: dict[int, WebhookTrigger] = {}
        self.webhook_events: list[WebhookEvent] = []
        self.deliveries: list[WebhookDelivery] = []
        self.webhook_settings = WebhookSettings()
        #: who sends the events (the running stand-in's sender); none: events are only recorded
        self.delivery_sinks: list[DeliverySink] = []
        self._event_ids = itertools.count(7_000_001)

    def _id(self, wanted: int | None) -> int:
        return wanted if wanted is not None else next(self._ids)

    # -- seeding -------------------------------------------------------------------------------

    def add_company(self, name: str, *, id: int | None = None) -> Company:
        company = Company(self._id(id), name)
        self.companies[company.id] = company
        return company

    def add_project(
        self,
        company_id: int,
        name: str,
        *,
        is_erp_integrated: bool = False,
        origin_id: str | None = None,
        id: int | None = None,
    ) -> Project:
        project = Project(self._id(id), company_id, name, is_erp_integrated, origin_id)
        self.projects[project.id] = project
        return project

    def add_template(
        self,
        company_id: int,
        name: str,
        *,
        type: str = "project",
        levels: dict[str, int] | None = None,
        id: int | None = None,
    ) -> PermissionTemplate:
        if type not in ("project", "company_tools"):
            raise ValueError(f"template type must be 'project' or 'company_tools', not {type!r}")
        template = PermissionTemplate(self._id(id), company_id, name, type, dict(levels or {}))
        self.templates[template.id] = template
        return template

    def add_user(
        self,
        company_id: int,
        name: str,
        email: str,
        *,
        is_active: bool = True,
        can_push: bool = False,
        company_template_id: int | None = None,
        job_title: str | None = None,
        id: int | None = None,
    ) -> CompanyUser:
        user = CompanyUser(
            self._id(id),
            company_id,
            name,
            email,
            is_active,
            can_push,
            company_template_id,
            job_title,
        )
        self.users[user.id] = user
        return user

    def add_membership(self, project_id: int, user_id: int, template_id: int) -> None:
        self.memberships[(project_id, user_id)] = template_id

    def remove_membership(self, project_id: int, user_id: int) -> None:
        """Take the user out of the project's Directory (they stay a company user)."""
        self.memberships.pop((project_id, user_id), None)

    def add_commitment(
        self,
        project_id: int,
        number: str,
        title: str,
        *,
        vendor_name: str = "Vendor",
        vendor_id: int | None = None,
        origin_id: str | None = None,
        type: str = "WorkOrderContract",
        id: int | None = None,
    ) -> Commitment:
        vendor = {"id": self._id(vendor_id), "name": vendor_name}
        commitment = Commitment(self._id(id), project_id, number, title, vendor, origin_id, type)
        self.commitments[commitment.id] = commitment
        return commitment

    def add_prime_contract(
        self, project_id: int, number: str, title: str, *, id: int | None = None
    ) -> Commitment:
        """The project's prime contract; packages added under it are prime contract change
        orders (`type` "PrimeContractChangeOrder"), which the app must never list."""
        contract = Commitment(self._id(id), project_id, number, title, {}, None, PRIME_CONTRACT)
        self.commitments[contract.id] = contract
        return contract

    def add_package(
        self,
        project_id: int,
        contract_id: int,
        number: str,
        title: str,
        *,
        status: str = "approved",
        grand_total: str = "0.00",
        origin_id: str | None = None,
        origin_code: str | None = None,
        origin_data: str | None = None,
        deleted: bool = False,
        id: int | None = None,
        currency: str | None = "USD",
        by_user_id: int | None = None,
    ) -> ChangeOrderPackage:
        """A new package; hooks with a create trigger on its project are told (unless it is
        seeded already deleted)."""
        now = _iso(self.clock())
        package = ChangeOrderPackage(
            id=self._id(id),
            project_id=project_id,
            contract_id=contract_id,
            number=number,
            title=title,
            status=status,
            grand_total=grand_total,
            origin_id=origin_id,
            origin_code=origin_code,
            origin_data=origin_data,
            currency=currency,
            created_at=now,
            updated_at=now,
            deleted_at=now if deleted else None,
        )
        self.packages[package.id] = package
        if not deleted:
            self.announce(package, "create", by_user_id)
        return package

    def add_line_item(
        self, package_id: int, description: str, amount: str, *, origin_id: str | None = None
    ) -> PackageLineItem:
        item = PackageLineItem(next(self._ids), description, amount, origin_id)
        self.packages[package_id].line_items.append(item)
        return item

    def add_client(
        self,
        client_id: str,
        secret: str,
        *,
        company_ids: set[int] | None = None,
        redirect_uris: set[str] | None = None,
    ) -> OAuthClient:
        client = OAuthClient(client_id, secret, company_ids, redirect_uris=set(redirect_uris or ()))
        self.clients[client_id] = client
        return client

    # -- mutations -----------------------------------------------------------------------------

    def set_level(self, template_id: int, tool: str, level: int) -> None:
        self.templates[template_id].user_access_levels[tool] = level

    def set_manifest_level(
        self, user_id: int, project_id: int | None, tool: str, level: int
    ) -> None:
        """What the user's own permission manifest says, whatever the templates say."""
        self.manifest_levels[(user_id, project_id, tool)] = level

    def set_can_push(self, user_id: int, enabled: bool) -> None:
        self.users[user_id].erp_integrated_accountant = enabled

    def set_origin(
        self,
        package_id: int,
        origin_id: str | None,
        *,
        by_user_id: int | None = None,
        application_id: str | None = None,
    ) -> None:
        """Set or clear the package's ERP key: an update its hooks are told about."""
        package = self.packages[package_id]
        package.origin_id = origin_id
        if origin_id is None:
            package.origin_data = None
        package.updated_at = _iso(self.clock())
        self.announce(package, "update", by_user_id, application_id)

    def clear_origin(self, package_id: int) -> None:
        self.set_origin(package_id, None)

    def _project_package(self, project_id: int, package_id: int) -> ChangeOrderPackage:
        package = self.packages[package_id]
        if package.project_id != project_id:
            raise KeyError(f"package {package_id} is not in project {project_id}")
        return package

    def sync_package(
        self,
        project_id: int,
        package_id: int,
        origin_id: str | None = None,
        *,
        by_user_id: int | None = None,
    ) -> ChangeOrderPackage:
        """The ERP integration syncs the package (and its lines): it gets an ERP key."""
        package = self._project_package(project_id, package_id)
        key = origin_id or f"CO-{package.id}"
        for line in package.line_items:
            line.origin_id = line.origin_id or f"{key}-{line.id}"
        self.set_origin(package.id, key, by_user_id=by_user_id)
        return package

    def unsync_package(
        self, project_id: int, package_id: int, *, by_user_id: int | None = None
    ) -> ChangeOrderPackage:
        """The package and its lines lose their ERP keys (an unlink done in Procore)."""
        package = self._project_package(project_id, package_id)
        for line in package.line_items:
            line.origin_id = None
        self.set_origin(package.id, None, by_user_id=by_user_id)
        return package

    def delete_package(
        self, project_id: int, package_id: int, *, by_user_id: int | None = None
    ) -> ChangeOrderPackage:
        """Delete the package (Procore keeps it, with `deleted_at`, for `include_deleted`)."""
        package = self._project_package(project_id, package_id)
        now = _iso(self.clock())
        package.deleted_at = package.deleted_at or now
        package.updated_at = now
        self.announce(package, "delete", by_user_id)
        return package

    def expire_all_tokens(self) -> None:
        past = self.clock() - 1
        for token in self.tokens.values():
            token.expires_at = past

    def refuse_client(self, client_id: str) -> None:
        """From now on the client's credentials are refused and its tokens stop working."""
        self.clients[client_id].refused = True
        for access_token in [t for t, v in self.tokens.items() if v.client_id == client_id]:
            del self.tokens[access_token]

    def apply_external_data(
        self,
        company_id: int,
        item_type: str,
        item_id: int,
        origin_id: str | None,
        *,
        by_user_id: int | None = None,
        application_id: str | None = None,
    ) -> str | None:
        """Set or clear the origin id of a package (`change_order`) or of a package's line item
        (`line_item`) as the External Data sync does; record it. Returns the origin id now
        shown - unchanged when `sync_ignored` is on."""
        if self.sync_ignored:
            return origin_id
        applied = SyncUpdate(company_id, item_type, item_id, origin_id, self.clock())
        if item_type == "line_item":
            package, line = self.line_item(item_id) or (None, None)
            assert package is not None and line is not None
            line.origin_id = origin_id
            package.updated_at = _iso(self.clock())
            self.line_item_updates.append(applied)
        else:
            self.set_origin(
                item_id, origin_id, by_user_id=by_user_id, application_id=application_id
            )
            self.sync_updates.append(applied)
        return origin_id

    def line_item(self, item_id: int) -> tuple[ChangeOrderPackage, PackageLineItem] | None:
        """The package line item `item_id` and its package, if any."""
        for package in self.packages.values():
            for line in package.line_items:
                if line.id == item_id:
                    return package, line
        return None

    def package_type(self, package: ChangeOrderPackage) -> str:
        """The package show's `type`: a prime contract's change order or a commitment's."""
        contract = self.commitments.get(package.contract_id)
        if contract is not None and contract.type == PRIME_CONTRACT:
            return "PrimeContractChangeOrder"
        return "CommitmentContractChangeOrder"

    # -- webhooks --------------------------------------------------------------------------------

    def add_hook(self, hook: WebhookHook) -> WebhookHook:
        hook.id = self._id(hook.id or None)
        self.hooks[hook.id] = hook
        return hook

    def delete_hook(self, hook_id: int) -> None:
        """The hook and its triggers go; events already queued for it are still sent."""
        self.hooks.pop(hook_id, None)
        for trigger_id in [t.id for t in self.triggers.values() if t.hook_id == hook_id]:
            del self.triggers[trigger_id]

    def add_trigger(self, trigger: WebhookTrigger) -> WebhookTrigger:
        trigger.id = self._id(trigger.id or None)
        self.triggers[trigger.id] = trigger
        return trigger

    def hooks_watching(self, project_id: int, resource: str, event_type: str) -> list[WebhookHook]:
        """The hooks of the project (or of its company) with a trigger for this event."""
        project = self.projects.get(project_id)
        company_id = project.company_id if project else None
        watching = {
            t.hook_id
            for t in self.triggers.values()
            if t.resource_name == resource and t.event_type == event_type
        }
        return [
            h
            for h in self.hooks.values()
            if h.id in watching
            and (
                h.project_id == project_id or (h.project_id is None and h.company_id == company_id)
            )
        ]

    def announce(
        self,
        package: ChangeOrderPackage,
        event_type: str,
        user_id: int | None = None,
        application_id: str | None = None,
    ) -> list[WebhookEvent]:
        """Tell every hook watching the package's project that it was created/updated/deleted."""
        project = self.projects.get(package.project_id)
        events = [
            WebhookEvent(
                id=next(self._event_ids),
                ulid=new_ulid(self.clock()),
                at=self.clock(),
                hook_id=hook.id,
                event_type=event_type,
                resource_name=PACKAGES_RESOURCE,
                resource_id=package.id,
                company_id=project.company_id if project else 0,
                project_id=package.project_id,
                user_id=user_id,
                application_id=application_id,
            )
            for hook in self.hooks_watching(package.project_id, PACKAGES_RESOURCE, event_type)
        ]
        for event in events:
            self.webhook_events.append(event)
            for sink in self.delivery_sinks:
                sink.enqueue(event)
        return events

    async def deliveries_idle(self) -> None:
        """Wait until no event is queued, held, in flight or waiting for a retry: each one so
        far was delivered or discarded (tests compress the backoff: `webhook_settings`)."""
        for sink in list(self.delivery_sinks):
            await sink.idle()

    # -- OAuth ---------------------------------------------------------------------------------

    def authenticate_client(self, client_id: str, secret: str) -> OAuthClient | None:
        client = self.clients.get(client_id)
        if client is None or client.refused or not secrets.compare_digest(client.secret, secret):
            return None
        return client

    def issue_token(self, client_id: str, secret: str) -> IssuedToken | None:
        if self.authenticate_client(client_id, secret) is None:
            return None
        now = self.clock()
        token = IssuedToken(secrets.token_urlsafe(24), client_id, now, now + self.token_lifetime)
        self.tokens[token.access_token] = token
        return token

    def live_token(self, access_token: str) -> IssuedToken | None:
        token = self.tokens.get(access_token)
        if token is None or token.expires_at <= self.clock():
            return None
        return token

    def authorize(self, client_id: str, redirect_uri: str, user_id: int) -> str:
        """The code the login page hands out when `user_id` approves `client_id` (single-use)."""
        return self.grants.authorize(client_id, redirect_uri, user_id)

    def service_account(self, client_id: str) -> CompanyUser | None:
        """The Directory user a client-credentials token of `client_id` acts as, if any."""
        client = self.clients.get(client_id)
        if client is None or client.service_account_id is None:
            return None
        return self.users.get(client.service_account_id)

    def client_may_access(self, client_id: str, company_id: int) -> bool:
        client = self.clients.get(client_id)
        if client is None or company_id not in self.companies:
            return False
        return client.company_ids is None or company_id in client.company_ids

    # -- rate limit ----------------------------------------------------------------------------

    def take_request(self, bucket: str) -> RateState:
        """Count one request against `bucket` and report the limit as Procore's headers do."""
        now = self.clock()
        window = self._windows.get(bucket)
        if window is None or now >= window.reset_at:
            window = _Window(reset_at=math.ceil(now + self.rate_limit.window))
            self._windows[bucket] = window
        limit = self.rate_limit.limit
        allowed = not self.rate_limit.enforce or window.used < limit
        if allowed:
            window.used += 1
        return RateState(limit, max(0, limit - window.used), window.reset_at, allowed)

    # -- lookups -------------------------------------------------------------------------------

    def project_template(self, project_id: int, user_id: int) -> PermissionTemplate | None:
        template_id = self.memberships.get((project_id, user_id))
        return None if template_id is None else self.templates.get(template_id)

    def project_members(self, project_id: int) -> list[CompanyUser]:
        return [self.users[uid] for (pid, uid) in self.memberships if pid == project_id]

    def manifest(self, user_id: int, project_id: int | None) -> dict[str, int]:
        """Tool key -> level in the user's project (or company) permission manifest: the user's
        template, then any `set_manifest_level` override (`manifest_names` renames on the wire)."""
        user = self.users[user_id]
        if project_id is None:
            template = self.templates.get(user.company_permission_template_id or 0)
        else:
            template = self.project_template(project_id, user_id)
        levels = dict(template.user_access_levels) if template is not None else {}
        for (uid, pid, tool), level in self.manifest_levels.items():
            if uid == user_id and pid == project_id:
                levels[tool] = level
        return levels

    def state(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (what a test or the playground shows)."""
        return {
            "companies": [asdict(c) for c in self.companies.values()],
            "projects": [asdict(p) for p in self.projects.values()],
            "templates": [asdict(t) for t in self.templates.values()],
            "users": [asdict(u) for u in self.users.values()],
            "memberships": [
                {"project_id": p, "user_id": u, "template_id": t}
                for (p, u), t in self.memberships.items()
            ],
            "commitments": [asdict(c) for c in self.commitments.values()],
            "change_order_packages": [asdict(p) for p in self.packages.values()],
            "clients": [
                {
                    "client_id": c.client_id,
                    "company_ids": sorted(c.company_ids or []),
                    "all_companies": c.company_ids is None,
                    "refused": c.refused,
                }
                for c in self.clients.values()
            ],
            "live_tokens": sum(1 for t in self.tokens if self.live_token(t)),
            "user_grants": self.grants.state(),
            "manifest_levels": [
                {"user_id": u, "project_id": p, "tool": t, "level": v}
                for (u, p, t), v in self.manifest_levels.items()
            ],
            "token_lifetime": self.token_lifetime,
            "rate_limit": asdict(self.rate_limit),
            "sync_updates": [asdict(s) for s in self.sync_updates],
            "line_item_updates": [asdict(s) for s in self.line_item_updates],
            "sync_ignored": self.sync_ignored,
            "hooks": [asdict(h) | {"destination_headers": {}} for h in self.hooks.values()],
            "triggers": [asdict(t) for t in self.triggers.values()],
            "webhook_events": len(self.webhook_events),
            "deliveries": {
                outcome: sum(1 for d in self.deliveries if d.outcome == outcome)
                for outcome in ("ok", "retried", "discarded")
            },
        }
