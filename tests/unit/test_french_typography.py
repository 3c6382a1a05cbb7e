"""French typography in the fr-CA and fr-FR catalogs: a non-breaking space (U+00A0, the one
the catalogs use, as Babel's French amounts do) before `?`, `!`, `:` and `;`, so a line never
breaks before them and « Vouliez-vous dire … ? » reads as French. Not punctuation, so left as
they are: code spans, Slack's `<…>` tokens and links, emoji codes, placeholders, URLs, times."""

from __future__ import annotations

import re

import pytest

from i18n.catalogs import read_catalog

NBSP = "\u00a0"
MARKS = "?!:;"
#: where `?`, `!`, `:` and `;` are not French punctuation
NOT_PROSE = re.compile(r"`[^`]*`|<[^<>]*>|:[a-z0-9_+\-]+:|\{[^{}]*\}|https?://\S+|\d:\d")


def misplaced(text: str) -> list[str]:
    """Each `?`, `!`, `:` or `;` of prose not preceded by U+00A0 (with a little context)."""
    skipped = {i for m in NOT_PROSE.finditer(text) for i in range(m.start(), m.end())}
    found = []
    for i, char in enumerate(text):
        if char in MARKS and i > 0 and i not in skipped and text[i - 1] not in NBSP + MARKS:
            found.append(text[max(0, i - 20) : i + 5])
    return found


def translations(locale: str) -> list[str]:
    found: list[str] = []
    for message in read_catalog(locale):
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [s for s in strings if s]
    return found


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR"])
def test_a_non_breaking_space_comes_before_each_high_mark(locale: str) -> None:
    texts = translations(locale)
    assert len(texts) > 100  # the catalog was read
    bad = [spot for text in texts for spot in misplaced(text)]
    assert bad == [], f"{len(bad)} in {locale}: {bad[:10]}"


def test_the_rule_itself() -> None:
    assert misplaced("Vouliez-vous dire `/cco dissocier` ?") == ["re `/cco dissocier` ?"]
    assert misplaced(f"Vouliez-vous dire `/cco dissocier`{NBSP}?") == []
    assert misplaced("Fin; rien") and misplaced("Fin\u202f: rien")  # one space, U+00A0
    assert (
        misplaced(f"<!date^1|x> :white_check_mark: `a:b` {{when}} 14:02 https://x.y/?a Fin{NBSP}!")
        == []
    )


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR"])
def test_guillemets_hold_their_words_with_non_breaking_spaces(locale: str) -> None:
    """« Peut transmettre à la comptabilité »: a line never breaks just inside the quotes."""
    texts = translations(locale)
    bad = [t for t in texts if re.search(r"«(?!\u00a0)|(?<!\u00a0)»", t)]
    assert bad == [], bad[:5]
