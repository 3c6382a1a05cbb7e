"""Amounts in the company's currency: Procore's `currency_configuration.currency_iso_code` for a
CCO, else the CURRENCY setting (ISO 4217, default USD), written as the reader's locale writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.settings import SettingsError, load_settings, settings_from
from erp.base import ErpInfo
from flows.listing import CardPage
from handlers.blocks.card import card_message
from i18n import messages as m
from i18n import words_for
from i18n.pseudo import texts_of
from procore.client import _cco
from storage.card_rows import CardRow, from_json, to_json

ERP = ErpInfo(
    key="acumatica", name="Acumatica", record_noun="change order", fix_template=m.ERP_FIXES[0]
)


def card_text(locale: str, row: CardRow) -> str:
    page = CardPage("Tower A", ERP, "", 1, 1, 1, [row])
    return "\n".join(texts_of(card_message(words_for(locale), page, {})))


def test_the_default_is_us_dollars() -> None:
    assert settings_from({}).currency == "USD"


@pytest.mark.parametrize(("value", "expected"), [("CAD", "CAD"), ("eur", "EUR"), (" gbp ", "GBP")])
def test_an_iso_4217_code_is_taken(value: str, expected: str) -> None:
    assert settings_from({"currency": value}).currency == expected


@pytest.mark.parametrize("value", ["dollars", "XYZ", "$", ""])
def test_anything_else_stops_start_up_with_one_line_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^CURRENCY is invalid: must be an ISO 4217 currency"):
        load_settings(currency=value)


def test_a_french_canadian_reads_canadian_dollars_as_babel_writes_them() -> None:
    row = CardRow(id=1, number="001", title="Soffit", amount="12500.00", currency="CAD")
    assert "12\u00a0500,00\u00a0$" in card_text("fr-CA", row)  # "12 500,00 $", not "$ US"
    assert "US" not in card_text("fr-CA", row).split("12\u00a0500,00")[1].split("\n")[0]


def test_an_american_reads_us_dollars() -> None:
    row = CardRow(id=1, number="001", title="Soffit", amount="12500.00", currency="USD")
    assert "$12,500.00" in card_text("en-US", row)


def test_a_row_stored_before_rows_kept_their_currency_reads_in_us_dollars() -> None:
    row = from_json({"id": 1, "number": "001", "amount": "12500.00"})
    assert row is not None and row.currency is None
    assert "$12,500.00" in card_text("en-US", row)
    assert "currency" not in to_json(row)  # written back as it was stored
    assert to_json(CardRow(id=1, number="001", currency="CAD"))["currency"] == "CAD"


def test_procore_names_the_currency_of_a_change_order_package() -> None:
    item = {
        "id": 7,
        "grand_total": "12500.0",
        "currency_configuration": {"currency_iso_code": "cad"},
    }
    assert _cco(item, 1).currency == "CAD"
    assert _cco(item | {"currency_configuration": {}}, 1).currency is None
    assert _cco({"id": 7}, 1).grand_total == Decimal("0")
    assert _cco({"id": 7}, 1).currency is None
