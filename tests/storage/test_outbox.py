"""Outbox storage: a message is held by one replica at a time until it is delivered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flows.outbox import deliver_pending
from flows.services import Policy, Services
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage, utcnow
from tests.storage.rows import new_attempt


async def test_a_claimed_message_is_held_until_settled(db: Database) -> None:
    async with db.transaction() as s:
        outbox.add_message(session=s, message=outbox.thread_reply(new_attempt("R-OUTBOX01"), {}))
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
        outbox.add_message(session=s, message=outbox.thread_reply(new_attempt("R-OUTBOX02"), {}))
    async with db.session() as s:
        (message,) = await outbox.undelivered(session=s, max_tries=20)
    async with db.transaction() as s:
        await outbox.claim(session=s, message=message, until=utcnow() - timedelta(seconds=1))
    async with db.session() as s:
        after_one = await outbox.undelivered(session=s, max_tries=1)
        still = await outbox.undelivered(session=s, max_tries=2)
    assert after_one == []
    assert [m.reference for m in still] == ["R-OUTBOX02"]


class _OtherReplicaMeanwhile:
    """A messenger that notes the tries of each message it is given; while it delivers the
    first, another replica tries the second (a post that timed out) and lets go of it."""

    def __init__(self, db: Database, second: OutboxMessage) -> None:
        self.db, self.second = db, second
        self.seen: list[tuple[str, int]] = []

    async def deliver(self, message: OutboxMessage) -> None:
        self.seen.append((message.reference, message.tries))
        if message.reference != self.second.reference:
            async with self.db.transaction() as s:
                until = utcnow() + timedelta(minutes=1)
                await outbox.claim(session=s, message=self.second, until=until)
                past = utcnow() - timedelta(seconds=1)
                await outbox.settle(
                    session=s, message=self.second, delivered=False, retry_at=past, error="Timeout"
                )


async def test_a_delivery_knows_of_a_try_made_since_its_batch_was_read(db: Database) -> None:
    """The sweep reads a batch, then claims and posts its messages one by one: a message tried
    elsewhere meanwhile reaches the messenger with that try counted (so it looks in the thread
    before posting again), not as the batch read it."""
    async with db.transaction() as s:
        for reference in ("R-OUTBOX03", "R-OUTBOX04"):
            outbox.add_message(session=s, message=outbox.thread_reply(new_attempt(reference), {}))
    async with db.session() as s:
        (_, second) = await outbox.undelivered(session=s, max_tries=20)
    messenger = _OtherReplicaMeanwhile(db, second)
    nothing = cast(Any, None)
    services = Services(
        db=db,
        procore=nothing,
        erp=nothing,
        keys=nothing,
        directory=nothing,
        messenger=cast(Any, messenger),
        policy=Policy(company_id=10),
    )
    assert await deliver_pending(services) == 2
    assert messenger.seen == [("R-OUTBOX03", 1), ("R-OUTBOX04", 2)]
