"""The builders' API: choosing a locale, saying a message, Procore's terms, formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from i18n import PSEUDO, SUPPORTED, Term, negotiate, supported, words_for, words_for_channel
from i18n.catalogs import load_all
from i18n.messages import (
    BUTTON_UNLINK,
    CCO_LABEL,
    ERP_FIXES,
    RETRY_IN,
    STILL_IN_ERP_HEADLINE,
    STILL_IN_ERP_TEXT,
    UNLINKED_HEADLINE,
)
from i18n.pseudo import accent, untranslated
from i18n.words import MissingValue


@pytest.mark.parametrize(
    ("slack", "expected"),
    [
        ("en-US", "en-US"),
        ("fr-CA", "fr-CA"),
        ("fr-FR", "fr-FR"),
        ("fr-BE", "fr-FR"),  # the language's default region
        ("es-LA", "es-419"),  # Slack's Latin-American Spanish
        ("es-ES", "es-419"),
        ("es-MX", "es-419"),
        ("de-DE", "de-DE"),
        ("de-AT", "de-DE"),
        ("en-GB", "en-GB"),
        ("en-AU", "en-AU"),
        ("en-IN", "en-US"),
        ("pt-BR", "en-US"),  # a language the app doesn't speak: the default
        ("ja-JP", "en-US"),
        ("fr_ca", "fr-CA"),
        ("", "en-US"),
        (None, "en-US"),
        ("not a tag", "en-US"),
    ],
)
def test_slack_locales_are_negotiated(slack: str | None, expected: str) -> None:
    assert negotiate(slack) == expected


def test_the_default_locale_answers_unknown_languages() -> None:
    assert negotiate("pt-BR", default="fr-CA") == "fr-CA"
    assert negotiate("pt-BR", default="de") == "de-DE"
    assert negotiate("pt-BR", default="xx-YY") == "en-US"
    assert negotiate(PSEUDO) == PSEUDO  # only by its exact tag
    assert supported("français") == "fr-FR"


def test_every_catalog_loads() -> None:
    load_all()


def _green_and_red(locale: str) -> tuple[str, str, str]:
    t = words_for(locale)
    cco = t.gettext(CCO_LABEL, number="004")
    green = t.gettext(UNLINKED_HEADLINE, cco=cco, erp="Acumatica")
    fix = t.gettext(ERP_FIXES[0], reference="CO000123")
    button = f"*{t.gettext(BUTTON_UNLINK)}*"
    red = t.gettext(STILL_IN_ERP_TEXT, fix=fix, button=button, cco=cco, erp="Acumatica", status="")
    return green, t.gettext(STILL_IN_ERP_HEADLINE, erp="Acumatica", cco=cco), red


def test_french_reads_procores_french() -> None:
    green, headline, red = _green_and_red("fr-CA")
    assert "Dissociation réussie" in green
    assert "ODCE #004" in green
    assert "Toujours dans Acumatica" in headline
    assert "toujours dans Acumatica" in red
    assert red.startswith("Contre-passez l'ordre de changement CO000123 dans Acumatica")


@pytest.mark.parametrize(
    ("locale", "unlinked", "still"),
    [
        ("en-US", "Successfully unlinked", "still in Acumatica"),
        ("en-GB", "Successfully unlinked", "still in Acumatica"),
        ("es-419", "Desvincular exitoso", "aún está en Acumatica"),
        ("de-DE", "Verknüpfung erfolgreich aufgehoben", "noch in Acumatica"),
    ],
)
def test_each_language_says_unlinked_and_still_in(locale: str, unlinked: str, still: str) -> None:
    green, _, red = _green_and_red(locale)
    assert unlinked in green
    assert still in red


def test_uk_and_australia_say_variation() -> None:
    for locale in ("en-GB", "en-AU"):
        t = words_for(locale)
        assert t.gettext(CCO_LABEL, number="7") == "CV #7"
        assert t.term(Term.CCO_LONG) == "Commitment Variation"
    assert words_for("en-US").gettext(CCO_LABEL, number="7") == "CCO #7"


def test_plurals_follow_each_language() -> None:
    assert (
        words_for("en-US")
        .ngettext(*RETRY_IN, 1, system="Procore", button="*Unlink*")
        .endswith("1 minute.")
    )
    assert (
        words_for("en-US")
        .ngettext(*RETRY_IN, 4, system="Procore", button="*Unlink*")
        .endswith("4 minutes.")
    )
    assert (
        words_for("fr-CA")
        .ngettext(*RETRY_IN, 1, system="Procore", button="*Unlink*")
        .endswith("1 minute.")
    )
    assert (
        words_for("de-DE")
        .ngettext(*RETRY_IN, 2, system="X", button="*Aufheben*")
        .count("2 Minuten")
        == 1
    )


def test_a_missing_placeholder_is_a_bug_not_a_blank() -> None:
    with pytest.raises(MissingValue):
        words_for("fr-CA").gettext(CCO_LABEL)


def test_an_unknown_msgid_reads_as_the_source() -> None:
    assert words_for("de-DE").gettext("Not in any catalog {x}", x="!") == "Not in any catalog !"


def test_amounts_numbers_and_dates_follow_the_locale() -> None:
    nbsp = str.maketrans({"\u00a0": " ", "\u202f": " "})
    assert words_for("fr-CA").amount(Decimal("12500"), "CAD").translate(nbsp) == "12 500,00 $"
    assert words_for("en-US").amount(12500, "USD") == "$12,500.00"
    assert words_for("de-DE").number(12500.5) == "12.500,5"
    assert words_for("en-GB").day(date(2026, 12, 4)) == "4 Dec 2026"


def test_times_are_slack_date_tokens_in_the_readers_language() -> None:
    at = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)
    fr = words_for("fr-CA").when(at)
    assert fr.startswith(f"<!date^{int(at.timestamp())}^{{date_short_pretty}} à {{time}}|")
    assert fr.endswith(" UTC>")
    assert "at {time}" in words_for("en-US").when(at)


def test_quotes_are_the_languages_own() -> None:
    assert words_for("en-US").quote("x") == "“x”"
    assert words_for("fr-FR").quote("x") == "«\u00a0x\u00a0»"
    assert words_for("de-DE").quote("x") == "„x“"


def test_language_names_are_in_their_own_language() -> None:
    assert words_for("fr-CA").language_name == "français (Canada)"
    assert words_for("es-LA").language_name == "español (Latinoamérica)"
    assert {words_for(locale).locale for locale in SUPPORTED} == set(SUPPORTED)


def test_pseudo_locale_marks_every_message_and_keeps_what_must_work() -> None:
    t = words_for(PSEUDO)
    green = t.gettext(UNLINKED_HEADLINE, cco=t.gettext(CCO_LABEL, number="004"), erp="Acumatica")
    assert green.startswith("⟦") and green.endswith("⟧")
    assert untranslated(green) == []
    assert "Acumatica" in green  # a value, not accented
    assert accent("Run `/cco unlink` for <@U1> {x}") == "Ŕûñ `/cco unlink` föŕ <@U1> {x}"
    assert untranslated(f"{green} · unlinked by <@U1>") == ["unlinked", "by"]


def test_the_channels_language_wins_for_what_the_channel_sees() -> None:
    assert words_for_channel("de-DE", "fr-CA").locale == "de-DE"
    assert words_for_channel(None, "fr-CA").locale == "fr-CA"
    assert words_for_channel(None, None, default="es-419").locale == "es-419"
    assert words_for_channel(None, "pt-BR", default="fr-CA").locale == "fr-CA"
