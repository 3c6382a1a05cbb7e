"""Parsing `/cco` text into a command, or a usage answer with a did-you-mean.

Each language's words are aliases of the English verbs (`/cco dissocier` is `/cco unlink`);
answers are rendered in the reader's language by the builders (`usage`, `Usage.in_words`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from handlers.blocks.kit import escape
from handlers.buttons import whole_number
from i18n import N_, SUPPORTED, Words, supported
from i18n.words import fill

VERBS = (
    "help",
    "link",
    "unlink",
    "status",
    "history",
    "connect",
    "disconnect",
    "language",
    "alerts",
)
MAX_QUERY = 100

#: each language's words for a verb (both spellings where people type without accents)
ALIASES: dict[str, str] = {
    # French (fr-CA, fr-FR): Procore's « Dissocier »
    "dissocier": "unlink",
    "lier": "link",
    "statut": "status",
    "historique": "history",
    "aide": "help",
    "langue": "language",
    "connecter": "connect",
    "déconnecter": "disconnect",
    "deconnecter": "disconnect",
    "alertes": "alerts",
    # Spanish (es-419): Procore's "Desvincular"
    "desvincular": "unlink",
    "vincular": "link",
    "estado": "status",
    "historial": "history",
    "ayuda": "help",
    "idioma": "language",
    "conectar": "connect",
    "desconectar": "disconnect",
    "alertas": "alerts",
    # German (de-DE): Procore's "Verknüpfung aufheben"; "trennen" is what people type for it
    "verknüpfung-aufheben": "unlink",
    "verknuepfung-aufheben": "unlink",
    "trennen": "unlink",
    "verknüpfen": "link",
    "verknuepfen": "link",
    "verlauf": "history",
    "hilfe": "help",
    "sprache": "language",
    "verbinden": "connect",
    "abmelden": "disconnect",
    "benachrichtigungen": "alerts",
}
#: words that are the start of a longer verb: suggested as that verb, never by closeness (the
#: closest word to "verknüpfung" is "verknüpfen", the opposite of what was meant)
_PREFIXES = {"verknüpfung": "verknüpfung-aufheben", "verknuepfung": "verknuepfung-aufheben"}
#: `/cco language default`: the channel goes back to each reader's own language
_RESET = frozenset({"default", "auto", "reset", "défaut", "defaut", "predeterminado", "standard"})
#: `/cco alerts <mode>`: each language's words for the modes (English works in every language)
ALERT_MODES: dict[str, str] = {
    **{mode: mode for mode in ("on", "off", "synced", "unlinked")},
    # French
    "activées": "on", "activees": "on", "désactivées": "off", "desactivees": "off",
    "synchronisés": "synced", "synchronises": "synced", "dissociés": "unlinked",
    "dissocies": "unlinked",
    # Spanish
    "activadas": "on", "desactivadas": "off", "sincronizados": "synced",
    "desvinculados": "unlinked",
    # German
    "an": "on", "aus": "off", "synchronisiert": "synced", "getrennt": "unlinked",
}  # fmt: skip
#: `/cco alerts digest HH:MM`: each language's word for the daily digest
DIGEST_WORDS = frozenset({"digest", "résumé", "resume", "resumen", "zusammenfassung"})

_USAGE_LINES = (
    N_("*/cco* — unlink ERP-synced Commitment Change Orders"),
    N_("• `/cco link <procore project id>` — bind this channel to a Procore project"),
    N_(
        "• `/cco unlink [number or words]` — list the project's ERP-synced CCOs with Unlink "
        "buttons (`/cco unlink 004`, `/cco unlink 001 003`, `/cco unlink drywall`, "
        "`/cco unlink acme`: number, title, commitment or vendor)"
    ),
    N_("• `/cco status` — who you are in Procore and the three permissions an unlink needs"),
    N_(
        "• `/cco history [number, words or reference]` — the latest unlink attempts in this "
        "project (`/cco history 004`, `/cco history drywall`); a reference id (`R-…`, `Q-…`) "
        "shows its trail step by step"
    ),
    N_("• `/cco connect` / `/cco disconnect` — link or unlink your own Procore account"),
    N_(
        "• `/cco language [locale]` — the language everyone in this channel reads "
        "(`/cco language fr-CA`; `default`: each person's own)"
    ),
    N_(
        "• `/cco alerts [on|off|synced|unlinked|digest HH:MM]` — what this channel is told when "
        "CCOs are synced, unlinked or deleted in Procore (`digest 09:00`: one message a day)"
    ),
    N_("• `/cco help` — this message"),
)
USAGE = "\n".join(_USAGE_LINES)

FILTER_TOO_LONG = N_("That filter is {length} characters; keep it under {limit}.")
LINK_NEEDS_ONE_ID = N_("`/cco link` needs one Procore project id, e.g. `/cco link 12345`.")
NOT_A_PROJECT_ID = N_(
    "“{shown}” is not a Procore project id. The id is the number in the project's Procore URL, "
    "e.g. `/cco link 12345`."
)
NOT_A_COMMAND = N_("`/cco {verb}` is not a command.")
NOT_A_COMMAND_HINT = N_("`/cco {verb}` is not a command. Did you mean `/cco {suggestion}`?")
NOT_A_LANGUAGE = N_("“{shown}” is not a language the app speaks. Try one of: {choices}.")
LANGUAGE_ONE_TAG = N_("`/cco language` takes one language, e.g. `/cco language fr-CA`.")
ALERTS_USAGE = N_(
    "`/cco alerts` takes `on`, `off`, `synced`, `unlinked` or `digest HH:MM`, e.g. "
    "`/cco alerts unlinked` or `/cco alerts digest 09:00`."
)
NOT_A_TIME = N_(
    "“{shown}” is not a time of day. Give it as 24-hour HH:MM, e.g. `/cco alerts digest 09:00` "
    "or `/cco alerts digest 17:30`. Nothing was changed."
)


def usage(t: Words) -> str:
    """The help text in the reader's language."""
    return "\n".join(t.gettext(line) for line in _USAGE_LINES)


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Link:
    project_id: int


@dataclass(frozen=True)
class Unlink:
    query: str


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class History:
    """`query`: CCO numbers, words, or a reference id (None: the latest attempts)."""

    query: str | None


@dataclass(frozen=True)
class Connect:
    pass


@dataclass(frozen=True)
class Disconnect:
    pass


@dataclass(frozen=True)
class Language:
    """`/cco language [locale]`: `locale` is one of `i18n.SUPPORTED` (None: show the channel's
    language and the choices); `reset`: back to each reader's own language."""

    locale: str | None = None
    reset: bool = False


@dataclass(frozen=True)
class Alerts:
    """`/cco alerts [mode | digest HH:MM]`: `mode` one of on/off/synced/unlinked, `digest_at`
    a 24-hour "HH:MM"; neither: show the channel's setting."""

    mode: str | None = None
    digest_at: str | None = None


@dataclass(frozen=True)
class Usage:
    """Text that could not be understood: `problem` says why (in English), `in_words` in the
    reader's language; the builder adds what would work (`usage`)."""

    problem: str
    msgid: str = field(default="", compare=False)
    values: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def in_words(self, t: Words) -> str:
        return t.gettext(self.msgid, **dict(self.values)) if self.msgid else self.problem


Command = Help | Link | Unlink | Status | History | Connect | Disconnect | Language | Alerts | Usage


def _usage(msgid: str, **values: str) -> Usage:
    return Usage(fill(msgid, values), msgid, tuple(values.items()))


def parse(text: str) -> Command:
    words = "".join(ch if ch.isprintable() else " " for ch in text).split()
    if not words:
        return Help()
    verb, rest = _verb(words)
    if verb == "help":
        return Help()
    if verb == "link":
        return _link(rest)
    if verb in ("unlink", "history"):
        query = " ".join(rest)
        if len(query) > MAX_QUERY:
            return _usage(FILTER_TOO_LONG, length=str(len(query)), limit=str(MAX_QUERY))
        return Unlink(query) if verb == "unlink" else History(query or None)
    if verb == "status":
        return Status()
    if verb == "connect":
        return Connect()
    if verb == "disconnect":
        return Disconnect()
    if verb == "language":
        return _language(rest)
    if verb == "alerts":
        return _alerts(rest)
    return _unknown(words[0].lower())


def _verb(words: list[str]) -> tuple[str, list[str]]:
    """The English verb and the words after it (a two-word alias counts as one word)."""
    first = words[0].lower()
    if len(words) > 1 and f"{first}-{words[1].lower()}" in ALIASES:
        return ALIASES[f"{first}-{words[1].lower()}"], words[2:]
    return ALIASES.get(first, first), words[1:]


def _link(rest: list[str]) -> Command:
    if len(rest) != 1:
        return _usage(LINK_NEEDS_ONE_ID)
    raw = rest[0]
    project_id = whole_number(raw)
    if not project_id:  # None, or 0
        return _usage(NOT_A_PROJECT_ID, shown=_shown(raw))
    return Link(project_id)


def _language(rest: list[str]) -> Command:
    if not rest:
        return Language()
    if len(rest) > 1:
        return _usage(LANGUAGE_ONE_TAG)
    if rest[0].lower() in _RESET:
        return Language(reset=True)
    locale = supported(rest[0])
    if locale is None:
        return _usage(NOT_A_LANGUAGE, shown=_shown(rest[0]), choices=", ".join(SUPPORTED))
    return Language(locale)


def _alerts(rest: list[str]) -> Command:
    if not rest:
        return Alerts()
    first = rest[0].lower()
    if len(rest) == 1 and first in ALERT_MODES:
        return Alerts(mode=ALERT_MODES[first])
    if first not in DIGEST_WORDS or len(rest) != 2:
        return _usage(ALERTS_USAGE)
    at = hhmm(rest[1])
    return Alerts(digest_at=at) if at else _usage(NOT_A_TIME, shown=_shown(rest[1]))


def hhmm(raw: str) -> str | None:
    """ "9:05" or "09:05" as "09:05" (24 h); None unless hours 0-23 and two-digit minutes."""
    hours, sep, minutes = raw.partition(":")
    digits = (hours + minutes).isascii() and hours.isdigit() and minutes.isdigit()
    if not sep or not digits or len(hours) > 2 or len(minutes) != 2:
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return f"{int(hours):02d}:{minutes}"


def _unknown(verb: str) -> Usage:
    shown = _shown(verb).replace("`", "'")
    close = _PREFIXES.get(verb) or _closest(verb)
    if close:
        return _usage(NOT_A_COMMAND_HINT, verb=shown, suggestion=close)
    return _usage(NOT_A_COMMAND, verb=shown)


def _closest(verb: str) -> str | None:
    """The verb or alias most like `verb` (an English verb wins a tie), if alike enough."""
    scored = [
        (difflib.SequenceMatcher(None, verb, word).ratio(), word in VERBS, word)
        for word in (*VERBS, *ALIASES)
    ]
    score, _, word = max(scored)
    return word if score >= 0.5 else None


def _shown(raw: str) -> str:
    return escape(raw if len(raw) <= 40 else raw[:40] + "…")
