"""Alerts about CCO changes in Procore (`flows.alerts`): one change in a sentence, a burst or a
day's digest as one line per kind with the CCOs' numbers, posted to the whole channel in the
channel's language; and the answers to `/cco alerts` (`flows.alerting`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.alert_views import Alert, ChangeView
from flows.alerting import AlertsSet, AlertsView
from handlers.blocks.kit import context, escape, section, user
from handlers.blocks.replies import cco_label
from i18n import N_, Nn_, Words
from i18n import messages as m
from storage.states import AlertMode, ChangeKind

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


# -- `/cco alerts`: the channel's setting ----------------------------------------------------

_WHAT = {
    AlertMode.ON: N_(
        "This channel is told when CCOs are synced to {erp}, unlinked in Procore or deleted."
    ),
    AlertMode.SYNCED: N_("This channel is told when CCOs are synced to {erp}."),
    AlertMode.UNLINKED: N_("This channel is told when CCOs are unlinked in Procore or deleted."),
    AlertMode.OFF: N_("Alerts are off in this channel: it is told nothing about CCO changes."),
}
AS_IT_HAPPENS = N_("Each change is told as it happens; a burst of changes comes as one message.")
DIGEST_AT = N_("The changes come in one message a day at {time} ({zone}).")
DIGEST_IN_UTC = N_("Slack didn't give your time zone, so the time is in UTC.")
NOT_LIVE = N_(
    "No alerts can come yet: the app has no public web address, so Procore can't send it "
    "changes. Ask whoever runs the app to give it one."
)
HOW_TO_SET = N_("Change it with `/cco alerts on`, `off`, `synced`, `unlinked` or `digest 09:00`.")
ALERTS_CHANGED = N_("{user} changed this channel's alerts.")
ALERTS_NOT_ALLOWED = N_(
    "Only someone allowed to link this channel can change its alerts. Nothing was changed."
)
ALERTS_UNLINKED_CHANNEL = N_(
    "Link this channel to a Procore project first (`/cco link <procore project id>`), then "
    "choose its alerts."
)


def _notice(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def setting_words(t: Words, view: AlertsView, erp: str) -> str:
    """What the channel is told, and when; and why nothing comes when the app has no public
    address (PUBLIC_URL unset: the server's log says so by name)."""
    said = [t.gettext(_WHAT[view.mode], erp=erp)]
    if view.mode != AlertMode.OFF:
        if view.digest_at is None:
            said.append(t.gettext(AS_IT_HAPPENS))
        else:
            said.append(
                t.gettext(DIGEST_AT, time=view.digest_at, zone=escape(view.digest_tz or "UTC"))
            )
    if not view.live:
        said.append(t.gettext(NOT_LIVE))
    return " ".join(said)


def alerts_shown(t: Words, view: AlertsView, erp: str) -> dict[str, Any]:
    return _notice(f"{setting_words(t, view, erp)}\n{t.gettext(HOW_TO_SET)}")


def alerts_set(t: Words, result: AlertsSet, user_id: str, erp: str) -> dict[str, Any]:
    """The channel's announcement of its new alert setting (in the channel's language)."""
    said = [t.gettext(ALERTS_CHANGED, user=user(user_id)), setting_words(t, result.view, erp)]
    if result.view.digest_at is not None and not result.tz_from_slack:
        said.append(t.gettext(DIGEST_IN_UTC))
    said.append(t.gettext(m.REFERENCE, reference=result.reference))
    return _notice(f"{SUMMARY_EMOJI} " + " ".join(said))


def alerts_refused(t: Words, reference: str) -> dict[str, Any]:
    refused = t.gettext(ALERTS_NOT_ALLOWED)
    return _notice(f"❌ {refused} {t.gettext(m.REFERENCE, reference=reference)}")


def alerts_not_linked(t: Words) -> dict[str, Any]:
    return _notice(t.gettext(ALERTS_UNLINKED_CHANNEL))
