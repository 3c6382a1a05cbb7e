"""Button values: one parser, one limit."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.buttons import MAX_VALUE, clicked_number


def _click(value: Any) -> dict[str, Any]:
    return {"actions": [{"action_id": "x", "value": value}]}


@pytest.mark.parametrize(("value", "number"), [("1", 1), ("007", 7), (str(MAX_VALUE), MAX_VALUE)])
def test_a_value_the_app_drew_reads_as_its_number(value: str, number: int) -> None:
    assert clicked_number(_click(value)) == number


@pytest.mark.parametrize(
    "value",
    ["", "-1", "1e9", " 1", "1 ", "+1", "٣", "１２", "0x10", "9" * 19, "9" * 20, "9" * 600, None],
)
def test_anything_else_reads_as_none(value: Any) -> None:
    assert clicked_number(_click(value)) is None


@pytest.mark.parametrize("body", [{}, {"actions": []}, {"actions": "1"}, {"actions": ["1"]}])
def test_a_click_without_a_button_reads_as_none(body: dict[str, Any]) -> None:
    assert clicked_number(body) is None
