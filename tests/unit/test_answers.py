"""Private answers to a click that another attempt beat to the CCO."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.blocks.answers import busy_message
from i18n import words_for

DONE = datetime(2026, 12, 4, 14, 2, tzinfo=UTC)
EN = words_for("en-US")


def _text(message: dict[str, object]) -> str:
    return str(message["text"])


def test_an_attempt_still_running_is_in_progress() -> None:
    text = _text(busy_message(EN, "002", "U0ANA", "R-7K2QF9XA"))
    assert "already in progress" in text and "<@U0ANA> started it" in text
    assert "R-7K2QF9XA" in text


def test_an_attempt_that_unlinked_the_cco_meanwhile_says_already_unlinked() -> None:
    text = _text(busy_message(EN, "002", "U0ANA", "R-7K2QF9XA", DONE, unlinked=True))
    assert "CCO #002 was already unlinked" in text and "<@U0ANA>" in text
    assert "R-7K2QF9XA" in text and "in progress" not in text


def test_an_attempt_that_ended_otherwise_meanwhile_never_says_unlinked() -> None:
    text = _text(busy_message(EN, "002", "U0ANA", "R-7K2QF9XA", DONE, unlinked=False))
    assert "was just checked" in text and "<@U0ANA>" in text and "was not unlinked" in text
    assert "already unlinked" not in text and "in progress" not in text
    assert "R-7K2QF9XA" in text
