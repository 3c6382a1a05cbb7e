from __future__ import annotations

import pytest

from handlers.commands import Help, History, Link, Status, Unlink, Usage, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   ", Help()),
        ("help", Help()),
        ("HELP", Help()),
        ("link 12345", Link(12345)),
        ("unlink", Unlink("")),
        ("unlink 004", Unlink("004")),
        ("unlink  drywall   changes", Unlink("drywall changes")),
        ("status", Status()),
        ("history", History(None)),
        ("history #004", History("#004")),
        ("history drywall  framing", History("drywall framing")),
        ("history 001 003", History("001 003")),
    ],
)
def test_known_commands(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("unlnk", "Did you mean `/cco unlink`?"),
        ("stauts", "Did you mean `/cco status`?"),
        ("lnk 5", "Did you mean `/cco link`?"),
        ("hisotry", "Did you mean `/cco history`?"),
    ],
)
def test_typos_get_a_did_you_mean(text: str, hint: str) -> None:
    result = parse(text)
    assert isinstance(result, Usage)
    assert hint in result.problem


@pytest.mark.parametrize(
    "text",
    [
        "link",
        "link abc",
        "link -4",
        "link 0",
        "link 1 2",
        "link 99999999999999999999999",
        "link ²²",  # a digit to str.isdigit(), not to int()
        "link ①",
    ],
)
def test_bad_project_ids_are_explained(text: str) -> None:
    result = parse(text)
    assert isinstance(result, Usage)
    assert "/cco link 12345" in result.problem


def test_garbage_is_escaped_and_never_a_mention() -> None:
    result = parse("<!channel> & <@U123>")
    assert isinstance(result, Usage)
    assert "<!channel>" not in result.problem
    assert "&lt;!channel&gt;" in result.problem
    assert "Did you mean" not in result.problem


def test_overlong_filter_is_refused() -> None:
    result = parse("unlink " + "x" * 300)
    assert isinstance(result, Usage)
    assert "under 100" in result.problem
