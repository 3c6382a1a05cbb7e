"""`/cco language`: the language of what everyone in a channel reads (issue 13).

Setting it needs what a link needs (an active Procore user in the linked project's Directory:
`flows.linking.project_hidden`); it is stored on the channel link, audited, and kept when the
channel is linked to another project. Each person's own answers stay in their Slack language.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from flows.linking import ProjectHidden, project_hidden
from flows.services import Services, new_reference
from storage import audit, links
from storage.models import AuditEvent, ChannelLink

log = structlog.get_logger("cco.language")

LANGUAGE_EVENT = "channel_language_set"


@dataclass(frozen=True)
class LanguageSet:
    """The channel's language is now `locale` (None: back to each reader's own)."""

    locale: str | None
    reference: str


@dataclass(frozen=True)
class LinkGone:
    """The channel was unlinked while the request was being checked: nothing was stored."""


LanguageResult = LanguageSet | ProjectHidden | LinkGone


async def set_language(
    svc: Services, link: ChannelLink, user_id: str, locale: str | None
) -> LanguageResult:
    """Store `locale` (None: clear it) as the channel's language, if `user_id` may link it."""
    hidden = await project_hidden(svc, user_id, link)
    if hidden is not None:
        return hidden
    reference = new_reference()
    async with svc.db.transaction() as s:
        current = await links.get_channel_link(
            session=s, team_id=link.team_id, channel_id=link.channel_id
        )
        if current is None:
            return LinkGone()
        before, current.locale = current.locale, locale
        s.add(current)
        audit.add_event(session=s, event=_event(reference, current, user_id, before))
    log.info("language.set", reference=reference, channel=link.channel_id, locale=locale)
    return LanguageSet(locale, reference)


def _event(reference: str, link: ChannelLink, user_id: str, before: str | None) -> AuditEvent:
    return AuditEvent(
        reference=reference,
        event=LANGUAGE_EVENT,
        team_id=link.team_id,
        slack_user_id=user_id,
        company_id=link.company_id,
        project_id=link.project_id,
        detail={"channel_id": link.channel_id, "from": before, "to": link.locale},
    )
