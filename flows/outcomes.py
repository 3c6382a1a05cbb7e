"""Every final answer to an unlink click is one of these typed values (never an exception)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erp.base import ErpInfo, ErpRecord
from procore.models import Cco
from procore.permissions import PermissionCheck


@dataclass(frozen=True)
class Unlinked:
    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    kind: str = "unlinked"


@dataclass(frozen=True)
class StillInErp:
    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    kind: str = "still_in_erp"


@dataclass(frozen=True)
class PermissionDenied:
    user_name: str
    project_name: str
    missing: tuple[PermissionCheck, ...]
    kind: str = "permission_denied"


@dataclass(frozen=True)
class UnknownUser:
    """No usable email in Slack, no Procore user with it, or the Procore user is inactive."""

    email: str | None
    inactive: bool = False
    kind: str = "unknown_user"


@dataclass(frozen=True)
class NotLinked:
    """Linking is required (or the link stopped working) and this person has no live link."""

    reconnect: bool = False
    kind: str = "not_linked"


@dataclass(frozen=True)
class NotSynced:
    """The CCO carries no origin_id any more (already unlinked, maybe outside Slack)."""

    cco: Cco
    erp: ErpInfo
    unlinked_by: str | None = None
    unlinked_at: datetime | None = None
    kind: str = "not_synced"


@dataclass(frozen=True)
class CcoGone:
    """Procore no longer has the change order package (deleted, or not visible to the app)."""

    cco_number: str
    kind: str = "cco_gone"


@dataclass(frozen=True)
class NotApplicable:
    erp: ErpInfo
    kind: str = "not_applicable"


@dataclass(frozen=True)
class Unreachable:
    """A system did not answer usefully: nothing was changed, the user may retry."""

    system: str
    retry_after: float | None = None
    kind: str = "unreachable"


@dataclass(frozen=True)
class Misconfigured:
    """The app's own credentials or permissions at `system` need an administrator."""

    system: str
    reason: str
    kind: str = "misconfigured"


@dataclass(frozen=True)
class ParentUnknownInErp:
    """The ERP has no record of the CCO and does not know its commitment or project either: the
    app may be pointed at the wrong company (or key format), so absence proved nothing and
    nothing was changed. `commitment` / `project` are labels such as "SC-001 (SC000501)"."""

    erp: ErpInfo
    commitment: str | None
    project: str | None
    kind: str = "erp_parent_unknown"


@dataclass(frozen=True)
class ProcoreRefused:
    """Procore answered the sync-clearing call with an error for the item."""

    cco: Cco
    reason: str
    kind: str = "procore_refused"


@dataclass(frozen=True)
class NotErpIntegrated:
    """The CCO's project is not ERP-integrated in Procore: its CCOs are not the ERP's to unlink."""

    project_name: str
    kind: str = "not_erp_integrated"


@dataclass(frozen=True)
class NotCommitmentCco:
    """The package is not a commitment's change order (a prime contract's, or its commitment is
    not a work order or purchase order the app can read): only commitment CCOs are unlinked."""

    cco_number: str
    kind: str = "not_commitment_cco"


@dataclass(frozen=True)
class UnlinkUnconfirmed:
    """Procore accepted the sync-clearing call, but reading the package back does not show it
    unsynced (`still_synced`), or could not be done: never reported as unlinked."""

    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    still_synced: bool = True
    kind: str = "unlink_unconfirmed"


@dataclass(frozen=True)
class Interrupted:
    """The process working on the attempt stopped before Procore changed; another finished it."""

    cco_number: str
    kind: str = "interrupted"


@dataclass(frozen=True)
class Failed:
    """An unexpected error inside the app; the reference id leads to the server log."""

    kind: str = "failed"


Outcome = (
    Unlinked
    | StillInErp
    | PermissionDenied
    | UnknownUser
    | NotLinked
    | NotSynced
    | CcoGone
    | NotApplicable
    | Unreachable
    | Misconfigured
    | ParentUnknownInErp
    | ProcoreRefused
    | NotErpIntegrated
    | NotCommitmentCco
    | UnlinkUnconfirmed
    | Interrupted
    | Failed
)


def is_success(outcome: Outcome) -> bool:
    return isinstance(outcome, Unlinked)


def attempt_state(outcome: Outcome) -> str:
    """The final state: unlinked, refused (a check said no) or failed (nothing learned)."""
    if isinstance(outcome, Unlinked):
        return "unlinked"
    if isinstance(
        outcome,
        Unreachable | Misconfigured | ParentUnknownInErp | UnlinkUnconfirmed | Interrupted | Failed,
    ):
        return "failed"
    return "refused"
