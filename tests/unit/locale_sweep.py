"""What the locale-sweep tests (`test_*_words.py`) share: the locales they render in, the values
they fill placeholders with, and the two sweeps over rendered texts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from i18n import PSEUDO, SUPPORTED
from i18n.pseudo import untranslated

LOCALES = (*SUPPORTED, PSEUDO)
AT = datetime(2026, 12, 4, 14, 2, tzinfo=UTC)
#: values without English words, so the pseudo-locale shows only what a message left out
PROJECT, TITLE = "Ŧöŵéŕ 7", "Ðŕýŵåļļ 3"


def untranslated_texts(
    texts: Iterable[str], names: re.Pattern[str] | None = None
) -> dict[str, list[str]]:
    """The pseudo-locale texts that hold English words outside its brackets, with those words
    (`names`: proper names blanked out first)."""
    left = {text: untranslated(names.sub(" ", text) if names else text) for text in texts}
    return {text: words for text, words in left.items() if words}


def same_as_english(english: list[str], local: list[str]) -> list[str]:
    """The texts, worded (four letters in a row), that another language left as in English;
    the two renderings must hold as many texts."""
    assert len(english) == len(local)
    return [e for e, o in zip(english, local, strict=True) if e == o and re.search("[a-z]{4}", e)]
