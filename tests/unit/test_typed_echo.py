"""Typed text is echoed as a code span (`handlers.blocks.kit.typed`, the one helper): a query's
`*`, `_`, `~` never format, `<!channel>` never notifies, a backtick never ends the span."""

from __future__ import annotations

import pytest

from erp.base import ErpInfo
from flows.listing import CardPage
from handlers.blocks import answers, card
from handlers.blocks.card import card_message, empty_message
from handlers.blocks.kit import typed
from i18n import SUPPORTED, words_for
from i18n import messages as m
from i18n.pseudo import texts_of
from storage.card_rows import CardRow

ERP = ErpInfo(
    key="acumatica", name="Acumatica", record_noun="change order", fix_template=m.ERP_FIXES[0]
)
HOSTILE = ["*x*", "<!channel>", "a `b` c", "_y_ ~z~ <@U1|ben> & <http://x|y>"]


def test_answers_and_the_card_share_one_helper() -> None:
    assert answers.typed is typed and card.typed is typed


@pytest.mark.parametrize("query", HOSTILE)
def test_typed_text_is_one_inert_code_span(query: str) -> None:
    shown = typed(query)
    assert shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2
    assert "<" not in shown and ">" not in shown


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("query", HOSTILE)
def test_no_ccos_matching_echoes_the_query_as_typed(locale: str, query: str) -> None:
    text = empty_message(words_for(locale), "Tower A", ERP, query)["text"]
    assert typed(query) in text
    assert "<!channel>" not in text and "*x*" not in text.replace(typed(query), "")


@pytest.mark.parametrize("query", HOSTILE)
def test_the_cards_matching_line_echoes_it_the_same_way(query: str) -> None:
    page = CardPage("Tower A", ERP, query, 1, 1, 1, [CardRow(id=1, number="001", amount="1")])
    shown = "\n".join(texts_of(card_message(words_for("en-US"), page, {})))
    assert f"matching {typed(query)}" in shown
    assert "<!channel>" not in shown
