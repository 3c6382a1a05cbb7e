"""Finishing attempts whose process died: after the lease runs out, another process (or the same
one after a restart) re-reads Procore to learn whether the sync link was cleared, records the one
final outcome and delivers its reply."""

from __future__ import annotations

from datetime import timedelta

import structlog

from erp.base import ErpRecord, RecordState
from flows import observe
from flows.outbox import deliver_pending
from flows.outcomes import CcoGone, Interrupted, Outcome
from flows.requests import expire_due
from flows.services import Services, tenant_company
from flows.unlink import confirmed_outcome, record_outcome
from procore.errors import ProcoreError, ProcoreNotFound
from storage import attempts, audit, deliveries
from storage.models import UnlinkAttempt, utcnow
from storage.states import AttemptState

log = structlog.get_logger("cco.recovery")

#: how long a Slack delivery's key is remembered for spotting duplicates
SEEN_KEPT = timedelta(days=1)


async def recover_abandoned(svc: Services) -> int:
    """Finish every abandoned attempt this process can take over; return how many it finished."""
    async with svc.db.session() as s:
        abandoned = await attempts.abandoned_attempts(
            session=s, now=utcnow(), company_id=tenant_company(svc.policy)
        )
    finished = 0
    for attempt in abandoned:
        async with svc.db.transaction() as s:
            if not await attempts.take_over(session=s, attempt=attempt, lease=svc.policy.lease):
                continue
        if await finish_taken_over(svc, attempt):
            finished += 1
    return finished


async def finish_taken_over(svc: Services, attempt: UnlinkAttempt) -> bool:
    """Finish an attempt whose lease this process took over (`attempts.take_over`, which fenced
    the previous holder out): re-read Procore, record the one outcome, deliver its reply."""
    outcome = await _outcome_of(svc, attempt)
    if outcome is None:
        return False  # Procore did not answer: the lease runs out again and we retry
    log.info("recovery.finishing", reference=attempt.reference, outcome=outcome.kind)
    if not await record_outcome(svc, attempt, outcome):
        return False
    observe.recovered(outcome.kind)
    return True


async def _outcome_of(svc: Services, attempt: UnlinkAttempt) -> Outcome | None:
    try:
        cco = await svc.procore.get_cco(attempt.project_id, attempt.cco_id)
    except ProcoreNotFound:
        return CcoGone(attempt.cco_number)
    except ProcoreError as exc:
        log.warning("recovery.procore_unreachable", reference=attempt.reference, error=repr(exc))
        return None
    if attempt.state == AttemptState.UNLINKING and not cco.synced:
        # the same check as after a live write: green only when Procore shows it unsynced
        return confirmed_outcome(svc, cco, await _checked_record(svc, attempt))
    return Interrupted(attempt.cco_number)


async def _checked_record(svc: Services, attempt: UnlinkAttempt) -> ErpRecord:
    """The ERP answer the dead process recorded before it wrote to Procore."""
    async with svc.db.session() as s:
        event = await audit.last_event(session=s, reference=attempt.reference, event="erp_checked")
    if event is None:
        return ErpRecord(RecordState.DELETED, attempt.cco_number)
    return ErpRecord(
        RecordState(event.outcome or RecordState.DELETED.value),
        str(event.detail.get("erp_reference") or attempt.cco_number),
        event.detail.get("erp_status"),
    )


async def sweep(svc: Services) -> None:
    """One pass of the background work every replica does: recover, then deliver what is owed."""
    await recover_abandoned(svc)
    await deliver_pending(svc)
    await expire_due(svc)
    async with svc.db.transaction() as s:
        await deliveries.forget_seen_deliveries(session=s, keep=SEEN_KEPT)
