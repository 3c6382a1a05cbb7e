"""French elision before a value (`i18n.elision`): « d'Acumatica », « de Xero », in every French
message that says « de {erp} », for every ERP the app speaks to."""

from __future__ import annotations

import re

import pytest

from erp.registry import SYSTEMS, info_for
from handlers.blocks.replies import system_name
from i18n import messages as m
from i18n import words_for
from i18n.catalogs import read_catalog
from i18n.elision import elide, vowel_sound

#: how each ERP in scope is introduced by « de » (the decision in `i18n.elision`)
EXPECTED = {
    "Acumatica": "d'Acumatica",
    "MYOB Advanced": "de MYOB Advanced",
    "CMiC": "de CMiC",
    "Xero": "de Xero",
    "Workday": "de Workday",
    "Yardi Voyager": "de Yardi Voyager",
    "MRI": "de MRI",
    "QuickBooks Online": "de QuickBooks Online",
    "NetSuite": "de NetSuite",
    "votre ERP": "de votre ERP",  # the integration bridge, said in the reader's words
}


def erp_names(locale: str) -> set[str]:
    t = words_for(locale)
    return {system_name(t, info_for(system).name) for system in SYSTEMS}


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR"])
def test_every_erp_in_scope_is_introduced_as_decided(locale: str) -> None:
    t = words_for(locale)
    assert erp_names(locale) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        headline = t.gettext(m.NOT_UNLINKED_HEADLINE, erp=name, cco="ODCE #004")
        assert headline == f"*Non dissocié {expected}* — ODCE #004"


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR"])
def test_no_french_message_leaves_de_before_a_vowel(locale: str) -> None:
    """Every French template with « de {x} » or « que {x} », filled with « Acumatica »: never
    « de Acumatica » (the catalogs keep the plain form; `Words` elides)."""
    t = words_for(locale)
    checked = 0
    for message in read_catalog(locale):
        if not message.id or isinstance(message.id, tuple):
            continue
        names = re.findall(r"\b(?:de|que) [*_]?\{(\w+)\}", message.string or "")
        if not names:
            continue
        values = {name: "Acumatica" for name in re.findall(r"\{(\w+)\}", message.id)}
        said = t.gettext(message.id, **values)
        assert not re.search(r"\b(?:de|que) [*_]?Acumatica", said), said
        checked += 1
    assert checked > 5


def test_english_and_other_languages_are_left_alone() -> None:
    for locale in ("en-US", "es-419", "de-DE"):
        said = words_for(locale).gettext(m.NOT_UNLINKED_HEADLINE, erp="Acumatica", cco="#4")
        assert "'Acumatica" not in said


def test_elide_keeps_placeholders_and_reads_markup() -> None:
    assert elide("Non dissocié de *{erp}*", {"erp": "Acumatica"}) == "Non dissocié d'*{erp}*"
    assert elide("en tant que {name}", {"name": "Émilie"}) == "en tant qu'{name}"
    assert elide("De {erp} :", {"erp": "Oracle"}) == "D'{erp} :"
    assert elide("code {erp}", {"erp": "Acumatica"}) == "code {erp}"
    assert elide("de {user}", {"user": "<@U1>"}) == "de {user}"
    assert not vowel_sound("Hotel") and not vowel_sound("8 ODCE") and vowel_sound("*Éclair*")
