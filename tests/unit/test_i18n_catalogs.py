"""The catalogs: every locale translates every source message, keeps its placeholders exactly,
uses Procore's own words (i18n.glossary), and the template is what the source marks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from erp.registry import SYSTEMS
from i18n import SOURCE, SUPPORTED, Term
from i18n.catalogs import read_catalog, read_template
from i18n.glossary import ASSUMPTIONS, GLOSSARY
from i18n.messages import ERP_FIXES
from i18n.words import placeholders

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [locale for locale in SUPPORTED if locale != SOURCE]
TEMPLATE = read_template()
SOURCE_IDS = {m.id for m in TEMPLATE if m.id}


def _forms(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return [str(s) for s in strings]


def _ids(message: Message) -> list[str]:
    return [str(i) for i in message.id] if isinstance(message.id, tuple | list) else [message.id]


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_locale_has_every_message_and_no_other(locale: str) -> None:
    catalog = read_catalog(locale)
    assert {m.id for m in catalog if m.id} == SOURCE_IDS


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated_and_not_fuzzy(locale: str) -> None:
    untranslated = [m.id for m in read_catalog(locale) if m.id and (m.fuzzy or not all(_forms(m)))]
    assert untranslated == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_exactly_the_source_placeholders(locale: str) -> None:
    wrong = []
    for message in read_catalog(locale):
        if not message.id:
            continue
        wanted = placeholders(_ids(message)[0])
        wrong += [(message.id, form) for form in _forms(message) if placeholders(form) != wanted]
    assert wrong == []


def test_plural_source_forms_share_placeholders() -> None:
    for message in TEMPLATE:
        if message.pluralizable:
            singular, plural = _ids(message)
            assert placeholders(singular) == placeholders(plural)


#: the glossary terms a translation must use wherever the source names them
CHECKED = (
    Term.CCO,
    Term.COMMITMENTS,
    Term.ERP_INTEGRATIONS,
    Term.CAN_PUSH,
    Term.ADMIN,
    Term.STANDARD,
    Term.UNLINK,
    Term.UNLINKED,
    Term.STILL_IN,
)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_use_procores_own_words(locale: str) -> None:
    source, local = GLOSSARY[SOURCE], GLOSSARY[locale]
    missing = []
    for message in read_catalog(locale):
        for key in CHECKED:
            if not message.id or not re.search(rf"\b{re.escape(source[key])}\b", _ids(message)[0]):
                continue
            missing += [(key, form) for form in _forms(message) if local[key] not in form]
    assert missing == []


def test_glossary_has_every_term_for_every_locale_and_assumptions_name_real_ones() -> None:
    for locale in SUPPORTED:
        assert set(GLOSSARY[locale]) == set(Term), locale
    for locale, terms in ASSUMPTIONS.items():
        assert locale in SUPPORTED
        assert set(terms) <= set(Term)


def test_french_uses_the_seed_pages_words() -> None:
    fr = GLOSSARY["fr-CA"]
    assert fr[Term.CCO] == "ODCE"
    assert fr[Term.UNLINKED] == "Dissociation réussie"
    assert fr[Term.CAN_PUSH] == "Peut transmettre à la comptabilité"
    assert GLOSSARY["en-GB"][Term.CCO_LONG] == "Commitment Variation"


def test_every_erps_fix_is_in_the_catalog() -> None:
    """An ERP's English fix is a msgid: changing it in erp/ without the catalog fails here."""
    from erp.registry import info_for

    templates = {info_for(system).fix_template for system in SYSTEMS}
    with_fix = {t for t in templates if "{reference}" in t}
    assert with_fix <= set(ERP_FIXES)
    assert set(ERP_FIXES) <= SOURCE_IDS


def test_the_template_is_what_the_source_marks() -> None:
    """`make messages` was run after the last message change (docs/messages.md)."""
    keywords = {**DEFAULT_KEYWORDS, "Nn_": (1, 2)}
    found: set[str] = set()
    for package in ("i18n", "handlers", "flows", "bot"):
        for _, _, msgid, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=keywords
        ):
            found.add(msgid if isinstance(msgid, str) else msgid[0])
    assert found == {m if isinstance(m, str) else m[0] for m in SOURCE_IDS}
