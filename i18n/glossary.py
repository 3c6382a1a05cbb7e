"""Procore's own words, per locale: what a Procore admin sees in Procore in that language.

One table, so that an admin can match what the app says to Procore's screens and help pages.
Sources: Procore's "Unlink CCOs Synced with ERP" page in each support site
(support.procore.com, en-gb.…, fr-ca.…, es.… for Latin-American Spanish) and the German and
French FAQ pages on ERP Integrations and Commitments. Terms no published Procore page confirmed
are listed in `ASSUMPTIONS`, in one place, to be checked against a tenant in that language.

The catalogs (`i18n/locales/*/LC_MESSAGES/messages.po`) use these words; a unit test holds them
together (a message that names a term in English names the locale's term in its translation).
"""

from __future__ import annotations

from enum import StrEnum


class Term(StrEnum):
    CCO = "cco"  # the abbreviation
    CCO_LONG = "cco_long"  # the full name
    COMMITMENTS = "commitments"  # the project tool
    ERP_INTEGRATIONS = "erp_integrations"  # the company tool
    ADMIN = "admin"  # permission level
    STANDARD = "standard"  # permission level
    READ_ONLY = "read_only"  # permission level
    NONE = "none"  # permission level
    CAN_PUSH = "can_push"  # the Company Directory privilege
    UNLINK = "unlink"  # Procore's button
    UNLINKED = "unlinked"  # Procore's green message
    STILL_IN = "still_in"  # Procore's red message, "{erp}" is the ERP's name
    COMPANY_DIRECTORY = "company_directory"


_EN_US: dict[Term, str] = {
    Term.CCO: "CCO",
    Term.CCO_LONG: "Commitment Change Order",
    Term.COMMITMENTS: "Commitments",
    Term.ERP_INTEGRATIONS: "ERP Integrations",
    Term.ADMIN: "Admin",
    Term.STANDARD: "Standard",
    Term.READ_ONLY: "Read Only",
    Term.NONE: "None",
    Term.CAN_PUSH: "Can Push to Accounting",
    Term.UNLINK: "Unlink",
    Term.UNLINKED: "Successfully unlinked",
    Term.STILL_IN: "still in {erp}",
    Term.COMPANY_DIRECTORY: "Company Directory",
}

_EN_GB = _EN_US | {
    # en-gb.support.procore.com: "Unlink CVs Synced with ERP", "Commitment Variation (CV)"
    Term.CCO: "CV",
    Term.CCO_LONG: "Commitment Variation",
}

_FR_CA: dict[Term, str] = {
    # fr-ca.support.procore.com: « Dissocier les ODCE synchronisés avec l'ERP »
    Term.CCO: "ODCE",
    Term.CCO_LONG: "ordre de changement à l'engagement",
    Term.COMMITMENTS: "Engagements",
    Term.ERP_INTEGRATIONS: "Intégrations ERP",
    Term.ADMIN: "Admin",
    Term.STANDARD: "Standard",
    Term.READ_ONLY: "Lecture seule",
    Term.NONE: "Aucun",
    Term.CAN_PUSH: "Peut transmettre à la comptabilité",
    Term.UNLINK: "Dissocier",
    Term.UNLINKED: "Dissociation réussie",
    Term.STILL_IN: "toujours dans {erp}",
    Term.COMPANY_DIRECTORY: "Répertoire de la compagnie",
}

_FR_FR = _FR_CA | {
    # fr.support.procore.com says « entreprise » where fr-CA says « compagnie »
    Term.COMPANY_DIRECTORY: "Répertoire de l'entreprise",
}

_ES_419: dict[Term, str] = {
    # es.support.procore.com: "Desvincular OCC sincronizados con ERP"
    Term.CCO: "OCC",
    Term.CCO_LONG: "orden de cambio del contrato",
    Term.COMMITMENTS: "Contratos",
    Term.ERP_INTEGRATIONS: "Integraciones ERP",
    Term.ADMIN: "Administrador",
    Term.STANDARD: "Estándar",
    Term.READ_ONLY: "Solo lectura",
    Term.NONE: "Ninguno",
    Term.CAN_PUSH: "Puede enviar a contabilidad",
    Term.UNLINK: "Desvincular",
    Term.UNLINKED: "Desvincular exitoso",
    Term.STILL_IN: "aún está en {erp}",
    Term.COMPANY_DIRECTORY: "Directorio de compañía",
}

_DE_DE: dict[Term, str] = {
    # de.support.procore.com: the Commitments tool is « Sekundärverträge », ERP Integrations
    # « ERP-Integrationen »; "Verknüpfung aufheben" is how its pages say unlink
    Term.CCO: "CCO",
    Term.CCO_LONG: "Änderungsauftrag zum Sekundärvertrag",
    Term.COMMITMENTS: "Sekundärverträge",
    Term.ERP_INTEGRATIONS: "ERP-Integrationen",
    Term.ADMIN: "Admin",
    Term.STANDARD: "Standard",
    Term.READ_ONLY: "Nur Lesen",
    Term.NONE: "Keine",
    Term.CAN_PUSH: "Kann an Buchhaltung übertragen",
    Term.UNLINK: "Verknüpfung aufheben",
    Term.UNLINKED: "Verknüpfung erfolgreich aufgehoben",
    Term.STILL_IN: "noch in {erp}",
    Term.COMPANY_DIRECTORY: "Unternehmensverzeichnis",
}

GLOSSARY: dict[str, dict[Term, str]] = {
    "en-US": _EN_US,
    "en-GB": _EN_GB,
    "en-AU": _EN_GB,
    "fr-CA": _FR_CA,
    "fr-FR": _FR_FR,
    "es-419": _ES_419,
    "de-DE": _DE_DE,
}

#: terms no published Procore page in that language confirmed (checked December 2026); each is
#: our best reading of Procore's other pages in that language, to be confirmed on a tenant
ASSUMPTIONS: dict[str, tuple[Term, ...]] = {
    "en-AU": (Term.CCO, Term.CCO_LONG),  # en-au.… legacy pages still say CCO; en-GB says CV
    "fr-FR": (Term.CCO, Term.CCO_LONG),  # only fr-CA publishes the unlink page (ODCE)
    "de-DE": (
        Term.CCO,  # no German CCO page found; Procore's abbreviation kept
        Term.CCO_LONG,
        Term.CAN_PUSH,
        Term.UNLINKED,
        Term.STILL_IN,
        Term.NONE,
    ),
    "es-419": (Term.NONE,),
}


def term(locale: str, key: Term) -> str:
    """Procore's word for `key` in `locale` (the source's word when the locale has none)."""
    return GLOSSARY.get(locale, _EN_US).get(key, _EN_US[key])
