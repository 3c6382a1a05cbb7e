"""`/cco alerts [on|off|synced|unlinked|digest HH:MM]` from the slash command to its answer
(issue 14)."""

from __future__ import annotations

from typing import Any

from flows.alerting import AlertChange, AlertsSet, channel_alerts, set_alerts
from flows.history import record_refusal
from flows.language import LinkGone
from flows.services import Services
from handlers import commands
from handlers.blocks.alerts import alerts_not_linked, alerts_refused, alerts_set, alerts_shown
from i18n import words_for, words_for_channel
from storage.models import ChannelLink
from storage.states import AlertMode


async def alerts_command(
    svc: Services,
    parsed: commands.Alerts,
    link: ChannelLink | None,
    user_id: str,
    reader_locale: str | None,
    typed: str,
) -> tuple[dict[str, Any], str]:
    """Show or change the channel's alerts: the message and its `response_type`. A change is
    announced to the channel in the channel's language; anything else answers the asker alone,
    in their own. A refusal is recorded for `/cco history <ref>` (`typed`: as typed)."""
    default, erp = svc.policy.default_locale, svc.erp.info.name
    t = words_for(reader_locale or (link.locale if link else None), default)
    if link is None:
        return alerts_not_linked(t), "ephemeral"
    if parsed.mode is None and parsed.digest_at is None:
        return alerts_shown(t, await channel_alerts(svc, link), erp), "ephemeral"
    change = AlertChange(AlertMode(parsed.mode) if parsed.mode else None, parsed.digest_at)
    tz = await svc.directory.tz_of(user_id) if parsed.digest_at else None
    result = await set_alerts(svc, link, user_id, change, tz)
    if isinstance(result, LinkGone):
        return alerts_not_linked(t), "ephemeral"
    if isinstance(result, AlertsSet):
        channel = words_for_channel(link.locale, reader_locale, default)
        return alerts_set(channel, result, user_id, erp), "in_channel"
    message = alerts_refused(t, result.reference)
    await record_refusal(svc, link.team_id, link.channel_id, user_id, typed, message["text"])
    return message, "ephemeral"
