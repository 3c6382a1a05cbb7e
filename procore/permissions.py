"""The three Procore permissions an unlink needs, and the remedy for each one that is missing.

Procore documents no endpoint that returns another user's rights, so the client reads the user's
permission templates (see `ProcoreClient.read_permissions`); this module judges what was read.
"""

from __future__ import annotations

from dataclasses import dataclass

from procore.models import PermissionSnapshot


@dataclass(frozen=True)
class PermissionKeys:
    """Where the two tool levels live in a template's `user_access_levels`, and the level ids.

    Not publicly documented: the tool keys are Procore's internal tool names and the level ids
    are those seen in Procore's permission manifest examples (4 Admin, 3 Standard, 2 Read Only).
    Settings can correct them for a real tenant without a code change.
    """

    commitments_tool: str = "commitments"
    erp_integrations_tool: str = "erp_integrations"
    admin_level: int = 4
    standard_level: int = 3


DEFAULT_KEYS = PermissionKeys()

LEVEL_NAMES: dict[int, str] = {4: "Admin", 3: "Standard", 2: "Read Only", 0: "None"}

COMMITMENTS = "Commitments"
ERP_INTEGRATIONS = "ERP Integrations"
CAN_PUSH = "Can Push to Accounting"


@dataclass(frozen=True)
class PermissionCheck:
    """One of the three checks: Procore's name for it, what is required, what the user has."""

    name: str
    required: str
    actual: str
    ok: bool
    #: what to do about it, in a sentence the user can act on (None when `ok`)
    remedy: str | None


def level_name(level: int, keys: PermissionKeys = DEFAULT_KEYS) -> str:
    if level == keys.admin_level:
        return "Admin"
    if level == keys.standard_level:
        return "Standard"
    return LEVEL_NAMES.get(level, "None" if level <= 0 else f"level {level}")


def _commitments(level: int, keys: PermissionKeys, project_name: str) -> PermissionCheck:
    actual = level_name(level, keys)
    ok = level == keys.admin_level
    remedy = (
        None
        if ok
        else f"You need Admin on {COMMITMENTS} in project '{project_name}' — you have {actual}. "
        f"Ask a project admin of '{project_name}' to give you Admin on {COMMITMENTS}."
    )
    return PermissionCheck(COMMITMENTS, "Admin", actual, ok, remedy)


def _erp_integrations(level: int, keys: PermissionKeys) -> PermissionCheck:
    actual = level_name(level, keys)
    ok = level in (keys.standard_level, keys.admin_level)
    remedy = (
        None
        if ok
        else f"You need Standard or Admin on {ERP_INTEGRATIONS} for the company — you have "
        f"{actual}. Ask a Procore company admin to raise it."
    )
    return PermissionCheck(ERP_INTEGRATIONS, "Standard or Admin", actual, ok, remedy)


def _can_push(enabled: bool) -> PermissionCheck:
    remedy = (
        None
        if enabled
        else f"'{CAN_PUSH}' is not enabled for your Procore account. It must be enabled by "
        "Procore — ask your Procore admin to request it from Procore."
    )
    actual = "Enabled" if enabled else "Not enabled"
    return PermissionCheck(CAN_PUSH, "Enabled", actual, enabled, remedy)


def evaluate(
    snapshot: PermissionSnapshot, keys: PermissionKeys, project_name: str
) -> list[PermissionCheck]:
    """The three checks, always in this order: Commitments, ERP Integrations, Can Push."""
    return [
        _commitments(snapshot.commitments_level, keys, project_name),
        _erp_integrations(snapshot.erp_integrations_level, keys),
        _can_push(snapshot.can_push_to_accounting),
    ]
