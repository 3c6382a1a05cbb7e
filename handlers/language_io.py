"""`/cco language [locale|default]` from the slash command to its answer (issue 13)."""

from __future__ import annotations

from typing import Any

from flows.language import LanguageSet, set_language
from flows.services import Services
from handlers import commands
from handlers.blocks.language import language_answer, language_not_linked, language_shown
from i18n import SOURCE, words_for
from storage.models import ChannelLink


async def language_command(
    svc: Services,
    parsed: commands.Language,
    link: ChannelLink | None,
    user_id: str,
    reader_locale: str | None = None,
    default_locale: str = SOURCE,
) -> dict[str, Any]:
    """Show, set or clear the channel's language. The answer is in `reader_locale` (the asker's
    Slack locale, once the listener passes it), else in the channel's language."""
    current = link.locale if link else None
    if link is None:
        return language_not_linked(words_for(reader_locale or default_locale))
    if parsed.locale is None and not parsed.reset:
        t = words_for(reader_locale or current, default_locale)
        return language_shown(t, current, default_locale)
    result = await set_language(svc, link, user_id, parsed.locale)
    chosen = result.locale if isinstance(result, LanguageSet) else current
    t = words_for(reader_locale or chosen, default_locale)
    return language_answer(t, result, default_locale)
