"""`/cco alerts` parsing (issue 14): modes and a digest time in every language's words; a bad
time is refused with a clear message (and nothing is changed)."""

from __future__ import annotations

import pytest

from handlers.blocks.alerts import HOW_TO_SET
from handlers.commands import ALERT_MODES, ALERTS_USAGE, Alerts, Usage, hhmm, parse, usage
from i18n import words_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alerts", Alerts()),
        ("alerts on", Alerts(mode="on")),
        ("ALERTS OFF", Alerts(mode="off")),
        ("alerts synced", Alerts(mode="synced")),
        ("alerts unlinked", Alerts(mode="unlinked")),
        ("alerts digest 09:00", Alerts(digest_at="09:00")),
        ("alerts digest 9:05", Alerts(digest_at="09:05")),
        ("alertes dissociés", Alerts(mode="unlinked")),
        ("alertes résumé 17:30", Alerts(digest_at="17:30")),
        ("alertas resumen 08:15", Alerts(digest_at="08:15")),
        ("benachrichtigungen aus", Alerts(mode="off")),
        ("benachrichtigungen zusammenfassung 23:59", Alerts(digest_at="23:59")),
    ],
)
def test_alerts_commands_parse(text: str, expected: Alerts) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "raw", ["24:00", "9", "09:60", "9:5", "０９:００", "09:00pm", ":30", "-1:00"]
)
def test_a_bad_time_is_refused(raw: str) -> None:
    parsed = parse(f"alerts digest {raw}")
    assert hhmm(raw) is None
    assert isinstance(parsed, Usage)
    assert "is not a time of day" in parsed.problem and "Nothing was changed" in parsed.problem


@pytest.mark.parametrize("text", ["alerts loud", "alerts digest", "alerts on off"])
def test_other_words_get_the_alerts_usage(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Usage)
    assert "`/cco alerts` takes" in parsed.problem


@pytest.mark.parametrize(
    ("locale", "verb", "words"),
    [
        ("fr-CA", "alertes", ["activées", "désactivées", "synchronisés", "dissociés"]),
        ("fr-FR", "alertes", ["activées", "désactivées", "synchronisés", "dissociés"]),
        ("es-419", "alertas", ["activadas", "desactivadas", "sincronizados", "desvinculados"]),
        ("de-DE", "benachrichtigungen", ["an", "aus", "synchronisiert", "getrennt"]),
        ("en-GB", "alerts", ["on", "off", "synced", "unlinked"]),
    ],
)
def test_help_and_usage_show_the_languages_own_mode_words(
    locale: str, verb: str, words: list[str]
) -> None:
    """Each language's help, usage and `/cco alerts` answer name the words it accepts."""
    t = words_for(locale)
    helped = usage(t)
    said = t.gettext(ALERTS_USAGE) + " " + t.gettext(HOW_TO_SET)
    assert f"`/cco {verb} [{'|'.join(words)}|" in helped
    for word in words:
        assert f"`{word}`" in said or f"{verb} {word}`" in said
        assert parse(f"{verb} {word}") == Alerts(mode=ALERT_MODES[word])
    assert sorted(ALERT_MODES[w] for w in words) == ["off", "on", "synced", "unlinked"]
