"""Which of the app's locales a person or channel is answered in.

Slack's `users.info` (with `include_locale=true`) returns an IETF tag such as `en-US`, `fr-FR`,
`es-ES`, `es-LA` (Slack's Latin-American Spanish), `pt-BR` or `ja-JP`. A tag the app speaks is
used as it is; otherwise the same language's default region (fr-BE → fr-FR, es-ES → es-419,
de-AT → de-DE), else the configured default (`DEFAULT_LOCALE`, en-US unless set).
"""

from __future__ import annotations

from babel import Locale

SOURCE = "en-US"
#: the locales with a catalog, in the order `/cco language` lists them
SUPPORTED: tuple[str, ...] = ("en-US", "en-GB", "en-AU", "fr-CA", "fr-FR", "es-419", "de-DE")
#: a locale generated from the source in code (`i18n.pseudo`): only ever chosen by its exact tag
PSEUDO = "en-XA"

#: tags Slack (or people) use for a locale we have under another name
_ALIASES = {
    "es-la": "es-419",  # Slack's "Español (Latinoamérica)"
    "en-nz": "en-AU",  # ASSUMPTION: New Zealand reads Procore's AU/UK "variation" terms
    "en-ie": "en-GB",
}
#: a language's locale when the region is not one we have
_LANGUAGE_DEFAULT = {"en": "en-US", "fr": "fr-FR", "es": "es-419", "de": "de-DE"}
#: words people may type for a language in `/cco language …`
_LANGUAGE_WORDS = {
    "english": "en",
    "anglais": "en",
    "inglés": "en",
    "ingles": "en",
    "englisch": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "francés": "fr",
    "frances": "fr",
    "französisch": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "espagnol": "es",
    "spanisch": "es",
    "german": "de",
    "deutsch": "de",
    "allemand": "de",
    "alemán": "de",
    "aleman": "de",
}
_BY_LOWER = {tag.lower(): tag for tag in (*SUPPORTED, PSEUDO)}


def supported(tag: str | None) -> str | None:
    """The app's locale for `tag` (exact, alias, or the language's default), else None."""
    if not tag:
        return None
    lower = tag.strip().replace("_", "-").lower()
    lower = _LANGUAGE_WORDS.get(lower, lower)
    if lower in _BY_LOWER:
        return _BY_LOWER[lower]
    if lower in _ALIASES:
        return _ALIASES[lower]
    return _LANGUAGE_DEFAULT.get(lower.split("-")[0])


def negotiate(tag: str | None, default: str = SOURCE) -> str:
    """The locale to answer in: `tag` if the app speaks it (or its language), else `default`
    (itself negotiated), else the source locale. Never raises."""
    return supported(tag) or supported(default) or SOURCE


def babel_locale(locale: str) -> Locale:
    """Babel's locale for formatting numbers, amounts and dates (the pseudo-locale formats as
    the source does)."""
    if locale == PSEUDO:
        locale = SOURCE
    return Locale.parse(locale, sep="-")


def display_name(locale: str) -> str:
    """The locale's name in its own language ("français (Canada)"), as `/cco language` shows."""
    if locale == PSEUDO:
        return "Pseudo (en-XA)"
    return str(babel_locale(locale).get_display_name()) or locale
