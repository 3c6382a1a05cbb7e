"""What each person reads, in their language: gettext catalogs (Babel), Procore's own terms
per locale, locale formats and the choice of locale. See docs/messages.md.

Builders take a `Words` (`t = words_for(locale)`) and say everything through it:
`t.gettext("…{name}…", name=…)`, `t.ngettext(…)`, `t.term(Term.COMMITMENTS)`, `t.amount(…)`,
`t.when(at)`. This package imports nothing from the app (the layer test holds it).
"""

from __future__ import annotations

from i18n.glossary import Term
from i18n.negotiate import PSEUDO, SOURCE, SUPPORTED, negotiate, supported
from i18n.words import Words, words_for, words_for_channel


def N_(msgid: str) -> str:
    """Mark `msgid` for `pybabel extract` without translating it now (constants, tables)."""
    return msgid


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for extraction: `t.ngettext(*pair, n)` translates it later."""
    return singular, plural


__all__ = [
    "N_",
    "PSEUDO",
    "SOURCE",
    "SUPPORTED",
    "Nn_",
    "Term",
    "Words",
    "negotiate",
    "supported",
    "words_for",
    "words_for_channel",
]
