"""When a holder loses its attempt's lease (it stalled past the lease and a recovering replica
took over): it says nothing and writes nothing more, but never hides what it did. Its loss is
audited; a Procore write of its that landed after the loss is logged, audited and reconciled:
once the new holder has recorded the outcome, Procore is read again, and an outcome that says
"not unlinked" about a link the late write cleared is corrected in the record and in the thread.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from erp.base import ErpRecord
from flows.outbox import deliver_reference
from flows.outcomes import Unlinked
from flows.services import Services
from procore.errors import ProcoreError
from procore.models import Cco
from storage import attempts, audit, outbox
from storage.models import UnlinkAttempt
from storage.states import AttemptState

log = structlog.get_logger("cco.lease")

#: how often the late writer looks whether the new holder has recorded the outcome
_POLL_SECONDS = 0.2


async def record_lease_lost(svc: Services, attempt: UnlinkAttempt) -> None:
    """Audit that this holder stopped because its lease was taken over or finished (best
    effort: the process that holds the lease now owns the answer, whatever happens here)."""
    try:
        async with svc.db.transaction() as s:
            event = audit.audit_for(attempt, "lease_lost", detail={"state": attempt.state})
            audit.add_event(session=s, event=event)
    except Exception:
        log.warning("unlink.lease_lost_not_audited", reference=attempt.reference, exc_info=True)


async def reconcile_late_write(
    svc: Services, attempt: UnlinkAttempt, cco: Cco, record: ErpRecord
) -> None:
    """Procore accepted this holder's write after its lease was lost. Log and audit it; then,
    when the new holder's recorded outcome contradicts what Procore now shows, correct it."""
    log.error("unlink.written_after_lease_lost", reference=attempt.reference, cco_id=cco.id)
    async with svc.db.transaction() as s:
        event = audit.audit_for(attempt, "written_after_lease_lost", detail={"cco_id": cco.id})
        audit.add_event(session=s, event=event)
    finished = await _finished(svc, attempt.reference, 2 * svc.policy.lease.total_seconds())
    if finished is None:
        # Still open: whoever finishes it re-reads Procore after this write, so it sees it.
        log.warning("unlink.late_write_left_to_recovery", reference=attempt.reference)
        return
    if finished.state == AttemptState.UNLINKED:
        return
    try:
        fresh = await svc.procore.get_cco(cco.project_id, cco.id)
    except ProcoreError as exc:
        log.error("unlink.late_write_unreconciled", reference=attempt.reference, error=repr(exc))
        return
    if fresh.synced:
        return  # the late write did not clear the link after all: the recorded answer stands
    await _correct(svc, finished, Unlinked(fresh, svc.erp.info, record))


async def _finished(svc: Services, reference: str, wait: float) -> UnlinkAttempt | None:
    deadline = time.monotonic() + wait
    while True:
        async with svc.db.session() as s:
            attempt = await attempts.get_attempt(session=s, reference=reference)
        if attempt is not None and attempt.finished_at is not None:
            return attempt
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(_POLL_SECONDS)


async def _correct(svc: Services, attempt: UnlinkAttempt, outcome: Unlinked) -> None:
    message = svc.messenger.outcome_message(outcome, attempt)
    async with svc.db.transaction() as s:
        if not await attempts.correct_to_unlinked(session=s, attempt=attempt):
            return
        detail = {"kind": outcome.kind, "recorded": attempt.outcome}
        event = audit.audit_for(attempt, "reconciled", outcome.kind, detail)
        audit.add_event(session=s, event=event)
        outbox.add_message(session=s, message=outbox.thread_reply(attempt, message))
    log.warning("unlink.reconciled", reference=attempt.reference, recorded=attempt.outcome)
    await deliver_reference(svc, attempt.reference)
    await svc.messenger.refresh_card(attempt.channel_id, attempt.card_ts)
