"""Every attempt outcome has its own words on a card row and in `/cco history`."""

from __future__ import annotations

from typing import get_args

from flows.outcomes import Outcome
from handlers.blocks.words import outcome_words
from i18n import words_for

FALLBACK = "ended without an unlink"
T = words_for("en-US")


def test_every_outcome_kind_has_its_own_words() -> None:
    kinds = [cls.kind for cls in get_args(Outcome)]
    vague = [kind for kind in kinds if outcome_words(T, str(kind), "Acumatica") == FALLBACK]
    assert not vague, f"these outcomes read only {FALLBACK!r} on a card row: {vague}"


def test_wrong_company_row_says_the_erp_does_not_know_the_parent() -> None:
    words = outcome_words(T, "erp_parent_unknown", "Acumatica")
    assert "Acumatica" in words and "settings" in words
