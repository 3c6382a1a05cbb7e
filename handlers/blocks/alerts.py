"""Alerts about CCO changes in Procore (`flows.alerts`): one change in a sentence, a burst or a
day's digest as one line per kind with the CCOs' numbers. Posted to the whole channel, in the
channel's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.alert_views import Alert, ChangeView
from handlers.blocks.kit import context, escape, section
from handlers.blocks.replies import cco_label
from i18n import N_, Nn_, Words
from storage.states import ChangeKind

#: how many numbers a summary line lists before "and N more"
NUMBERS_SHOWN = 10

_EMOJI = {
    ChangeKind.SYNCED: ":link:",
    ChangeKind.UNSYNCED: ":warning:",
    ChangeKind.DELETED: ":wastebasket:",
}
SUMMARY_EMOJI = ":bell:"

_ONE = {
    ChangeKind.SYNCED: N_("{cco} was synced to {erp}"),
    ChangeKind.UNSYNCED: N_("{cco} was unlinked in Procore"),
    ChangeKind.DELETED: N_("{cco} was deleted"),
}
_MANY = {
    ChangeKind.SYNCED: Nn_(
        "{count} CCO was synced to {erp}: {numbers}", "{count} CCOs were synced to {erp}: {numbers}"
    ),
    ChangeKind.UNSYNCED: Nn_(
        "{count} CCO was unlinked in Procore: {numbers}",
        "{count} CCOs were unlinked in Procore: {numbers}",
    ),
    ChangeKind.DELETED: Nn_(
        "{count} CCO was deleted: {numbers}", "{count} CCOs were deleted: {numbers}"
    ),
}
NUMBER = N_("#{number}")
MORE = Nn_("{numbers} and {count} more", "{numbers} and {count} more")
DIGEST_HEADLINE = N_("*CCO changes* — {day}")
SUMMARY_HEADLINE = N_("*CCO changes in Procore*")
HOW_TO_CHANGE = N_("`/cco alerts` shows or changes what this channel is told.")


def alert_message(t: Words, alert: Alert, erp: str) -> dict[str, Any]:
    """The chat.postMessage payload (text and blocks) of `alert`."""
    if not alert.summary:
        change = alert.changes[0]
        line = t.gettext(_ONE[change.kind], cco=cco_label(t, change.number, change.title), erp=erp)
        return {"text": line, "blocks": [section(f"{_EMOJI[change.kind]} {line}")]}
    lines = [_kind_line(t, kind, changes, erp) for kind, changes in _by_kind(alert.changes)]
    if alert.digest_day is not None:
        headline = t.gettext(DIGEST_HEADLINE, day=t.day(date.fromisoformat(alert.digest_day)))
    else:
        headline = t.gettext(SUMMARY_HEADLINE)
    blocks = [
        section(f"{SUMMARY_EMOJI} {headline}\n" + "\n".join(lines)),
        context(t.gettext(HOW_TO_CHANGE)),
    ]
    return {"text": "\n".join(lines), "blocks": blocks}


def _by_kind(changes: tuple[ChangeView, ...]) -> list[tuple[ChangeKind, list[ChangeView]]]:
    grouped: dict[ChangeKind, list[ChangeView]] = {}
    for change in changes:
        grouped.setdefault(change.kind, []).append(change)
    return [(kind, grouped[kind]) for kind in ChangeKind if kind in grouped]


def _kind_line(t: Words, kind: ChangeKind, changes: list[ChangeView], erp: str) -> str:
    shown = ", ".join(t.gettext(NUMBER, number=escape(c.number)) for c in changes[:NUMBERS_SHOWN])
    rest = len(changes) - NUMBERS_SHOWN
    numbers = t.ngettext(*MORE, rest, numbers=shown) if rest > 0 else shown
    return t.ngettext(*_MANY[kind], len(changes), erp=erp, numbers=numbers)
