"""Webhook events: stored once per key, claimed by one replica at a time, retried after a
failure, and kept only as long as Procore may repeat them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from storage import webhook_events as events
from storage.db import Database
from storage.models import ChannelLink, utcnow
from storage.webhook_events import WebhookEvent

RESOURCE = "Change Order Packages"


def event(key: str, resource_id: int = 7, project_id: int = 101) -> WebhookEvent:
    return WebhookEvent(
        event_key=key,
        project_id=project_id,
        resource_name=RESOURCE,
        resource_id=resource_id,
        event_type="update",
        user_id=55,
    )


async def record(db: Database, key: str, **kwargs: int) -> bool:
    async with db.transaction() as s:
        return await events.record_event(session=s, event=event(key, **kwargs))


async def claim(db: Database, limit: int = 10) -> list[WebhookEvent]:
    async with db.transaction() as s:
        until = utcnow() + timedelta(seconds=30)
        return list(await events.claim_pending(session=s, until=until, limit=limit, max_tries=5))


async def test_a_repeated_delivery_is_stored_once(db: Database) -> None:
    first = await record(db, "01HXULID0000000000000000AA")
    again = await record(db, "01HXULID0000000000000000AA")
    both = await asyncio.gather(*(record(db, "01HXULID0000000000000000BB") for _ in range(4)))
    async with db.session() as s:
        pending = await events.pending_count(session=s, max_tries=5)
    assert (first, again) == (True, False)
    assert sorted(both) == [False, False, False, True]
    assert pending == 2


async def test_a_claimed_event_is_held_until_applied(db: Database) -> None:
    for n in range(3):
        await record(db, f"key-{n}", resource_id=n)
    first = await claim(db, limit=2)
    second = await claim(db)
    third = await claim(db)
    async with db.transaction() as s:
        await events.mark_applied(session=s, ids=[e.id for e in first + second if e.id])
    async with db.session() as s:
        pending = await events.pending_count(session=s, max_tries=5)
    assert [e.resource_id for e in first] == [0, 1]
    assert [e.tries for e in first] == [1, 1]
    assert [e.resource_id for e in second] == [2]
    assert third == []
    assert pending == 0


async def test_a_failed_event_is_retried_when_due(db: Database) -> None:
    await record(db, "key-f")
    (held,) = await claim(db)
    assert held.id is not None
    async with db.transaction() as s:
        await events.mark_failed(
            session=s, ids=[held.id], retry_at=utcnow() + timedelta(hours=1), error="ProcoreDown"
        )
    waiting = await claim(db)
    async with db.transaction() as s:
        await events.mark_failed(
            session=s, ids=[held.id], retry_at=utcnow() - timedelta(seconds=1), error="again"
        )
    (retried,) = await claim(db)
    assert waiting == []
    assert (retried.tries, retried.last_error) == (2, "again")


async def test_two_claims_at_once_share_the_events(db: Database) -> None:
    for n in range(20):
        await record(db, f"race-{n}", resource_id=n)
    batches = await asyncio.gather(*(claim(db, limit=20) for _ in range(4)))
    claimed = [e.resource_id for batch in batches for e in batch]
    assert sorted(claimed) == list(range(20))


async def test_linked_projects_and_forgetting(db: Database) -> None:
    async with db.transaction() as s:
        s.add(
            ChannelLink(team_id="T1", channel_id="C1", company_id=9, project_id=101, linked_by="U1")
        )
    await record(db, "old", project_id=101)
    (held,) = await claim(db)
    async with db.transaction() as s:
        await events.mark_applied(session=s, ids=[held.id or 0])
        linked = await events.linked_projects(session=s, company_id=9, project_ids=[101, 202])
        other = await events.linked_projects(session=s, company_id=8, project_ids=[101])
        await events.forget_applied_events(session=s, keep=timedelta(hours=-1), max_tries=5)
    repeat = await record(db, "old", project_id=101)
    assert (linked, other) == ({101}, set())
    assert repeat is True  # forgotten: a delivery this late would be stored again


async def test_an_event_given_up_on_is_not_pending_and_is_forgotten(db: Database) -> None:
    await record(db, "given-up")
    await record(db, "failing", resource_id=8)
    for _ in range(5):  # the claim's max_tries: the first is tried no more after this
        for held in await claim(db):
            async with db.transaction() as s:
                await events.mark_failed(
                    session=s, ids=[held.id or 0], retry_at=utcnow(), error="ProcoreDown"
                )
        async with db.transaction() as s:  # the second is not due again before the end
            await events.mark_failed(
                session=s,
                ids=[
                    e.id or 0
                    for e in (await s.exec(select(WebhookEvent))).all()
                    if e.event_key == "failing"
                ],
                retry_at=utcnow() + timedelta(hours=1),
                error="ProcoreDown",
            )
    async with db.transaction() as s:
        pending = await events.pending_count(session=s, max_tries=5)
        kept = await events.forget_applied_events(session=s, keep=timedelta(hours=24), max_tries=5)
        dropped = await events.forget_applied_events(
            session=s, keep=timedelta(hours=-2), max_tries=5
        )
        left = [e.event_key for e in (await s.exec(select(WebhookEvent))).all()]
    assert await claim(db) == []
    assert pending == 1  # "failing" still waits for its retry
    assert (kept, dropped) == (0, 1)
    assert left == ["failing"]
