"""Plain words for the app's internal names (outcome kinds, permissions and levels), wherever a
user reads them: card rows, replies, `/cco status` and `/cco history`. No snake_case reaches
Slack. (Why Procore could not be used is said by `handlers.failures`.)"""

from __future__ import annotations

from handlers.blocks.kit import escape
from i18n import Term, Words
from i18n import messages as m
from procore.permissions import CAN_PUSH, COMMITMENTS, ERP_INTEGRATIONS, PermissionCheck


def outcome_words(t: Words, kind: str | None, erp_name: str) -> str:
    """What an attempt's outcome means, in words (`None`: the attempt is still running)."""
    if kind is None:
        return t.gettext(m.OUTCOME_RUNNING)
    return t.gettext(m.OUTCOME_WORDS.get(kind, m.OUTCOME_OTHER), erp=erp_name)


#: Procore's name of each permission check (`procore.permissions`) as a glossary term
_TOOLS = {
    COMMITMENTS: Term.COMMITMENTS,
    ERP_INTEGRATIONS: Term.ERP_INTEGRATIONS,
    CAN_PUSH: Term.CAN_PUSH,
}
#: a level or state as `procore.permissions` names it: a glossary term or a message
_LEVELS: dict[str, Term | str] = {
    "Admin": Term.ADMIN,
    "Standard": Term.STANDARD,
    "Read Only": Term.READ_ONLY,
    "None": Term.NONE,
    "Enabled": m.LEVEL_ENABLED,
    "Not enabled": m.LEVEL_NOT_ENABLED,
}


def tool_words(t: Words, name: str) -> str:
    """One of the three permissions as `procore.permissions` names it, in Procore's words."""
    found = _TOOLS.get(name)
    return t.term(found) if found is not None else escape(name)


def level_words(t: Words, level: str) -> str:
    """A permission level ("Admin", "Read Only", "level 5") in Procore's words for the reader."""
    found = _LEVELS.get(level)
    if isinstance(found, Term):
        return t.term(found)
    if found is not None:
        return t.gettext(found)
    return t.gettext(m.LEVEL_NUMBER, number=escape(level.removeprefix("level ")))


def missing_line(t: Words, check: PermissionCheck, project: str) -> str:
    """A permission the person lacks, with what they have and who can give it (`project` is
    escaped)."""
    actual = level_words(t, check.actual)
    if check.name == COMMITMENTS:
        return t.gettext(m.MISSING_COMMITMENTS, project=project, level=actual)
    if check.name == ERP_INTEGRATIONS:
        return t.gettext(m.MISSING_ERP_INTEGRATIONS, level=actual)
    return t.gettext(m.MISSING_CAN_PUSH)
