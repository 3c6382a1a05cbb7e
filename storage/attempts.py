"""Unlink attempts: the claim (one active attempt per CCO), the fenced lease, the final state.
Callers own the transaction and pass its `session`, except `claim_attempt`, whose insert is
decided by the unique index and read back in a session of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.audit import audit_for
from storage.db import Database
from storage.models import UnlinkAttempt, utcnow
from storage.states import AttemptState


class AttemptBusy(Exception):
    """Another attempt on the same CCO is still active."""

    def __init__(self, active: UnlinkAttempt | None) -> None:
        super().__init__("an unlink of this CCO is already in progress")
        self.active = active


async def claim_attempt(
    *, db: Database, attempt: UnlinkAttempt, once_per_card: bool = False
) -> UnlinkAttempt:
    """Insert `attempt` as the CCO's one active attempt, or raise `AttemptBusy`.

    The partial unique index decides between concurrent claims, on any replica. With
    `once_per_card`, a claim after another attempt already unlinked the CCO from the same card is
    busy too (its `active` is that finished attempt), decided in the same transaction.
    """
    try:
        async with db.transaction() as s:
            s.add(attempt)
            await s.flush()  # the unique index decides here; a finished rival is visible after
            done = await unlinked_from_card(session=s, attempt=attempt) if once_per_card else None
            if done is not None:
                s.expunge(done)  # keeps its loaded fields through the rollback
                raise AttemptBusy(done)  # rolls the claim back
            s.add(audit_for(attempt, "claimed"))
    except IntegrityError:
        # The rival that took the unique index may have finished by the time this reads back
        # (issue 16): then it is the newest attempt on the CCO, no longer the active one.
        async with db.session() as s:
            holder = await holder_of(
                session=s, company_id=attempt.company_id, cco_id=attempt.cco_id
            )
            raise AttemptBusy(holder) from None
    return attempt


async def holder_of(*, session: AsyncSession, company_id: int, cco_id: int) -> UnlinkAttempt | None:
    """The attempt that holds the CCO: the active one, else the one that finished last."""
    active = await active_attempt(session=session, company_id=company_id, cco_id=cco_id)
    if active is not None:
        return active
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.cco_id == cco_id)
        .order_by(col(UnlinkAttempt.finished_at).desc(), col(UnlinkAttempt.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def unlinked_from_card(
    *, session: AsyncSession, attempt: UnlinkAttempt
) -> UnlinkAttempt | None:
    """Another attempt that already unlinked `attempt`'s CCO from the same card."""
    query = select(UnlinkAttempt).where(
        UnlinkAttempt.channel_id == attempt.channel_id,
        UnlinkAttempt.card_ts == attempt.card_ts,
        UnlinkAttempt.cco_id == attempt.cco_id,
        UnlinkAttempt.state == AttemptState.UNLINKED,
        col(UnlinkAttempt.id) != attempt.id,
    )
    return (await session.exec(query)).first()


async def active_attempt(
    *, session: AsyncSession, company_id: int, cco_id: int
) -> UnlinkAttempt | None:
    query = select(UnlinkAttempt).where(
        UnlinkAttempt.company_id == company_id,
        UnlinkAttempt.cco_id == cco_id,
        col(UnlinkAttempt.finished_at).is_(None),
    )
    return (await session.exec(query)).first()


async def get_attempt(*, session: AsyncSession, reference: str) -> UnlinkAttempt | None:
    query = select(UnlinkAttempt).where(UnlinkAttempt.reference == reference)
    return (await session.exec(query)).first()


async def latest_attempts(
    *, session: AsyncSession, company_id: int, cco_ids: Iterable[int]
) -> dict[int, UnlinkAttempt]:
    """The latest attempt on each of the CCOs that has one."""
    ids = list(cco_ids)
    if not ids:
        return {}
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, col(UnlinkAttempt.cco_id).in_(ids))
        .order_by(col(UnlinkAttempt.created_at).asc(), col(UnlinkAttempt.id).asc())
    )
    latest: dict[int, UnlinkAttempt] = {}
    for attempt in (await session.exec(query)).all():
        latest[attempt.cco_id] = attempt
    return latest


async def project_attempts(
    *, session: AsyncSession, company_id: int, project_id: int, limit: int | None = None
) -> Sequence[UnlinkAttempt]:
    """The project's attempts, newest first."""
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.project_id == project_id)
        .order_by(col(UnlinkAttempt.created_at).desc(), col(UnlinkAttempt.id).desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return (await session.exec(query)).all()


async def last_unlinked(
    *, session: AsyncSession, company_id: int, cco_id: int
) -> UnlinkAttempt | None:
    """The latest attempt that unlinked the CCO (None when it was unlinked outside this app)."""
    query = (
        select(UnlinkAttempt)
        .where(
            UnlinkAttempt.company_id == company_id,
            UnlinkAttempt.cco_id == cco_id,
            UnlinkAttempt.state == AttemptState.UNLINKED,
        )
        .order_by(col(UnlinkAttempt.finished_at).desc(), col(UnlinkAttempt.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def known_cco_number(*, session: AsyncSession, company_id: int, cco_id: int) -> str | None:
    """The CCO number an earlier attempt recorded, for labels when Procore is slow."""
    query = (
        select(UnlinkAttempt.cco_number)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.cco_id == cco_id)
        .limit(1)
    )
    return (await session.exec(query)).first()


async def request_attempts(*, session: AsyncSession, request_id: int) -> Sequence[UnlinkAttempt]:
    query = select(UnlinkAttempt).where(col(UnlinkAttempt.request_id) == request_id)
    return (await session.exec(query)).all()


async def abandoned_attempts(
    *, session: AsyncSession, now: datetime, company_id: int | None = None
) -> Sequence[UnlinkAttempt]:
    """Unfinished attempts whose lease ran out before `now` (their process died); with
    `company_id`, only that tenant's."""
    query = select(UnlinkAttempt).where(
        col(UnlinkAttempt.finished_at).is_(None), col(UnlinkAttempt.lease_until) < now
    )
    if company_id is not None:
        query = query.where(col(UnlinkAttempt.company_id) == company_id)
    return (await session.exec(query)).all()


# -- state and lease -------------------------------------------------------------------------


def advance(attempt: UnlinkAttempt, state: AttemptState, lease: timedelta | None = None) -> None:
    now = utcnow()
    attempt.state = state
    attempt.updated_at = now
    if lease is not None:
        attempt.lease_until = now + lease


def new_lease_token() -> str:
    """A fencing token for one holder of an attempt's lease (see `UnlinkAttempt.lease_token`)."""
    return secrets.token_hex(16)


def _holds_lease(attempt: UnlinkAttempt) -> Any:
    """SQL: the row is unfinished and its lease is still `attempt`'s (its token unchanged)."""
    return (
        (col(UnlinkAttempt.id) == attempt.id)
        & col(UnlinkAttempt.finished_at).is_(None)
        & col(UnlinkAttempt.lease_token).is_not_distinct_from(attempt.lease_token)
    )


async def renew_lease(
    *, session: AsyncSession, attempt_id: int, token: str, duration: timedelta
) -> bool:
    """Extend the lease of an unfinished attempt held with `token`; False when the attempt is
    finished already or another process took the lease over."""
    stmt = (
        update(UnlinkAttempt)
        .where(
            col(UnlinkAttempt.id) == attempt_id,
            col(UnlinkAttempt.finished_at).is_(None),
            col(UnlinkAttempt.lease_token) == token,
        )
        .values(lease_until=utcnow() + duration)
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def mark_unlinking(
    *, session: AsyncSession, attempt: UnlinkAttempt, lease: timedelta
) -> bool:
    """Record, right before the Procore write, that it is about to happen (and extend the
    lease); False, writing nothing, when this holder no longer holds the lease."""
    advance(attempt, AttemptState.UNLINKING, lease)
    return await _write_if_holding(
        session, attempt, "state", "updated_at", "lease_until", "procore_user_id"
    )


def finish(attempt: UnlinkAttempt, state: AttemptState, outcome: str, detail: str | None) -> None:
    advance(attempt, state)
    attempt.outcome = outcome
    attempt.detail = detail
    attempt.finished_at = attempt.updated_at


async def finish_if_active(*, session: AsyncSession, attempt: UnlinkAttempt) -> bool:
    """Write the attempt's final state unless another process finished it first or took its
    lease over (then that process owns the outcome)."""
    return await _write_if_holding(
        session,
        attempt,
        "state",
        "outcome",
        "detail",
        "procore_user_id",
        "updated_at",
        "finished_at",
    )


async def _write_if_holding(session: AsyncSession, attempt: UnlinkAttempt, *columns: str) -> bool:
    """Write `columns` of `attempt` as they are on it, unless its holder no longer holds the
    lease (`_holds_lease`); True when the row was written."""
    values = {column: getattr(attempt, column) for column in columns}
    stmt = update(UnlinkAttempt).where(_holds_lease(attempt)).values(**values)
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def take_over(*, session: AsyncSession, attempt: UnlinkAttempt, lease: timedelta) -> bool:
    """Claim an abandoned attempt for recovery; only one process wins. The winner's new token
    (set on `attempt`) fences the previous holder out: it can no longer renew, mark the Procore
    write or finish."""
    token, until = new_lease_token(), utcnow() + lease
    stmt = (
        update(UnlinkAttempt)
        .where(
            col(UnlinkAttempt.id) == attempt.id,
            col(UnlinkAttempt.finished_at).is_(None),
            col(UnlinkAttempt.lease_until) == attempt.lease_until,
        )
        .values(lease_until=until, lease_token=token)
    )
    result: Any = await session.exec(stmt)
    if not result.rowcount:
        return False
    attempt.lease_token, attempt.lease_until = token, until
    return True


async def correct_to_unlinked(*, session: AsyncSession, attempt: UnlinkAttempt) -> bool:
    """A finished attempt's record said "not unlinked", but Procore shows the link cleared (a
    write that landed after its holder lost the lease): make the record say what happened."""
    stmt = (
        update(UnlinkAttempt)
        .where(
            col(UnlinkAttempt.id) == attempt.id,
            col(UnlinkAttempt.finished_at).is_not(None),
            col(UnlinkAttempt.state) != AttemptState.UNLINKED,
        )
        .values(state=AttemptState.UNLINKED, outcome="unlinked", updated_at=utcnow())
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)
