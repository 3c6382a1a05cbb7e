"""The states a stored row moves through, as `StrEnum`s: each member is the very string stored in
the database (so existing rows read back unchanged), and mypy checks every comparison."""

from __future__ import annotations

from enum import StrEnum


class AttemptState(StrEnum):
    """An unlink attempt: claimed -> unlinking -> unlinked | refused | failed."""

    CLAIMED = "claimed"
    #: recorded right before the Procore write (the lease is extended then)
    UNLINKING = "unlinking"
    UNLINKED = "unlinked"
    #: a check said no (permissions, still in the ERP, not synced, ...)
    REFUSED = "refused"
    #: nothing was learned (a system unreachable, an error inside the app, ...)
    FAILED = "failed"


class RequestStatus(StrEnum):
    """An unlink request: pending -> approved | denied | expired | moot | unposted."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    #: the CCO was no longer synced when an approver acted
    MOOT = "moot"
    #: Slack refused the request message, so nobody could see it
    UNPOSTED = "unposted"


class OutboxKind(StrEnum):
    """What an outbox message is: an attempt's answer in its card's thread, or an alert."""

    THREAD_REPLY = "thread_reply"
    #: a CCO changed in Procore (synced, unlinked there, deleted), told to a linked channel
    ALERT = "alert"


class ChangeKind(StrEnum):
    """What happened to a change order package in Procore, as the index saw it."""

    #: not synced -> synced to the ERP (or a new package that is synced)
    SYNCED = "synced"
    #: synced -> not synced, outside this app
    UNSYNCED = "unsynced"
    DELETED = "deleted"


class AlertMode(StrEnum):
    """Which changes a channel is told about (`/cco alerts`)."""

    #: every change: synced, unlinked in Procore, deleted
    ON = "on"
    OFF = "off"
    #: only newly synced CCOs
    SYNCED = "synced"
    #: only CCOs unsynced or deleted in Procore
    UNLINKED = "unlinked"


class InstallationState(StrEnum):
    """Whether the app is still installed in a workspace."""

    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"
    TOKENS_REVOKED = "tokens_revoked"
