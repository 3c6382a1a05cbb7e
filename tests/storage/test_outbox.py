"""Outbox storage: a message is held by one replica at a time until it is delivered."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox
from storage.db import Database
from storage.models import UnlinkAttempt, utcnow


def _attempt(reference: str) -> UnlinkAttempt:
    return UnlinkAttempt(
        reference=reference,
        team_id="T1",
        channel_id="C1",
        card_ts="1.0",
        company_id=10,
        project_id=20,
        cco_id=7,
        cco_number="007",
        slack_user_id="U1",
    )


async def test_a_claimed_message_is_held_until_settled(db: Database) -> None:
    async with db.transaction() as s:
        outbox.add_message(session=s, message=outbox.thread_reply(_attempt("R-OUTBOX01"), {}))
    async with db.session() as s:
        (message,) = await outbox.undelivered_of(session=s, reference="R-OUTBOX01")
    claims = []
    for _ in range(2):
        async with db.transaction() as s:
            claims.append(
                await outbox.claim(
                    session=s, message=message, until=utcnow() + timedelta(minutes=1)
                )
            )
    async with db.transaction() as s:
        await outbox.settle(
            session=s, message=message, delivered=False, retry_at=None, error="Timeout"
        )
    async with db.transaction() as s:
        retried = await outbox.claim(
            session=s, message=message, until=utcnow() + timedelta(minutes=1)
        )
        await outbox.settle(session=s, message=message, delivered=True, retry_at=None, error=None)
    async with db.session() as s:
        owed = await outbox.undelivered(session=s, max_tries=20)
    assert claims == [True, False]
    assert retried
    assert owed == []


async def test_messages_tried_too_often_are_no_longer_owed(db: Database) -> None:
    async with db.transaction() as s:
        outbox.add_message(session=s, message=outbox.thread_reply(_attempt("R-OUTBOX02"), {}))
    async with db.session() as s:
        (message,) = await outbox.undelivered(session=s, max_tries=20)
    async with db.transaction() as s:
        await outbox.claim(session=s, message=message, until=utcnow() - timedelta(seconds=1))
    async with db.session() as s:
        after_one = await outbox.undelivered(session=s, max_tries=1)
        still = await outbox.undelivered(session=s, max_tries=2)
    assert after_one == []
    assert [m.reference for m in still] == ["R-OUTBOX02"]
