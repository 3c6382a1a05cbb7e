"""`/cco language [locale|default]` from the slash command to its answer (issue 13)."""

from __future__ import annotations

from typing import Any

from flows.history import record_refusal
from flows.language import LanguageSet, LinkGone, set_language
from flows.services import Services
from handlers import commands
from handlers.blocks.language import (
    language_not_linked,
    language_refused,
    language_set,
    language_shown,
)
from i18n import words_for
from storage.models import ChannelLink


async def language_command(
    svc: Services,
    parsed: commands.Language,
    link: ChannelLink | None,
    user_id: str,
    reader_locale: str | None,
    typed: str,
) -> tuple[dict[str, Any], str]:
    """Show, set or clear the channel's language: the message and its `response_type`. A
    change is announced to the channel in its new language; anything else answers the asker
    alone, in their own (`reader_locale`, else the channel's, else DEFAULT_LOCALE). A refusal is
    recorded for `/cco history <ref>` (`typed`: the command as typed)."""
    default = svc.policy.default_locale
    current = link.locale if link else None
    t = words_for(reader_locale or current, default)
    if link is None:
        return language_not_linked(t), "ephemeral"
    if parsed.locale is None and not parsed.reset:
        return language_shown(t, current, default), "ephemeral"
    result = await set_language(svc, link, user_id, parsed.locale)
    if isinstance(result, LinkGone):
        return language_not_linked(t), "ephemeral"
    if isinstance(result, LanguageSet):
        channel = words_for(result.locale or default, default)
        return language_set(channel, result, user_id, default), "in_channel"
    message = language_refused(t, result.reference)
    await record_refusal(svc, link.team_id, link.channel_id, user_id, typed, message["text"])
    return message, "ephemeral"
