"""The card's amounts are in the company's currency, end to end: Procore's
`currency_configuration.currency_iso_code` for each CCO, else the CURRENCY setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from i18n import words_for
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, Rig, start_rig, stop_rig


@pytest.fixture(params=database_params())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(request.param, tmp_path, currency="CAD")
    try:
        yield started
    finally:
        await stop_rig(started)


def package(rig: Rig, number: str) -> tuple[int, Decimal]:
    package_id = rig.stack.index.packages[(TOWER_A, number)]
    return package_id, Decimal(rig.stack.procore.world.packages[package_id].grand_total)


async def test_a_french_canadian_reads_the_setting_s_dollars_when_procore_names_none(
    rig: Rig,
) -> None:
    rig.stack.slack.users["U0ANA"].locale = "fr-CA"
    for found in rig.stack.procore.world.packages.values():
        found.currency = None  # Procore's answer names no currency: CURRENCY=CAD
    second, euros = package(rig, "002")
    rig.stack.procore.world.packages[second].currency = "EUR"  # Procore's own wins
    await rig.link()
    card = await rig.card()
    _, dollars = package(rig, "001")
    cad = words_for("fr-CA").amount(dollars, "CAD")
    assert cad.endswith(",00\u00a0$")  # Babel's "12 500,00 $", not "… $ US"
    assert cad in rig.row_text(card, "001")
    assert "$\u00a0US" not in rig.row_text(card, "001")
    assert words_for("fr-CA").amount(euros, "EUR") in rig.row_text(card, "002")
