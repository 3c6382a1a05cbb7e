"""What the flows need from the outside world, built once in `bot/` and handed down."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from erp.base import ErpAdapter
from flows.accounts import ProcoreAccounts
from flows.inflight import InFlight
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


class Messenger(Protocol):
    def outcome_message(self, outcome: Outcome, attempt: UnlinkAttempt) -> dict[str, Any]:
        """The final thread reply for `outcome`, as a chat.postMessage payload (pure)."""
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


@dataclass
class Services:
    db: Database
    procore: ProcoreClient
    erp: ErpAdapter
    keys: PermissionKeys
    directory: Directory
    messenger: Messenger
    company_id: int
    lease: timedelta = field(default=timedelta(seconds=45))
    #: pending requests expire after this long; the four-eyes rule bars self-approval
    request_ttl: timedelta = field(default=timedelta(hours=72))
    four_eyes: bool = False
    #: where Slack users reach this app (for download links); None disables them
    public_url: str | None = None
    #: the key that signs download links (derived from the Slack signing secret)
    link_key: bytes = b""
    #: Procore account linking (None when not configured) and whether it is required
    accounts: ProcoreAccounts | None = None
    require_linked: bool = False
    #: acknowledged work still running (drained on shutdown)
    inflight: InFlight = field(default_factory=InFlight)
    #: how long a replica holds an outbox message it is posting before another may retry it
    outbox_claim: timedelta = field(default=timedelta(seconds=30))
