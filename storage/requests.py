"""Unlink requests: opened by someone without the permissions, closed once by an approver, a
denial, expiry or Slack refusing the message. Callers own the transaction and pass its
`session`, except `open_request`, whose insert is decided by the unique index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import UnlinkRequest, utcnow
from storage.states import RequestStatus

#: the largest id a request can have: its key is an INTEGER (32 bits on PostgreSQL)
MAX_ID = 2**31 - 1


class AlreadyPending(Exception):
    """The CCO has a pending request already (one per CCO)."""

    def __init__(self, pending: UnlinkRequest) -> None:
        super().__init__("an unlink of this CCO is already requested")
        self.pending = pending


async def open_request(*, db: Database, request: UnlinkRequest) -> UnlinkRequest:
    """Insert a pending request in a transaction of its own, or raise `AlreadyPending` with the
    CCO's pending one (the partial unique index decides, on any replica)."""
    try:
        async with db.transaction() as s:
            s.add(request)
    except IntegrityError:
        async with db.session() as s:
            existing = await pending_request(
                session=s, company_id=request.company_id, cco_id=request.cco_id
            )
        if existing is None:
            raise
        raise AlreadyPending(existing) from None
    return request


async def get_request(*, session: AsyncSession, request_id: int) -> UnlinkRequest | None:
    """The request with this id; None for an id no row can have (a button's value is read up to
    a BIGINT, and PostgreSQL refuses a larger number than its INTEGER key in a query)."""
    if not 0 < request_id <= MAX_ID:
        return None
    return await session.get(UnlinkRequest, request_id)


async def request_by_reference(*, session: AsyncSession, reference: str) -> UnlinkRequest | None:
    query = select(UnlinkRequest).where(col(UnlinkRequest.reference) == reference).limit(1)
    return (await session.exec(query)).first()


async def pending_request(
    *, session: AsyncSession, company_id: int, cco_id: int
) -> UnlinkRequest | None:
    query = select(UnlinkRequest).where(
        UnlinkRequest.company_id == company_id,
        UnlinkRequest.cco_id == cco_id,
        UnlinkRequest.status == RequestStatus.PENDING,
    )
    return (await session.exec(query)).first()


async def attach_message(*, session: AsyncSession, request_id: int, message_ts: str) -> None:
    """Remember the request's message in the card's thread (its buttons go when it closes)."""
    request = await get_request(session=session, request_id=request_id)
    if request is not None:
        request.message_ts = message_ts
        session.add(request)


async def decide_request(
    *,
    session: AsyncSession,
    request_id: int,
    status: RequestStatus,
    decided_by: str | None,
    reason: str | None,
    attempt_reference: str | None = None,
) -> bool:
    """Close a pending request; False when it was closed already (first decision wins)."""
    if not 0 < request_id <= MAX_ID:
        return False
    stmt = (
        update(UnlinkRequest)
        .where(
            col(UnlinkRequest.id) == request_id,
            col(UnlinkRequest.status) == RequestStatus.PENDING,
        )
        .values(
            status=status,
            decided_by=decided_by,
            decision_reason=reason,
            attempt_reference=attempt_reference,
            decided_at=utcnow(),
        )
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def own_requests(
    *, session: AsyncSession, team_id: str, requester: str, limit: int
) -> Sequence[UnlinkRequest]:
    """The requests `requester` made, newest first."""
    return await _newest(
        session,
        limit,
        col(UnlinkRequest.team_id) == team_id,
        col(UnlinkRequest.requester) == requester,
    )


async def open_requests(
    *, session: AsyncSession, team_id: str, company_id: int, now: datetime, limit: int
) -> Sequence[UnlinkRequest]:
    """The company's requests still pending and not yet expired at `now`, newest first."""
    return await _newest(
        session,
        limit,
        col(UnlinkRequest.team_id) == team_id,
        col(UnlinkRequest.company_id) == company_id,
        col(UnlinkRequest.status) == RequestStatus.PENDING,
        col(UnlinkRequest.expires_at) > now,
    )


async def due_requests(
    *, session: AsyncSession, now: datetime, limit: int, company_id: int | None = None
) -> Sequence[UnlinkRequest]:
    """Pending requests whose time ran out by `now`, newest first; with `company_id`, only
    that tenant's."""
    conditions = [
        col(UnlinkRequest.status) == RequestStatus.PENDING,
        col(UnlinkRequest.expires_at) <= now,
    ]
    if company_id is not None:
        conditions.append(col(UnlinkRequest.company_id) == company_id)
    return await _newest(session, limit, *conditions)


async def _newest(session: AsyncSession, limit: int, *conditions: Any) -> Sequence[UnlinkRequest]:
    query = (
        select(UnlinkRequest)
        .where(*conditions)
        .order_by(col(UnlinkRequest.created_at).desc(), col(UnlinkRequest.id).desc())
        .limit(limit)
    )
    return (await session.exec(query)).all()
