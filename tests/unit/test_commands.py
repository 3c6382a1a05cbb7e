from __future__ import annotations

import pytest

from handlers.commands import (
    USAGE,
    Connect,
    Disconnect,
    Help,
    History,
    Language,
    Link,
    Status,
    Unlink,
    Usage,
    parse,
    usage,
)
from i18n import words_for


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
        "link " + "0" * 5000,  # more digits than int() reads (4300): ValueError before
        "link " + "\u0660" * 5000,
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


def test_dissocier_is_unlink_never_disconnect() -> None:
    """The French for unlink is a command of its own; before, did-you-mean steered it (and
    its typos) to `/cco disconnect`, which unlinks the person's own Procore account."""
    assert parse("dissocier") == Unlink("")
    assert parse("dissocier 004") == Unlink("004")
    for typo in ("dissocie", "disocier", "dissocer", "dissocié", "DISSOCIER!"):
        result = parse(typo)
        assert isinstance(result, Usage), typo
        assert "disconnect" not in result.problem, typo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lier 12345", Link(12345)),
        ("statut", Status()),
        ("historique 004", History("004")),
        ("aide", Help()),
        ("Dissocier cloisons", Unlink("cloisons")),
        ("desvincular 004", Unlink("004")),
        ("vincular 12345", Link(12345)),
        ("estado", Status()),
        ("historial", History(None)),
        ("ayuda", Help()),
        ("trennen 004", Unlink("004")),
        ("verknüpfung-aufheben 004", Unlink("004")),
        ("Verknüpfung aufheben 004", Unlink("004")),
        ("verknuepfen 12345", Link(12345)),
        ("verknüpfen 12345", Link(12345)),
        ("verlauf", History(None)),
        ("hilfe", Help()),
        ("connecter", Connect()),
        ("déconnecter", Disconnect()),
        ("desconectar", Disconnect()),
        ("abmelden", Disconnect()),
    ],
)
def test_each_languages_words_are_aliases(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("disocier", "`/cco dissocier`"),
        ("statu", "`/cco status`"),
        ("historiqe", "`/cco historique`"),
        ("desvincula", "`/cco desvincular`"),
        ("verknüpfung", "`/cco verknüpfung-aufheben`"),  # never `verknüpfen` (link)
        ("verlauff", "`/cco verlauf`"),
    ],
)
def test_did_you_mean_suggests_the_typed_languages_word(text: str, hint: str) -> None:
    result = parse(text)
    assert isinstance(result, Usage)
    assert f"Did you mean {hint}?" in result.problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("language", Language()),
        ("language fr-CA", Language("fr-CA")),
        ("language fr-ca", Language("fr-CA")),
        ("langue fr_CA", Language("fr-CA")),
        ("idioma es-LA", Language("es-419")),
        ("sprache de", Language("de-DE")),
        ("language français", Language("fr-FR")),
        ("language default", Language(reset=True)),
        ("langue défaut", Language(reset=True)),
    ],
)
def test_language_command(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_unknown_language_lists_the_choices_in_the_readers_words() -> None:
    result = parse("language klingon")
    assert isinstance(result, Usage)
    assert "“klingon” is not a language" in result.problem
    assert "fr-CA" in result.problem
    french = result.in_words(words_for("fr-CA"))
    assert french.startswith("«\u00a0klingon\u00a0» n'est pas une langue")
    assert isinstance(parse("language fr-CA de-DE"), Usage)


def test_usage_reads_in_each_language() -> None:
    result = parse("stauts")
    assert isinstance(result, Usage)
    assert result.in_words(words_for("es-419")) == (
        "`/cco stauts` no es un comando. ¿Quiso decir `/cco status`?"
    )
    assert usage(words_for("en-US")) == USAGE
    assert "`/cco dissocier" in usage(words_for("fr-CA"))
    assert "`/cco desvincular" in usage(words_for("es-419"))
    assert "`/cco trennen" in usage(words_for("de-DE"))
