"""The gettext catalogs: `.po` files read at start-up into `babel.support.Translations`.

Why read `.po` and not ship compiled `.mo` files: the README's install is `pip install -e .`,
and an editable install runs no build step a setuptools hook could use reliably; committing
`.mo` files would let them drift from their `.po`. Babel reads each `.po` (`read_po`) and
writes it, in memory, in the `.mo` form the standard `gettext` machinery loads (`write_mo`):
no format of our own, and well under a second for every locale at start-up.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from i18n.negotiate import PSEUDO, SUPPORTED
from i18n.pseudo import pseudo_catalog

DOMAIN = "messages"


def _locales_dir() -> str:
    return str(files("i18n") / "locales")


def catalog_id(locale: str) -> str:
    """The catalog folder of `locale`: Babel's spelling ("fr-CA" → "fr_CA")."""
    return locale.replace("-", "_")


def read_template() -> Catalog:
    """The source messages (`i18n/locales/messages.pot`, written by `pybabel extract`)."""
    with open(f"{_locales_dir()}/{DOMAIN}.pot", "rb") as fileobj:
        return read_po(fileobj, domain=DOMAIN)


def read_catalog(locale: str) -> Catalog:
    """The `.po` catalog of one supported locale."""
    path = f"{_locales_dir()}/{catalog_id(locale)}/LC_MESSAGES/{DOMAIN}.po"
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=catalog_id(locale), domain=DOMAIN)


def _translations(catalog: Catalog) -> Translations:
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # a fuzzy entry is not a translation yet
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


@cache
def translations(locale: str) -> Translations:
    """The loaded catalog of `locale` (one of `SUPPORTED`, or the pseudo-locale)."""
    if locale == PSEUDO:
        return _translations(pseudo_catalog(read_template()))
    if locale not in SUPPORTED:
        raise KeyError(f"no catalog for {locale!r}")
    return _translations(read_catalog(locale))


def load_all() -> None:
    """Read every catalog now (start-up), so a broken `.po` stops the app, not a reply."""
    for locale in (*SUPPORTED, PSEUDO):
        translations(locale)
