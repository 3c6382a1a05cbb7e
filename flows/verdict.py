"""The order in which an unlink click's checks decide its answer, as pure functions.

The unlink pipeline (`flows.unlink`) runs its reads and hands what they returned to these
functions; the playground's "what the next click does" (`flows.foresight`) hands them
what the stand-ins would return. One copy of the rules, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from erp.base import (
    ErpBadResponse,
    ErpError,
    ErpInfo,
    ErpLookup,
    ErpMisconfigured,
    ErpParentUnknown,
    ErpRecord,
    ErpUnreachable,
    RecordState,
)
from flows.outcomes import (
    Failed,
    Misconfigured,
    NotApplicable,
    NotCommitmentCco,
    NotErpIntegrated,
    NotSynced,
    Outcome,
    ParentUnknownInErp,
    StillInErp,
    Unreachable,
)
from flows.services import DirectoryUnavailable
from procore.errors import (
    ProcoreBadResponse,
    ProcoreError,
    ProcoreUnreachable,
)
from procore.models import Cco, Commitment, PermissionSnapshot, Project

log = structlog.get_logger("cco.unlink")


@dataclass(frozen=True)
class Proceed:
    """Every check passed: the sync link may be cleared."""

    cco: Cco
    record: ErpRecord


#: what identify + authorize returned (a snapshot only when all three permissions pass)
Who = PermissionSnapshot | Outcome | BaseException
#: what load + ERP check returned
What = tuple[Cco, ErpRecord] | Outcome | BaseException


def before_erp(
    erp: ErpInfo, cco: Cco, project: Project, commitment: Commitment | None
) -> Outcome | None:
    """Whether the package is one the ERP is asked about at all; None when it is."""
    if not project.is_erp_integrated:
        return NotErpIntegrated(project.name)
    if cco.is_prime_contract_change_order or commitment is None:
        return NotCommitmentCco(cco.number)
    if not cco.synced or cco.origin_id is None:
        return NotSynced(cco, erp)
    return None


def after_erp(erp: ErpInfo, cco: Cco, record: ErpRecord) -> tuple[Cco, ErpRecord] | Outcome:
    """The ERP's answer as the load step returns it."""
    if record.state is RecordState.UNREACHABLE:
        return Unreachable(erp.name)
    return cco, record


def verdict(erp: ErpInfo, who: Who, what: What) -> Outcome | Proceed:
    """The answer to a click: the ERP's policy first, then who clicked (identity, then the three
    permissions), then what the package and the ERP say, then whether the record is gone."""
    if not erp.syncs_ccos:
        return NotApplicable(erp)
    if isinstance(who, BaseException):
        return outcome_of_error(who)
    if not isinstance(who, PermissionSnapshot):
        return who
    if isinstance(what, ErpParentUnknown):
        return ParentUnknownInErp(erp, what.commitment, what.project)
    if isinstance(what, BaseException):
        return outcome_of_error(what)
    if not isinstance(what, tuple):
        return what
    cco, record = what
    if not erp.allows_unlink(record.state):
        return StillInErp(cco, erp, record)
    return Proceed(cco, record)


def outcome_of_error(error: BaseException) -> Outcome:
    """What an exception from a read means for the clicker."""
    if isinstance(error, ErpMisconfigured):
        return Misconfigured(error.system, error.reason)
    if isinstance(error, ErpBadResponse):
        return Misconfigured(error.system, f"unexpected answer: {error.reason}")
    if isinstance(error, ErpUnreachable):
        return Unreachable(error.system, error.retry_after)
    if isinstance(error, ErpError):
        return Unreachable(error.system)
    if isinstance(error, ProcoreUnreachable):
        return Unreachable("Procore", error.retry_after, isinstance(error, ProcoreBadResponse))
    if isinstance(error, ProcoreError):  # its auth, rights or any other refusal of the app
        return Misconfigured("Procore", str(error))
    if isinstance(error, DirectoryUnavailable):
        return Unreachable("Slack")
    if isinstance(error, Exception):
        log.error("unlink.unexpected", error=repr(error))
        return Failed()
    raise error


def erp_lookup(cco: Cco, commitment: Commitment, project: Project) -> ErpLookup:
    """What the ERP is asked about a synced commitment CCO: its key, and the keys and labels of
    its commitment and project that the evidence rule needs."""
    assert cco.origin_id is not None
    return ErpLookup(
        origin_id=cco.origin_id,
        cco_number=cco.number,
        cco_title=cco.title,
        commitment_origin_id=commitment.origin_id,
        commitment_number=commitment.number,
        line_item_origin_ids=cco.line_item_origin_ids,
        project_origin_id=project.origin_id,
        project_name=project.name,
    )
