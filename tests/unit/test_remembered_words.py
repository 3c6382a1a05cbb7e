"""An ack's answer (usage, help, did-you-mean) reads the asker's locale from `Deps.locales`, the
`ReaderLocales` the directory fills, without asking Slack: else DEFAULT_LOCALE."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flows.inflight import InFlight
from flows.services import Policy
from handlers.context import Deps
from handlers.home import HomeViewers
from handlers.listeners.commands import remembered_words
from handlers.pacing import PostAckPacer
from handlers.reader_locale import ReaderLocales


def deps_with(locales: ReaderLocales, default_locale: str = "en-US") -> Deps:
    services: Any = SimpleNamespace(policy=Policy(company_id=1, default_locale=default_locale))
    unused: Any = None
    return Deps(
        services=services,
        slack=unused,
        failures=unused,
        inflight=InFlight(),
        command_slots=PostAckPacer(1),
        viewers=HomeViewers(),
        locales=locales,
    )


def test_a_remembered_locale_is_the_asker_s() -> None:
    locales = ReaderLocales()
    locales.remember("T1", "U1", "fr-CA")
    deps = deps_with(locales)
    assert remembered_words(deps, {"team_id": "T1", "user_id": "U1"}).locale == "fr-CA"
    assert remembered_words(deps, {"team_id": "T1", "user_id": "U2"}).locale == "en-US"


def test_nobody_remembered_reads_the_default_locale() -> None:
    deps = deps_with(ReaderLocales(), default_locale="de-DE")
    assert remembered_words(deps, {"team_id": "T1", "user_id": "U1"}).locale == "de-DE"
