"""Typed states: stored as the same strings as before the enums, read back as enum members."""

from __future__ import annotations

from sqlalchemy import text

from storage import deliveries, installations
from storage.db import Database
from storage.models import OutboxMessage, UnlinkAttempt
from storage.outbox import thread_reply
from storage.states import AttemptState, InstallationState, OutboxKind
from tests.storage.rows import new_attempt


async def test_states_are_stored_as_their_strings_and_read_back_as_members(db: Database) -> None:
    attempt = new_attempt("R-STATE001")
    async with db.transaction() as s:
        s.add(attempt)
        s.add(thread_reply(attempt, {"text": "hi"}))
    async with db.session() as s:
        raw = (await s.exec(text("SELECT state FROM unlink_attempt"))).one()  # type: ignore[call-overload]
        kind = (await s.exec(text("SELECT kind FROM outbox"))).one()  # type: ignore[call-overload]
        stored = await s.get(UnlinkAttempt, attempt.id)
        message = (await s.exec(text("SELECT id FROM outbox"))).one()  # type: ignore[call-overload]
        reply = await s.get(OutboxMessage, message[0])
    assert (raw[0], kind[0]) == ("claimed", "thread_reply")
    assert stored is not None and stored.state is AttemptState.CLAIMED
    assert reply is not None and reply.kind is OutboxKind.THREAD_REPLY


async def test_rows_written_as_plain_strings_read_back_as_members(db: Database) -> None:
    async with db.transaction() as s:
        await s.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO slack_installation (team_id, state, changed_at) "
                "VALUES ('T1', 'tokens_revoked', CURRENT_TIMESTAMP)"
            )
        )
    async with db.session() as s:
        latest = await installations.latest_installation(session=s)
    assert latest is not None and latest.state is InstallationState.TOKENS_REVOKED


async def test_the_latest_installation_mark_wins(db: Database) -> None:
    for state in (InstallationState.UNINSTALLED, InstallationState.INSTALLED):
        async with db.transaction() as s:
            await installations.mark_installation(session=s, team_id="T1", state=state)
    async with db.session() as s:
        latest = await installations.latest_installation(session=s)
    assert latest is not None and latest.state is InstallationState.INSTALLED


async def test_a_delivery_is_remembered_once(db: Database) -> None:
    first = await deliveries.remember(db=db, key="event:Ev1")
    again = await deliveries.remember(db=db, key="event:Ev1")
    other = await deliveries.remember(db=db, key="event:Ev2")
    assert (first, again, other) == (True, False, True)
