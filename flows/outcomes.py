"""Every final answer to an unlink click is one of these typed values (never an exception).

Each type's `kind` (what the audit and the logs record) is a class constant: no caller can
construct an outcome that claims another kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from erp.base import ErpInfo, ErpRecord
from procore.models import Cco
from procore.permissions import PermissionCheck
from storage.states import AttemptState


@dataclass(frozen=True)
class Unlinked:
    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    kind: ClassVar[str] = "unlinked"


@dataclass(frozen=True)
class StillInErp:
    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    kind: ClassVar[str] = "still_in_erp"


@dataclass(frozen=True)
class PermissionDenied:
    user_name: str
    project_name: str
    missing: tuple[PermissionCheck, ...]
    kind: ClassVar[str] = "permission_denied"


@dataclass(frozen=True)
class UnknownUser:
    """No usable email in Slack, no Procore user with it, or the Procore user is inactive."""

    email: str | None
    inactive: bool = False
    kind: ClassVar[str] = "unknown_user"


@dataclass(frozen=True)
class NotLinked:
    """Linking is required (or the link stopped working) and this person has no live link."""

    reconnect: bool = False
    kind: ClassVar[str] = "not_linked"


@dataclass(frozen=True)
class NotSynced:
    """The CCO carries no origin_id any more (already unlinked, maybe outside Slack)."""

    cco: Cco
    erp: ErpInfo
    unlinked_by: str | None = None
    unlinked_at: datetime | None = None
    kind: ClassVar[str] = "not_synced"


@dataclass(frozen=True)
class CcoGone:
    """Procore no longer has the change order package (deleted, or not visible to the app)."""

    cco_number: str
    kind: ClassVar[str] = "cco_gone"


@dataclass(frozen=True)
class NotApplicable:
    erp: ErpInfo
    kind: ClassVar[str] = "not_applicable"


@dataclass(frozen=True)
class Unreachable:
    """A system did not answer usefully: nothing was changed, the user may retry. `unreadable`:
    it did answer, with something the app could not read (not the reply "could not be reached")."""

    system: str
    retry_after: float | None = None
    unreadable: bool = False
    kind: ClassVar[str] = "unreachable"


@dataclass(frozen=True)
class Misconfigured:
    """The app's own credentials or permissions at `system` need an administrator."""

    system: str
    reason: str
    kind: ClassVar[str] = "misconfigured"


@dataclass(frozen=True)
class ParentUnknownInErp:
    """The ERP has no record of the CCO and does not know its commitment or project either: the
    app may be pointed at the wrong company (or key format), so absence proved nothing and
    nothing was changed. `commitment` / `project` are labels such as "SC-001 (SC000501)"."""

    erp: ErpInfo
    commitment: str | None
    project: str | None
    kind: ClassVar[str] = "erp_parent_unknown"


@dataclass(frozen=True)
class ProcoreRefused:
    """Procore answered the sync-clearing call with an error for the item."""

    cco: Cco
    reason: str
    kind: ClassVar[str] = "procore_refused"


@dataclass(frozen=True)
class NotErpIntegrated:
    """The CCO's project is not ERP-integrated in Procore: its CCOs are not the ERP's to unlink."""

    project_name: str
    kind: ClassVar[str] = "not_erp_integrated"


@dataclass(frozen=True)
class NotCommitmentCco:
    """The package is not a commitment's change order (a prime contract's, or its commitment is
    not a work order or purchase order the app can read): only commitment CCOs are unlinked."""

    cco_number: str
    kind: ClassVar[str] = "not_commitment_cco"


@dataclass(frozen=True)
class UnlinkUnconfirmed:
    """Procore accepted the sync-clearing call, but reading the package back does not show it
    unsynced (`still_synced`), or could not be done: never reported as unlinked."""

    cco: Cco
    erp: ErpInfo
    record: ErpRecord
    still_synced: bool = True
    kind: ClassVar[str] = "unlink_unconfirmed"


@dataclass(frozen=True)
class Interrupted:
    """The process working on the attempt stopped before Procore changed; another finished it."""

    cco_number: str
    kind: ClassVar[str] = "interrupted"


@dataclass(frozen=True)
class Failed:
    """An unexpected error inside the app; the reference id leads to the server log."""

    kind: ClassVar[str] = "failed"


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


def attempt_state(outcome: Outcome) -> AttemptState:
    """The final state: unlinked, refused (a check said no) or failed (nothing learned)."""
    if isinstance(outcome, Unlinked):
        return AttemptState.UNLINKED
    if isinstance(
        outcome,
        Unreachable | Misconfigured | ParentUnknownInErp | UnlinkUnconfirmed | Interrupted | Failed,
    ):
        return AttemptState.FAILED
    return AttemptState.REFUSED
