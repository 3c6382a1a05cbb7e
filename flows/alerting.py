"""`/cco alerts`: what a linked channel is told about CCO changes in Procore (issue 14).

`on` (every change), `synced` (newly synced only), `unlinked` (unsynced or deleted only) tell
each change as it happens; `off` silences the channel; `digest HH:MM` gathers the changes the
mode wants into one message a day at that time, in the setter's Slack time zone (else UTC).
Changing it needs what a link needs (`flows.linking.project_hidden`, as `/cco language`); it is
audited and announced in the channel. Without PUBLIC_URL Procore can't reach the app, so no
alerts come at all, whatever the setting (`AlertsView.live`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from flows.alerts import app_user_of, local_day, parse_hhmm, write_digest, zone
from flows.language import LinkGone
from flows.linking import ProjectHidden, project_hidden
from flows.services import Services, new_reference
from storage import alert_settings, audit, links
from storage.alert_settings import AlertSetting
from storage.models import AuditEvent, ChannelLink, utcnow
from storage.states import AlertMode

log = structlog.get_logger("cco.alerting")

ALERTS_EVENT = "channel_alerts_set"
#: the zone of a digest time when Slack can't tell the setter's
UTC = "UTC"


@dataclass(frozen=True)
class AlertsView:
    """A channel's alert setting as it stands."""

    mode: AlertMode = AlertMode.ON
    #: "HH:MM" of the daily digest, in `digest_tz`; None: alerts as changes happen
    digest_at: str | None = None
    digest_tz: str | None = None
    #: Procore webhooks are configured (PUBLIC_URL is set): alerts can come at all
    live: bool = True

    @classmethod
    def of(cls, setting: AlertSetting | None, live: bool) -> AlertsView:
        if setting is None:
            return cls(live=live)
        return cls(setting.mode, setting.digest_at, setting.digest_tz, live)


@dataclass(frozen=True)
class AlertChange:
    """What `/cco alerts …` asks: a mode, or a digest time ("HH:MM", 24 h)."""

    mode: AlertMode | None = None
    digest_at: str | None = None


@dataclass(frozen=True)
class AlertsSet:
    """The channel's setting is now `view`; `tz_from_slack`: the digest's zone is the setter's
    Slack time zone (else UTC, as Slack didn't say)."""

    view: AlertsView
    reference: str
    tz_from_slack: bool = False


AlertsResult = AlertsSet | ProjectHidden | LinkGone


async def channel_alerts(svc: Services, link: ChannelLink) -> AlertsView:
    async with svc.db.session() as s:
        setting = await alert_settings.get_setting(
            session=s, team_id=link.team_id, channel_id=link.channel_id
        )
    return AlertsView.of(setting, svc.webhooks is not None)


async def set_alerts(
    svc: Services, link: ChannelLink, user_id: str, change: AlertChange, tz: str | None
) -> AlertsResult:
    """Store `change` as the channel's alert setting, if `user_id` may link the channel; `tz`:
    the setter's Slack time zone (a digest time is in it), None when Slack didn't say."""
    hidden = await project_hidden(svc, user_id, link)
    if hidden is not None:
        return hidden
    reference, now = new_reference(), utcnow()
    tz_name = tz if tz and zone(tz).key == tz else UTC
    leaving_digest = change.digest_at is None and (await channel_alerts(svc, link)).digest_at
    app_user = await app_user_of(svc) if leaving_digest else None
    async with svc.db.transaction() as s:
        if (
            await links.get_channel_link(
                session=s, team_id=link.team_id, channel_id=link.channel_id
            )
            is None
        ):
            return LinkGone()
        setting = await alert_settings.get_setting(
            session=s, team_id=link.team_id, channel_id=link.channel_id
        ) or AlertSetting(team_id=link.team_id, channel_id=link.channel_id)
        before = AlertsView.of(setting, True)
        if before.digest_at is not None and change.digest_at is None:
            await _gathered_digest(s, svc, setting, link, app_user, now)
        _apply(setting, change, tz_name, now)
        setting.changed_by = user_id
        alert_settings.save_setting(session=s, setting=setting)
        after = AlertsView.of(setting, svc.webhooks is not None)
        audit.add_event(session=s, event=_event(reference, link, user_id, before, after))
    log.info(
        "alerts.set",
        reference=reference,
        channel=link.channel_id,
        mode=after.mode,
        digest=after.digest_at,
        tz=after.digest_tz,
    )
    return AlertsSet(after, reference, tz_from_slack=tz is not None and tz_name == tz)


async def _gathered_digest(
    s: Any,
    svc: Services,
    setting: AlertSetting,
    link: ChannelLink,
    app_user: int | None,
    now: datetime,
) -> None:
    """Leaving digest mode: what was gathered for the next digest is written now (those changes
    are marked alerted already, so no live alert tells them)."""
    if setting.mode == AlertMode.OFF:
        return
    day = local_day(now, setting.digest_tz).isoformat()
    message = await write_digest(s, svc, setting, link, day, now, app_user)
    if message is not None:
        log.info("alert.digest_written", reference=message.reference, channel=link.channel_id)


def _apply(setting: AlertSetting, change: AlertChange, tz: str, now: datetime) -> None:
    if change.digest_at is None:
        assert change.mode is not None
        setting.mode = change.mode
        if change.mode != AlertMode.OFF:  # on, synced, unlinked: as changes happen
            setting.digest_at = setting.digest_tz = None
        return
    if setting.mode == AlertMode.OFF:
        setting.mode = AlertMode.ON
    setting.digest_at, setting.digest_tz = change.digest_at, tz
    setting.digest_since = now
    local = now.astimezone(zone(tz))
    # past today's time already: the first digest is tomorrow's, listing from now on
    passed = local.time() >= parse_hhmm(change.digest_at)
    setting.last_digest_on = local_day(now, tz).isoformat() if passed else None


def _event(
    reference: str, link: ChannelLink, user_id: str, before: AlertsView, after: AlertsView
) -> AuditEvent:
    return AuditEvent(
        reference=reference,
        event=ALERTS_EVENT,
        team_id=link.team_id,
        slack_user_id=user_id,
        company_id=link.company_id,
        project_id=link.project_id,
        detail={"channel_id": link.channel_id, "from": _said(before), "to": _said(after)},
    )


def _said(view: AlertsView) -> dict[str, str | None]:
    return {"mode": str(view.mode), "digest_at": view.digest_at, "digest_tz": view.digest_tz}
