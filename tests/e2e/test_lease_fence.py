"""The attempt lease is fenced (issue 10, point 8): a holder whose lease a recovering replica took
over (it stalled past its lease) can neither renew it, record the Procore write, write to
Procore, nor finish the attempt; the thread gets exactly one answer. A Procore write already in
flight when the lease was lost is logged, audited and reconciled, never hidden."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlmodel import col, select

from flows.lease import renew_lease
from flows.recovery import finish_taken_over
from sandbox.faults import FaultRule
from sandbox.slack.world import SlackMessage
from storage import attempts
from storage.models import AuditEvent, UnlinkAttempt
from storage.states import AttemptState
from tests.e2e.rig import SYNC_WRITE, TOWER_A, Rig, attachment_color, text_of

#: the ERP check of CCO #002 (Acumatica's ChangeOrder list)
CHANGE_ORDER_READ = r"/entity/.+/ChangeOrder$"
#: long enough for the test to take the lease over while the first holder waits
STALL = 1.5


async def _the_attempt(rig: Rig, where: Callable[[UnlinkAttempt], bool]) -> UnlinkAttempt:
    deadline = time.monotonic() + 10
    while True:
        async with rig.runtime.db.session() as s:
            rows = (await s.exec(select(UnlinkAttempt))).all()
        found = [a for a in rows if where(a)]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "no such attempt"
        await asyncio.sleep(0.02)


async def _events(rig: Rig, reference: str) -> list[str]:
    async with rig.runtime.db.session() as s:
        query = select(AuditEvent).where(AuditEvent.reference == reference)
        return [e.event for e in (await s.exec(query.order_by(col(AuditEvent.id)))).all()]


async def _take_over(rig: Rig, attempt: UnlinkAttempt) -> UnlinkAttempt:
    """What a second replica does with an attempt it believes abandoned."""
    taken = _copy(attempt)
    async with rig.runtime.db.transaction() as s:
        assert await attempts.take_over(
            session=s, attempt=taken, lease=rig.runtime.services.policy.lease
        )
    assert taken.lease_token != attempt.lease_token
    return taken


def _copy(attempt: UnlinkAttempt) -> UnlinkAttempt:
    return UnlinkAttempt.model_validate(attempt.model_dump())


def _origin(rig: Rig) -> str | None:
    return rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "002")]].origin_id


async def _click_002(rig: Rig) -> SlackMessage:
    await rig.link()
    card = await rig.card()
    delivery = await rig.click_unlink(card, "002")
    assert delivery.status == 200, delivery.body
    return card


async def test_a_holder_fenced_out_mid_check_cannot_renew_write_or_finish(rig: Rig) -> None:
    rig.stack.erp.faults.add(FaultRule(path=CHANGE_ORDER_READ, method="GET", delay=STALL, times=1))
    card = await _click_002(rig)
    first = await _the_attempt(rig, lambda a: a.cco_number == "002")
    assert first.lease_token and first.finished_at is None

    taken = await _take_over(rig, first)  # while the first holder waits for the ERP

    # The first holder's token no longer renews the lease, nor finishes the attempt.
    assert first.id is not None and first.lease_token is not None
    lease = rig.runtime.services.policy.lease
    assert not await renew_lease(rig.runtime.db, first.id, first.lease_token, lease)
    stale = _copy(first)
    attempts.finish(stale, AttemptState.UNLINKED, "unlinked", None)
    async with rig.runtime.db.transaction() as s:
        assert not await attempts.finish_if_active(session=s, attempt=stale)

    # When the ERP answers, the first holder stops before Procore and says nothing.
    deadline = time.monotonic() + 10
    while "lease_lost" not in await _events(rig, first.reference):
        assert time.monotonic() < deadline, await _events(rig, first.reference)
        await asyncio.sleep(0.05)
    assert rig.procore_writes() == 0
    assert rig.replies(card) == []

    # The replica that took over re-reads Procore and posts the one answer.
    assert await finish_taken_over(rig.runtime.services, taken)
    reply = await rig.reply(card)
    await asyncio.sleep(0.5)
    assert len(rig.replies(card)) == 1, [text_of(r) for r in rig.replies(card)]
    assert attachment_color(reply) == "danger"
    assert "interrupted" in text_of(reply) and f"`{first.reference}`" in text_of(reply)
    assert rig.procore_writes() == 0 and _origin(rig) is not None
    events = await _events(rig, first.reference)
    assert "erp_checked" not in events  # the fenced holder recorded no Procore write
    assert events.count("finished") == 1


async def test_a_write_that_lands_after_the_lease_was_lost_is_audited_and_reconciled(
    rig: Rig,
) -> None:
    rig.stack.procore.faults.add(FaultRule(path=SYNC_WRITE, method="PATCH", delay=STALL, times=1))
    card = await _click_002(rig)
    writing = await _the_attempt(rig, lambda a: a.state == "unlinking")
    await rig.until(lambda: rig.procore_writes() == 1, limit=5)  # arrived, not yet applied

    # A second replica takes over while the write is in flight; Procore still shows the link.
    taken = await _take_over(rig, writing)
    assert await finish_taken_over(rig.runtime.services, taken)
    first_answer = await rig.reply(card)
    assert "interrupted" in text_of(first_answer)

    # The write lands after all: the late writer logs and audits it, and corrects the answer.
    corrected = await rig.reply(card, count=2)
    assert _origin(rig) is None
    assert attachment_color(corrected) == "good", text_of(corrected)
    assert "Successfully unlinked CCO #002" in text_of(corrected)
    events = await _events(rig, writing.reference)
    assert "written_after_lease_lost" in events and "reconciled" in events
    async with rig.runtime.db.session() as s:
        final = await attempts.get_attempt(session=s, reference=writing.reference)
    assert final is not None and final.state == "unlinked"
    await asyncio.sleep(0.5)
    assert len(rig.replies(card)) == 2
