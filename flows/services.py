"""What the flows need from the outside world, built once in `bot/` and handed down."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from erp.base import ErpAdapter
from flows.accounts import ProcoreAccounts
from flows.alert_views import Alert
from flows.outcomes import Outcome
from procore.client import ProcoreClient
from procore.permissions import PermissionKeys
from storage.db import Database
from storage.models import OutboxMessage, UnlinkAttempt

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short id users can read out or paste: in every red message, the audit and the log."""
    return "R-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


class DirectoryUnavailable(Exception):
    """Slack's directory (users.info) could not be read."""


class Directory(Protocol):
    async def email_of(self, user_id: str) -> str | None:
        """The user's email from their Slack profile, or None when the profile has none."""
        ...

    async def locale_of(self, team_id: str, user_id: str) -> str | None:
        """The user's Slack locale (remembered a short while); None when Slack can't say."""
        ...

    async def tz_of(self, user_id: str) -> str | None:
        """The user's IANA time zone from Slack (`users.info` `tz`); None when Slack can't say."""
        ...


class Messenger(Protocol):
    def outcome_message(self, outcome: Outcome, attempt: UnlinkAttempt) -> dict[str, Any]:
        """The final thread reply for `outcome`, as a chat.postMessage payload (pure)."""
        ...

    def alert_message(self, alert: Alert, locale: str) -> dict[str, Any]:
        """An alert about CCO changes, in `locale`, as a chat.postMessage payload (pure)."""
        ...

    async def deliver(self, message: OutboxMessage) -> None:
        """Post one outbox message; raise on failure so it stays queued."""
        ...

    async def refresh_card(self, channel_id: str, message_ts: str) -> None:
        """Re-render a card so its rows show the latest attempt states (best effort)."""
        ...

    async def refresh_request(self, request_id: int) -> None:
        """Re-render a request message (buttons go when it is closed) (best effort)."""
        ...


@dataclass(frozen=True)
class Policy:
    """The rules the flows follow: which Procore company they serve and how long things may
    take. Set at start-up from the settings (single-company mode), or per tenant from its
    set-up (`flows/tenants.py`)."""

    company_id: int
    #: the tenant served (`storage/tenants.py` key); None in single-company mode, where the
    #: background work takes every row, as before tenants existed
    tenant: str | None = None
    #: how long an attempt is held before another replica may take it over
    lease: timedelta = timedelta(seconds=45)
    #: pending requests expire after this long
    request_ttl: timedelta = timedelta(hours=72)
    #: the four-eyes rule bars deciding on one's own request
    four_eyes: bool = False
    #: an unlink needs the clicker's own linked Procore account
    require_linked: bool = False
    #: how long a replica holds an outbox message it is posting before another may retry it
    outbox_claim: timedelta = timedelta(seconds=30)
    #: the language of people (and channels) whose Slack locale the app doesn't speak
    default_locale: str = "en-US"
    #: the currency of a CCO's amount when Procore names none (ISO 4217, the CURRENCY setting)
    currency: str = "USD"


def tenant_company(policy: Policy) -> int | None:
    """The company the background work is limited to: the tenant's with many tenants, None
    (every row) in single-company mode."""
    return policy.company_id if policy.tenant is not None else None


@dataclass(frozen=True)
class PublicLinks:
    """Where Slack users reach this app over the web (PUBLIC_URL) and the key that signs the
    links it hands out. A web concern, not a rule: the flows only mint a download link with
    it, and `bot/web.py` checks the link it signed. `url` None disables the links."""

    url: str | None = None
    #: derived from the Slack signing secret (never the secret itself)
    key: bytes = b""


@dataclass(frozen=True)
class WebhookConfig:
    """Where Procore delivers the events of the app's project Hooks (`flows/hooks.py`), under
    which namespace, and the secret it sends in `Authorization` (never logged)."""

    #: f"{PUBLIC_URL}/procore/webhooks"
    url: str
    #: the app's Webhooks namespace (PROCORE_WEBHOOK_NAMESPACE: lowercase a-z and dashes)
    namespace: str
    authorization: str = field(repr=False)


@dataclass(frozen=True)
class Services:
    """The clients the flows call, plus their `policy` and the app's `links`. Runtime state
    (the acknowledged work still running) is the web layer's: `bot.runtime.Runtime.inflight`."""

    db: Database
    procore: ProcoreClient
    erp: ErpAdapter
    keys: PermissionKeys
    directory: Directory
    messenger: Messenger
    policy: Policy
    links: PublicLinks = field(default_factory=PublicLinks)
    #: Procore account linking (None when not configured)
    accounts: ProcoreAccounts | None = None
    #: Procore webhooks (None when PUBLIC_URL is unset: no hooks, no alerts)
    webhooks: WebhookConfig | None = None
