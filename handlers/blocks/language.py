"""Answers to `/cco language` (issue 13): the choices and refusals in the asker's words, a
change announced to the channel in the channel's new language."""

from __future__ import annotations

from typing import Any

from flows.language import LanguageSet
from handlers.blocks.kit import section, user
from i18n import SUPPORTED, Words, words_for
from i18n import messages as m


def _notice(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def _name(locale: str) -> str:
    return words_for(locale).language_name


def choices(t: Words) -> str:
    """Every language the app speaks, each in its own words, and how to set one."""
    names = ", ".join(f"{_name(locale)} (`{locale}`)" for locale in SUPPORTED)
    return t.gettext(m.LANGUAGE_CHOICES, choices=names)


def language_shown(t: Words, channel_locale: str | None, default_locale: str) -> dict[str, Any]:
    shown = t.gettext(m.LANGUAGE_SHOWN, language=_name(channel_locale or default_locale))
    return _notice(f"{shown}\n{choices(t)}")


def language_not_linked(t: Words) -> dict[str, Any]:
    return _notice(t.gettext(m.LANGUAGE_UNLINKED_CHANNEL))


def language_set(
    t: Words, result: LanguageSet, user_id: str, default_locale: str
) -> dict[str, Any]:
    """The channel's announcement of its new language (`t`: the words of that language, or of
    `default_locale` when the channel's own language was cleared)."""
    if result.locale is None:
        said = (
            t.gettext("{user} cleared this channel's language.", user=user(user_id))
            + " "
            + t.gettext(m.LANGUAGE_CLEARED, language=_name(default_locale))
        )
    else:
        said = (
            t.gettext("{user} set this channel's language.", user=user(user_id))
            + " "
            + t.gettext(m.LANGUAGE_SET, language=_name(result.locale))
        )
    return _notice(f"🌐 {said} {t.gettext(m.REFERENCE, reference=result.reference)}")


def language_refused(t: Words, reference: str) -> dict[str, Any]:
    """Someone who may not link this channel tried to set its language (ephemeral)."""
    refused = t.gettext(m.LANGUAGE_NOT_ALLOWED)
    return _notice(f"❌ {refused} {t.gettext(m.REFERENCE, reference=reference)}")
