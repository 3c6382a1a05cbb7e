"""Answers to `/cco language`, in the reader's words (issue 13)."""

from __future__ import annotations

from typing import Any

from flows.language import LanguageResult, LanguageSet, LinkGone
from handlers.blocks.kit import section
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


def language_answer(t: Words, result: LanguageResult, default_locale: str) -> dict[str, Any]:
    """The answer to setting or clearing the channel's language (`t`: the asker's words)."""
    if isinstance(result, LinkGone):
        return language_not_linked(t)
    if isinstance(result, LanguageSet):
        if result.locale is None:
            return _notice(t.gettext(m.LANGUAGE_CLEARED, language=_name(default_locale)))
        return _notice(t.gettext(m.LANGUAGE_SET, language=_name(result.locale)))
    return _notice(f"{t.gettext(m.LANGUAGE_NOT_ALLOWED)} (ref `{result.reference}`)")
