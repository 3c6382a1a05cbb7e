"""Alerts: telling each linked channel what changed in Procore (issue 14).

The index (`flows.index`) records a `PackageChange` for each CCO newly synced, unsynced outside
this app, or deleted. `alert_pass` claims a project's changes once they are due (the burst is
over, or the oldest has waited long enough: `storage.package_changes`), and in the same
transaction writes one outbox message (`OutboxKind.ALERT`) per change and channel, or one summary
when more than `SUMMARY_OVER` arrive at once, and marks the changes alerted; `flows.outbox`
posts them. A CCO unsynced or deleted that is a row of a card in the channel is told in that
card's thread (and the card redrawn); one newly synced goes to the channel. A channel's
`/cco alerts` setting filters the kinds, silences it, or gathers a daily digest
(`digest_pass`, claimed per channel and day so replicas send it once).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from flows.alert_views import TOLD, Alert, ChangeView
from flows.services import Services, new_reference, tenant_company
from i18n import words_for_channel
from procore.client import ProcoreClient
from storage import alert_bursts, alert_settings, links, outbox, package_changes
from storage.alert_bursts import AlertBurst
from storage.alert_settings import AlertSetting
from storage.models import Card, ChannelLink, OutboxMessage, utcnow
from storage.package_changes import PackageChange
from storage.states import AlertMode, ChangeKind

log = structlog.get_logger("cco.alerts")

#: how long a replica holds what it claimed (a claim and its writes share one transaction)
CLAIM = timedelta(seconds=30)
#: alerted changes are kept this long (a digest lists those since its last message)
KEEP = timedelta(days=8)
#: a digest lists changes recorded until this long before it, so one committed late (recorded
#: before, written after the digest read) is in the next digest rather than in none
DIGEST_MARGIN = timedelta(seconds=10)
#: changes arriving this soon after a channel's last alert message for the project (written or
#: updated) update that message instead of posting another: a long burst is one message
BURST_WINDOW = timedelta(seconds=15)
#: how far back the first digest of a channel looks when it has no start of its own
FIRST_DIGEST = timedelta(days=1)


def new_alert_reference() -> str:
    """ "A-" and eight readable characters, like an attempt's "R-" reference."""
    return "A-" + new_reference()[2:]


# -- alerts as changes happen ----------------------------------------------------------------


async def alert_pass(svc: Services, now: datetime | None = None) -> int:
    """Claim every project's due changes, write their alerts, mark them alerted; then write
    the daily digests that are due. Returns the messages written (`outbox.deliver_pending`
    posts them)."""
    now = now or utcnow()
    async with svc.db.session() as s:
        projects = await package_changes.due_projects(
            session=s, now=now, company_id=tenant_company(svc.policy)
        )
    app_user = await _app_user(svc.procore) if projects else None
    written = 0
    for project_id in projects:
        written += await _alert_project(svc, project_id, app_user, now)
    return written + await digest_pass(svc, now)


async def _channels(s: Any, svc: Services, project_id: int) -> Sequence[ChannelLink]:
    """The project's channels that hear of its changes: the tenant's own, with many tenants."""
    return await links.project_links(
        session=s, project_id=project_id, company_id=tenant_company(svc.policy)
    )


@dataclass(frozen=True)
class _Written:
    messages: list[OutboxMessage]
    #: cards whose rows changed: (channel_id, message_ts), redrawn once committed
    cards: set[tuple[str, str]]


async def _alert_project(
    svc: Services, project_id: int, app_user: int | None, now: datetime
) -> int:
    async with svc.db.transaction() as s:
        changes = await package_changes.claim_project(
            session=s, project_id=project_id, until=now + CLAIM, now=now
        )
        if not changes:
            return 0
        told = [_view(c) for c in changes if app_user is None or c.by_user_id != app_user]
        channels = await _channels(s, svc, project_id) if told else []
        settings = await alert_settings.settings_of(
            session=s, channel_ids=[link.channel_id for link in channels]
        )
        audience = _audience(channels, settings, told)
        cards = {
            link.channel_id: await alert_settings.latest_cards(
                session=s, channel_id=link.channel_id, project_id=project_id
            )
            for link, _ in audience
        }
        written = await _write_channels(svc, s, project_id, audience, cards, now)
        await package_changes.mark_alerted(session=s, changes=changes, at=now)
        await package_changes.forget_before(session=s, project_id=project_id, before=now - KEEP)
    _log_written(project_id, written.messages)
    for channel_id, message_ts in written.cards:
        await svc.messenger.refresh_card(channel_id, message_ts)
    return len(written.messages)


async def _write_channels(
    svc: Services,
    s: Any,
    project_id: int,
    audience: list[tuple[ChannelLink, list[ChangeView]]],
    cards: dict[str, Sequence[Card]],
    now: datetime,
) -> _Written:
    """Each channel's alerts: an update of its open burst's message for the project (written or
    updated within `BURST_WINDOW`), else new messages, the last top-level one opening a burst."""
    written, opened = _Written([], set()), []
    for link, wanted in audience:
        burst = await alert_bursts.open_burst(
            session=s, channel_id=link.channel_id, project_id=project_id, since=now - BURST_WINDOW
        )
        if burst is not None and _grows(burst, wanted):
            _grow(svc, s, link, wanted, burst, now, written)
            written.cards.update(_cards_of(cards[link.channel_id], wanted))
            continue
        start = len(written.messages)
        _for_channel(svc, link, wanted, cards[link.channel_id], written)
        root = _burst_root(written.messages[start:], wanted)
        if root is not None:
            opened.append((link, *root))
    await outbox.add_messages_now(session=s, messages=written.messages)
    for link, message, told in opened:
        assert message.id is not None
        burst = AlertBurst(
            channel_id=link.channel_id,
            project_id=project_id,
            outbox_id=message.id,
            changes=[_stored(c) for c in told],
            updated_at=now,
        )
        await alert_bursts.start_burst(session=s, burst=burst)
    await alert_bursts.forget_bursts_before(session=s, before=now - KEEP)
    return written


def _grows(burst: AlertBurst, wanted: list[ChangeView]) -> bool:
    """A burst grows with more changes of the kinds it tells (200 syncs stay one message); a
    change of another kind (an unlink in Procore after a sync) is news of its own: a new message,
    which opens the channel's next burst."""
    told = {str(stored[3]) for stored in burst.changes}
    return all(str(change.kind) in told for change in wanted)


def _burst_root(
    messages: list[OutboxMessage], wanted: list[ChangeView]
) -> tuple[OutboxMessage, list[ChangeView]] | None:
    """The last top-level message written for a channel, and the changes it tells (a summary
    tells them all; otherwise each message tells one change, in order)."""
    if Alert(tuple(wanted)).summary:
        return (messages[0], wanted) if messages else None
    top = [(m, c) for m, c in zip(messages, wanted, strict=True) if m.thread_ts is None]
    return (top[-1][0], [top[-1][1]]) if top else None


def _grow(
    svc: Services,
    s: Any,
    link: ChannelLink,
    wanted: list[ChangeView],
    burst: AlertBurst,
    now: datetime,
    into: _Written,
) -> None:
    """The burst's message, rewritten to tell its changes and `wanted` (one message that grows:
    "23 CCOs were synced …" becomes "200 CCOs were synced …")."""
    told = [ChangeView(int(p), str(n), str(t), ChangeKind(k)) for p, n, t, k in burst.changes]
    told += wanted
    locale = words_for_channel(link.locale, None, svc.policy.default_locale).locale
    payload = svc.messenger.alert_message(Alert(tuple(told), grown=True), locale)
    into.messages.append(
        outbox.alert_update(
            new_alert_reference(),
            link.channel_id,
            payload,
            burst.outbox_id,
            company_id=link.company_id,
        )
    )
    burst.changes = [_stored(c) for c in told]
    burst.updated_at = now
    alert_bursts.grow_burst(session=s, burst=burst)


def _stored(change: ChangeView) -> list[Any]:
    return [change.package_id, change.number, change.title, str(change.kind)]


def _log_written(project_id: int, messages: list[OutboxMessage]) -> None:
    for message in messages:
        log.info(
            "alert.written",
            reference=message.reference,
            project=project_id,
            channel=message.channel_id,
            thread=message.thread_ts,
        )


def _audience(
    channels: Sequence[ChannelLink],
    settings: dict[tuple[str, str], AlertSetting],
    told: list[ChangeView],
) -> list[tuple[ChannelLink, list[ChangeView]]]:
    """Each channel told now, with the changes its setting wants (a digest channel waits)."""
    audience = []
    for link in channels:
        setting = settings.get((link.team_id, link.channel_id))
        if setting is not None and setting.digest_at is not None:
            continue  # gathered for the channel's daily digest
        wanted = [c for c in told if c.kind in TOLD[_mode(setting)]]
        if wanted:
            audience.append((link, wanted))
    return audience


def _for_channel(
    svc: Services,
    link: ChannelLink,
    wanted: list[ChangeView],
    cards: Sequence[Card],
    into: _Written,
) -> None:
    """One summary in the channel for a burst; else one message per change, an unsynced or
    deleted CCO in the thread of the latest card of the channel that lists it."""
    locale = words_for_channel(link.locale, None, svc.policy.default_locale).locale
    if Alert(tuple(wanted)).summary:
        into.messages.append(_message(svc, link, Alert(tuple(wanted)), locale, None))
        into.cards.update(_cards_of(cards, wanted))
        return
    for change in wanted:
        card = _card_of(cards, change)
        thread = card.message_ts if card is not None else None
        # in a card's thread, the card's language (its rows say the same thing in it)
        said_in = card.locale if card is not None and card.locale else locale
        into.messages.append(_message(svc, link, Alert((change,)), said_in, thread))
    into.cards.update(_cards_of(cards, wanted))


def _card_of(cards: Sequence[Card], change: ChangeView) -> Card | None:
    if change.kind == ChangeKind.SYNCED:
        return None  # a newly synced CCO is news for the channel, not for an older card
    return next((card for card in cards if card.lists(change.package_id)), None)


def _cards_of(cards: Sequence[Card], changes: list[ChangeView]) -> set[tuple[str, str]]:
    """The latest card listing each changed CCO, to redraw: its row says what Procore shows now
    (unlinked or deleted there; synced again: its Unlink button back)."""
    found = (next((c for c in cards if c.lists(change.package_id)), None) for change in changes)
    return {(card.channel_id, card.message_ts) for card in found if card is not None}


def _message(
    svc: Services, link: ChannelLink, alert: Alert, locale: str, thread_ts: str | None
) -> OutboxMessage:
    payload = svc.messenger.alert_message(alert, locale)
    return outbox.alert(
        new_alert_reference(), link.channel_id, thread_ts, payload, company_id=link.company_id
    )


def _view(change: PackageChange) -> ChangeView:
    return ChangeView(change.package_id, change.number, change.title, change.kind)


def _mode(setting: AlertSetting | None) -> AlertMode:
    return AlertMode.ON if setting is None else setting.mode


# -- nobody is alerted about their own action ------------------------------------------------
# An unlink done here marks its index row unsynced in its own transaction, so it records no
# change; a change by the app's own Procore account is left out here (live alerts and digests).

_APP_USERS: weakref.WeakKeyDictionary[ProcoreClient, int] = weakref.WeakKeyDictionary()


async def _app_user(procore: ProcoreClient) -> int | None:
    """The Procore user the app acts as (its service account), read once per client; None when
    Procore can't say now (the changes are then all told: the index already records none for
    an unlink done in this app)."""
    known = _APP_USERS.get(procore)
    if known is not None:
        return known
    try:
        user = await procore.service_account()
    except Exception as exc:
        log.warning("alerts.app_user_unknown", error=type(exc).__name__)
        return None
    _APP_USERS[procore] = user.id
    return user.id


# -- daily digests ---------------------------------------------------------------------------


async def digest_pass(svc: Services, now: datetime | None = None) -> int:
    """Write each digest channel's message of the day once its local time is past its
    `digest_at` (nothing when nothing changed); returns the messages written."""
    now = now or utcnow()
    async with svc.db.session() as s:
        settings = await alert_settings.digest_settings(
            session=s, company_id=tenant_company(svc.policy)
        )
    due = [(setting, day) for setting in settings if (day := due_day(setting, now)) is not None]
    app_user = await _app_user(svc.procore) if due else None
    written = 0
    for setting, day in due:
        written += await _digest(svc, setting, day, now, app_user)
    return written


def due_day(setting: AlertSetting, now: datetime) -> str | None:
    """The local date whose digest is due at `now`, or None (not yet, or already sent)."""
    if setting.digest_at is None:
        return None
    local = now.astimezone(zone(setting.digest_tz))
    day = local.date().isoformat()
    if setting.last_digest_on == day or local.time() < parse_hhmm(setting.digest_at):
        return None
    return day


async def _digest(
    svc: Services, setting: AlertSetting, day: str, now: datetime, app_user: int | None
) -> int:
    assert setting.id is not None
    through = now - DIGEST_MARGIN
    async with svc.db.transaction() as s:
        claimed = await alert_settings.claim_digest(
            session=s, setting_id=setting.id, day=day, until=now + CLAIM
        )
        if not claimed:
            return 0
        link = await links.get_channel_link(
            session=s, team_id=setting.team_id, channel_id=setting.channel_id
        )
        message = await write_digest(s, svc, setting, link, day, through, app_user)
        await alert_settings.digest_done(session=s, setting_id=setting.id, day=day, through=through)
    if message is None:
        return 0
    log.info("alert.digest_written", reference=message.reference, channel=setting.channel_id)
    return 1


async def write_digest(
    s: Any,
    svc: Services,
    setting: AlertSetting,
    link: ChannelLink | None,
    day: str,
    through: datetime,
    app_user: int | None,
) -> OutboxMessage | None:
    """Add to the outbox (in the caller's transaction `s`) the channel's digest of the changes
    recorded since its last one until `through`, as its setting wants; None when nothing is
    to be told."""
    if link is None:
        return None
    changes = await package_changes.changes_between(
        session=s,
        project_id=link.project_id,
        since=setting.digest_since or through - FIRST_DIGEST,
        until=through,
    )
    message = _digest_message(svc, setting, link, changes, day, app_user)
    if message is not None:
        outbox.add_message(session=s, message=message)
    return message


def app_user_of(svc: Services) -> Awaitable[int | None]:
    """The Procore user the app acts as (`_app_user`)."""
    return _app_user(svc.procore)


def _digest_message(
    svc: Services,
    setting: AlertSetting,
    link: ChannelLink | None,
    changes: Sequence[PackageChange],
    day: str,
    app_user: int | None,
) -> OutboxMessage | None:
    wanted = [
        _view(c)
        for c in changes
        if c.kind in TOLD[setting.mode] and (app_user is None or c.by_user_id != app_user)
    ]
    if link is None or not wanted:
        return None
    locale = words_for_channel(link.locale, None, svc.policy.default_locale).locale
    return _message(svc, link, Alert(tuple(wanted), digest_day=day), locale, None)


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC when none or unknown here."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_hhmm(text: str) -> time:
    """ "09:30" -> 09:30; ValueError unless two-digit hours 00-23 and minutes 00-59."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2:
        raise ValueError(text)
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def local_day(now: datetime, tz: str | None) -> date:
    return now.astimezone(zone(tz)).date()
