"""Whose language: each person's Slack locale remembered for a short window, and the helper
that finds text a pseudo-locale run shows untranslated in a Slack payload."""

from __future__ import annotations

from handlers.reader_locale import LOCALE_TTL_SECONDS, ReaderLocales
from i18n.pseudo import texts_of, untranslated


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_locale_is_remembered_for_the_window_then_read_again() -> None:
    clock = Clock()
    locales = ReaderLocales(clock=clock)
    assert not locales.known("T1", "U1")
    locales.remember_from("T1", {"id": "U1", "locale": "fr-CA", "name": "ana"})
    assert locales.get("T1", "U1") == "fr-CA"
    assert locales.get("T2", "U1") is None  # another workspace's U1 is another person
    clock.now += LOCALE_TTL_SECONDS - 1
    assert locales.known("T1", "U1")
    clock.now += 1
    assert not locales.known("T1", "U1")
    assert locales.get("T1", "U1") is None


def test_no_locale_in_the_answer_is_remembered_as_none() -> None:
    locales = ReaderLocales()
    locales.remember_from("T1", {"id": "U1", "locale": ""})
    locales.remember_from("T1", {"id": "U2"})
    locales.remember_from("T1", {"locale": "fr-CA"})  # no id: nothing to remember
    assert locales.known("T1", "U1") and locales.get("T1", "U1") is None
    assert locales.known("T1", "U2")


def test_the_oldest_are_forgotten_past_the_limit() -> None:
    locales = ReaderLocales(limit=2)
    for user in ("U1", "U2", "U3"):
        locales.remember("T1", user, "de-DE")
    assert not locales.known("T1", "U1")
    assert locales.get("T1", "U3") == "de-DE"


def test_texts_of_a_payload_are_what_people_read() -> None:
    payload = {
        "text": "⟦Ŝûççéšš⟧",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "⟦Ĥéļļö⟧ <@U1>"}},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Unlink"}},
                ],
                "block_id": "ask",
            },
        ],
        "attachments": [{"fallback": "⟦x⟧", "blocks": [], "color": "good"}],
    }
    texts = texts_of(payload)
    assert texts == ["⟦Ŝûççéšš⟧", "⟦Ĥéļļö⟧ <@U1>", "Unlink", "⟦x⟧"]
    assert [w for t in texts for w in untranslated(t)] == ["Unlink"]
