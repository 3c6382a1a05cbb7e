"""Parsing `/cco` text into a command, or a usage answer with a did-you-mean."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from handlers.blocks.kit import escape

VERBS = ("help", "link", "unlink", "status", "history", "connect", "disconnect")
MAX_QUERY = 100
_MAX_ID = 2**63 - 1

USAGE = (
    "*/cco* — unlink ERP-synced Commitment Change Orders\n"
    "• `/cco link <procore project id>` — bind this channel to a Procore project\n"
    "• `/cco unlink [number or words]` — list the project's ERP-synced CCOs with Unlink buttons "
    "(`/cco unlink 004`, `/cco unlink 001 003`, `/cco unlink drywall`, `/cco unlink acme`: "
    "number, title, commitment or vendor)\n"
    "• `/cco status` — who you are in Procore and the three permissions an unlink needs\n"
    "• `/cco history [number, words or reference]` — the latest unlink attempts in this "
    "project (`/cco history 004`, `/cco history drywall`); a reference id (`R-…`, `Q-…`) shows "
    "its trail step by step\n"
    "• `/cco connect` / `/cco disconnect` — link or unlink your own Procore account\n"
    "• `/cco help` — this message"
)


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
class Usage:
    """Text that could not be understood: `problem` says why, `usage` what would work."""

    problem: str


Command = Help | Link | Unlink | Status | History | Connect | Disconnect | Usage


def parse(text: str) -> Command:
    words = "".join(ch if ch.isprintable() else " " for ch in text).split()
    if not words:
        return Help()
    verb, rest = words[0].lower(), words[1:]
    if verb == "help":
        return Help()
    if verb == "link":
        return _link(rest)
    if verb == "unlink":
        query = " ".join(rest)
        if len(query) > MAX_QUERY:
            return Usage(f"That filter is {len(query)} characters; keep it under {MAX_QUERY}.")
        return Unlink(query)
    if verb == "status":
        return Status()
    if verb == "connect":
        return Connect()
    if verb == "disconnect":
        return Disconnect()
    if verb == "history":
        query = " ".join(rest)
        if len(query) > MAX_QUERY:
            return Usage(f"That filter is {len(query)} characters; keep it under {MAX_QUERY}.")
        return History(query or None)
    return Usage(_unknown(verb))


def _link(rest: list[str]) -> Command:
    if len(rest) != 1:
        return Usage("`/cco link` needs one Procore project id, e.g. `/cco link 12345`.")
    raw = rest[0]
    if not raw.isdecimal() or not 0 < int(raw) <= _MAX_ID:
        shown = escape(raw if len(raw) <= 40 else raw[:40] + "…")
        return Usage(
            f"“{shown}” is not a Procore project id. The id is the number in the project's "
            "Procore URL, e.g. `/cco link 12345`."
        )
    return Link(int(raw))


def _unknown(verb: str) -> str:
    shown = escape(verb if len(verb) <= 40 else verb[:40] + "…").replace("`", "'")
    close = difflib.get_close_matches(verb, VERBS, n=1, cutoff=0.5)
    hint = f" Did you mean `/cco {close[0]}`?" if close else ""
    return f"`/cco {shown}` is not a command.{hint}"
