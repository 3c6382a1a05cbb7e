"""What an alert tells a channel, as the Slack layer renders it (`Messenger.alert_message`):
plain data, so the flows decide and the Block Kit builders only word it."""

from __future__ import annotations

from dataclasses import dataclass

from storage.states import AlertMode, ChangeKind

#: more changes than this at once for a channel are told in one summary message
SUMMARY_OVER = 3

#: the changes each mode tells
TOLD: dict[AlertMode, frozenset[ChangeKind]] = {
    AlertMode.ON: frozenset(ChangeKind),
    AlertMode.OFF: frozenset(),
    AlertMode.SYNCED: frozenset({ChangeKind.SYNCED}),
    AlertMode.UNLINKED: frozenset({ChangeKind.UNSYNCED, ChangeKind.DELETED}),
}


@dataclass(frozen=True)
class ChangeView:
    """One CCO's change, as Procore named the CCO then."""

    package_id: int
    number: str
    title: str
    kind: ChangeKind


@dataclass(frozen=True)
class Alert:
    """One message: a single change, a summary of a burst, or a day's digest."""

    changes: tuple[ChangeView, ...]
    #: the local date ("YYYY-MM-DD") of a daily digest; None for alerts as changes happen
    digest_day: str | None = None
    #: the message of a burst that goes on, rewritten to tell every change so far
    grown: bool = False

    @property
    def summary(self) -> bool:
        """Told as counts and numbers per kind, not as one sentence."""
        if self.grown and len(self.changes) > 1:
            return True
        return self.digest_day is not None or len(self.changes) > SUMMARY_OVER
