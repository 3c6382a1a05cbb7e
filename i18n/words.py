"""The builders' one entry point: `t = words_for(locale)`, then `t.gettext(msgid, **values)`."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from babel.support import Translations

from i18n import formats
from i18n.catalogs import translations
from i18n.elision import elide
from i18n.glossary import Term, term
from i18n.negotiate import SOURCE, display_name, negotiate

_FORMATTER = string.Formatter()
#: opening and closing quotation marks per language (one quote style per locale)
_QUOTES = {"fr": ("«\u00a0", "\u00a0»"), "de": ("„", "“")}


class MissingValue(KeyError):
    """A message names a placeholder the builder did not pass (a bug, caught by the tests)."""


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders of a message."""
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(text) if name is not None)


def fill(text: str, values: Mapping[str, object]) -> str:
    try:
        return _FORMATTER.vformat(text, (), values)
    except KeyError as missing:
        raise MissingValue(f"{missing} missing for {text!r}") from None


@dataclass(frozen=True)
class Words:
    """Everything a builder says to one reader: messages, Procore's terms, formats."""

    locale: str
    catalog: Translations = field(repr=False, compare=False)

    def gettext(self, msgid: str, /, **values: object) -> str:
        """The translation of `msgid` with its `{placeholders}` filled (the source when the
        catalog lacks it)."""
        return fill(self._elided(self.catalog.gettext(msgid), values), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The form for `n` of a plural message; `{count}` is `n` unless given."""
        values.setdefault("count", formats.number(n, self.locale))
        return fill(self._elided(self.catalog.ngettext(singular, plural, n), values), values)

    def _elided(self, template: str, values: Mapping[str, object]) -> str:
        """French elides « de » and « que » before a value with a vowel sound (`i18n.elision`)."""
        return elide(template, values) if self.locale.startswith("fr") else template

    def term(self, key: Term, **values: object) -> str:
        """Procore's own word in this locale (`i18n.glossary`)."""
        return fill(term(self.locale, key), values)

    def quote(self, text: str) -> str:
        """`text` between this language's quotation marks: “…”, « … », „…“."""
        opening, closing = _QUOTES.get(self.locale.split("-")[0], ("“", "”"))
        return f"{opening}{text}{closing}"

    def amount(self, value: formats.Number, currency: str) -> str:
        return formats.amount(value, currency, self.locale)

    def number(self, value: formats.Number) -> str:
        return formats.number(value, self.locale)

    def day(self, value: date) -> str:
        return formats.day(value, self.locale)

    def when(self, at: datetime) -> str:
        """A moment as Slack's date token, in each reader's time zone and this language."""
        tokens = self.gettext("{date} at {time}", date="{date_short_pretty}", time="{time}")
        return formats.slack_date(at, tokens, self.locale)

    @property
    def language_name(self) -> str:
        return display_name(self.locale)


@cache
def _words(locale: str) -> Words:
    return Words(locale, translations(locale))


def words_for(locale: str | None, default: str = SOURCE) -> Words:
    """The words for a Slack locale tag (negotiated: `i18n.negotiate`); never raises."""
    return _words(negotiate(locale, default))


def words_for_channel(
    channel_locale: str | None, reader_locale: str | None, default: str = SOURCE
) -> Words:
    """The words of a message the whole channel sees (a card, a thread reply): the channel's own
    language (`/cco language`), else the person whose action it answers, else the default. A
    message only one person sees takes `words_for(their locale)`."""
    return words_for(channel_locale or reader_locale, default)
