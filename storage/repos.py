"""Small async repository functions. Callers own the transaction (`Database.transaction()`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import (
    AuditEvent,
    Card,
    ChannelLink,
    OutboxMessage,
    SeenDelivery,
    SlackInstallation,
    UnlinkAttempt,
    UnlinkRequest,
    UserLink,
    utcnow,
)
from storage.states import AttemptState, OutboxKind

# -- channel and user links ------------------------------------------------------------------


async def get_channel_link(s: AsyncSession, team_id: str, channel_id: str) -> ChannelLink | None:
    query = select(ChannelLink).where(
        ChannelLink.team_id == team_id, ChannelLink.channel_id == channel_id
    )
    return (await s.exec(query)).first()


async def channel_links(s: AsyncSession, company_id: int) -> Sequence[ChannelLink]:
    """The company's channel links, the latest linked first."""
    query = (
        select(ChannelLink)
        .where(ChannelLink.company_id == company_id)
        .order_by(col(ChannelLink.linked_at).desc())
    )
    return (await s.exec(query)).all()


async def save_channel_link(s: AsyncSession, link: ChannelLink) -> ChannelLink:
    existing = await get_channel_link(s, link.team_id, link.channel_id)
    if existing is None:
        s.add(link)
        return link
    existing.company_id = link.company_id
    existing.project_id = link.project_id
    existing.project_name = link.project_name
    existing.linked_by = link.linked_by
    existing.linked_at = utcnow()
    s.add(existing)
    return existing


async def get_user_link(s: AsyncSession, team_id: str, slack_user_id: str) -> UserLink | None:
    query = select(UserLink).where(
        UserLink.team_id == team_id, UserLink.slack_user_id == slack_user_id
    )
    return (await s.exec(query)).first()


async def save_user_link(
    s: AsyncSession, team_id: str, slack_user_id: str, procore_user_id: int, email: str
) -> None:
    link = await get_user_link(s, team_id, slack_user_id)
    if link is None:
        link = UserLink(team_id=team_id, slack_user_id=slack_user_id, procore_user_id=0, email="")
    link.procore_user_id = procore_user_id
    link.email = email
    link.checked_at = utcnow()
    s.add(link)


# -- cards -------------------------------------------------------------------------------------


async def get_card(s: AsyncSession, channel_id: str, message_ts: str) -> Card | None:
    query = select(Card).where(Card.channel_id == channel_id, Card.message_ts == message_ts)
    return (await s.exec(query)).first()


async def cards_posted_at(s: AsyncSession, stamps: Iterable[str]) -> Sequence[Card]:
    return (await s.exec(select(Card).where(col(Card.message_ts).in_(list(stamps))))).all()


# -- attempts ----------------------------------------------------------------------------------


class AttemptBusy(Exception):
    """Another attempt on the same CCO is still active."""

    def __init__(self, active: UnlinkAttempt | None) -> None:
        super().__init__("an unlink of this CCO is already in progress")
        self.active = active


async def claim_attempt(
    db: Database, attempt: UnlinkAttempt, *, once_per_card: bool = False
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
            done = await unlinked_from_card(s, attempt) if once_per_card else None
            if done is not None:
                s.expunge(done)  # keeps its loaded fields through the rollback
                raise AttemptBusy(done)  # rolls the claim back
            s.add(audit_for(attempt, "claimed"))
    except IntegrityError:
        # The rival that took the unique index may have finished by the time this reads back
        # (issue 16): then it is the newest attempt on the CCO, no longer the active one.
        async with db.session() as s:
            raise AttemptBusy(await holder_of(s, attempt.company_id, attempt.cco_id)) from None
    return attempt


async def holder_of(s: AsyncSession, company_id: int, cco_id: int) -> UnlinkAttempt | None:
    """The attempt that holds the CCO: the active one, else the one that finished last."""
    active = await active_attempt(s, company_id, cco_id)
    if active is not None:
        return active
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.cco_id == cco_id)
        .order_by(col(UnlinkAttempt.finished_at).desc(), col(UnlinkAttempt.id).desc())
        .limit(1)
    )
    return (await s.exec(query)).first()


async def unlinked_from_card(s: AsyncSession, attempt: UnlinkAttempt) -> UnlinkAttempt | None:
    """Another attempt that already unlinked `attempt`'s CCO from the same card."""
    query = select(UnlinkAttempt).where(
        UnlinkAttempt.channel_id == attempt.channel_id,
        UnlinkAttempt.card_ts == attempt.card_ts,
        UnlinkAttempt.cco_id == attempt.cco_id,
        UnlinkAttempt.state == "unlinked",
        col(UnlinkAttempt.id) != attempt.id,
    )
    return (await s.exec(query)).first()


async def active_attempt(s: AsyncSession, company_id: int, cco_id: int) -> UnlinkAttempt | None:
    query = select(UnlinkAttempt).where(
        UnlinkAttempt.company_id == company_id,
        UnlinkAttempt.cco_id == cco_id,
        col(UnlinkAttempt.finished_at).is_(None),
    )
    return (await s.exec(query)).first()


async def get_attempt(s: AsyncSession, reference: str) -> UnlinkAttempt | None:
    query = select(UnlinkAttempt).where(UnlinkAttempt.reference == reference)
    return (await s.exec(query)).first()


async def latest_attempts(
    s: AsyncSession, company_id: int, cco_ids: Iterable[int]
) -> dict[int, UnlinkAttempt]:
    ids = list(cco_ids)
    if not ids:
        return {}
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, col(UnlinkAttempt.cco_id).in_(ids))
        .order_by(col(UnlinkAttempt.created_at).asc(), col(UnlinkAttempt.id).asc())
    )
    latest: dict[int, UnlinkAttempt] = {}
    for attempt in (await s.exec(query)).all():
        latest[attempt.cco_id] = attempt
    return latest


async def project_attempts(
    s: AsyncSession, company_id: int, project_id: int, limit: int | None = None
) -> Sequence[UnlinkAttempt]:
    query = (
        select(UnlinkAttempt)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.project_id == project_id)
        .order_by(col(UnlinkAttempt.created_at).desc(), col(UnlinkAttempt.id).desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return (await s.exec(query)).all()


async def last_unlinked(s: AsyncSession, company_id: int, cco_id: int) -> UnlinkAttempt | None:
    """The latest attempt that unlinked the CCO (None when it was unlinked outside this app)."""
    query = (
        select(UnlinkAttempt)
        .where(
            UnlinkAttempt.company_id == company_id,
            UnlinkAttempt.cco_id == cco_id,
            UnlinkAttempt.state == "unlinked",
        )
        .order_by(col(UnlinkAttempt.finished_at).desc(), col(UnlinkAttempt.id).desc())
        .limit(1)
    )
    return (await s.exec(query)).first()


async def known_cco_number(s: AsyncSession, company_id: int, cco_id: int) -> str | None:
    """The CCO number an earlier attempt recorded, for labels when Procore is slow."""
    query = (
        select(UnlinkAttempt.cco_number)
        .where(UnlinkAttempt.company_id == company_id, UnlinkAttempt.cco_id == cco_id)
        .limit(1)
    )
    return (await s.exec(query)).first()


async def request_attempts(s: AsyncSession, request_id: int) -> Sequence[UnlinkAttempt]:
    query = select(UnlinkAttempt).where(col(UnlinkAttempt.request_id) == request_id)
    return (await s.exec(query)).all()


def advance(attempt: UnlinkAttempt, state: str, lease: timedelta | None = None) -> None:
    now = utcnow()
    attempt.state = AttemptState(state)
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


async def mark_unlinking(s: AsyncSession, attempt: UnlinkAttempt, lease: timedelta) -> bool:
    """Record, right before the Procore write, that it is about to happen (and extend the
    lease); False, writing nothing, when this holder no longer holds the lease."""
    advance(attempt, "unlinking", lease)
    stmt = (
        update(UnlinkAttempt)
        .where(_holds_lease(attempt))
        .values(
            state=attempt.state,
            updated_at=attempt.updated_at,
            lease_until=attempt.lease_until,
            procore_user_id=attempt.procore_user_id,
        )
    )
    result: Any = await s.exec(stmt)
    return bool(result.rowcount)


def finish(attempt: UnlinkAttempt, state: str, outcome: str, detail: str | None) -> None:
    advance(attempt, state)
    attempt.outcome = outcome
    attempt.detail = detail
    attempt.finished_at = attempt.updated_at


async def finish_if_active(s: AsyncSession, attempt: UnlinkAttempt) -> bool:
    """Write the attempt's final state unless another process finished it first or took its
    lease over (then that process owns the outcome)."""
    stmt = (
        update(UnlinkAttempt)
        .where(_holds_lease(attempt))
        .values(
            state=attempt.state,
            outcome=attempt.outcome,
            detail=attempt.detail,
            procore_user_id=attempt.procore_user_id,
            updated_at=attempt.updated_at,
            finished_at=attempt.finished_at,
        )
    )
    result: Any = await s.exec(stmt)
    return bool(result.rowcount)


async def take_over(s: AsyncSession, attempt: UnlinkAttempt, lease: timedelta) -> bool:
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
    result: Any = await s.exec(stmt)
    if not result.rowcount:
        return False
    attempt.lease_token, attempt.lease_until = token, until
    return True


async def correct_to_unlinked(s: AsyncSession, attempt: UnlinkAttempt) -> bool:
    """A finished attempt's record said "not unlinked", but Procore shows the link cleared (a
    write that landed after its holder lost the lease): make the record say what happened."""
    stmt = (
        update(UnlinkAttempt)
        .where(
            col(UnlinkAttempt.id) == attempt.id,
            col(UnlinkAttempt.finished_at).is_not(None),
            col(UnlinkAttempt.state) != "unlinked",
        )
        .values(state="unlinked", outcome="unlinked", updated_at=utcnow())
    )
    result: Any = await s.exec(stmt)
    return bool(result.rowcount)


async def abandoned_attempts(s: AsyncSession, now: datetime) -> Sequence[UnlinkAttempt]:
    query = select(UnlinkAttempt).where(
        col(UnlinkAttempt.finished_at).is_(None), col(UnlinkAttempt.lease_until) < now
    )
    return (await s.exec(query)).all()


# -- audit ---------------------------------------------------------------------------------


def audit_for(
    attempt: UnlinkAttempt,
    event: str,
    outcome: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent(
        reference=attempt.reference,
        event=event,
        team_id=attempt.team_id,
        slack_user_id=attempt.slack_user_id,
        company_id=attempt.company_id,
        project_id=attempt.project_id,
        cco_id=attempt.cco_id,
        cco_number=attempt.cco_number,
        outcome=outcome,
        detail=detail or {},
    )


def thread_reply(attempt: UnlinkAttempt, payload: dict[str, Any]) -> OutboxMessage:
    """The attempt's answer, owed in its card's thread (or through its click's response_url)."""
    return OutboxMessage(
        reference=attempt.reference,
        kind=OutboxKind.THREAD_REPLY,
        channel_id=attempt.channel_id,
        thread_ts=attempt.card_ts,
        response_url=attempt.response_url,
        payload=payload,
    )


async def audit_events(s: AsyncSession, reference: str) -> Sequence[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.reference == reference)
        .order_by(col(AuditEvent.id).asc())
    )
    return (await s.exec(query)).all()


async def project_audit(s: AsyncSession, company_id: int, project_id: int) -> Sequence[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.company_id == company_id, AuditEvent.project_id == project_id)
        .order_by(col(AuditEvent.id).asc())
    )
    return (await s.exec(query)).all()


# -- requests ------------------------------------------------------------------------------


async def get_request(s: AsyncSession, request_id: int) -> UnlinkRequest | None:
    return await s.get(UnlinkRequest, request_id)


async def pending_request(s: AsyncSession, company_id: int, cco_id: int) -> UnlinkRequest | None:
    query = select(UnlinkRequest).where(
        UnlinkRequest.company_id == company_id,
        UnlinkRequest.cco_id == cco_id,
        UnlinkRequest.status == "pending",
    )
    return (await s.exec(query)).first()


async def decide_request(
    s: AsyncSession,
    request_id: int,
    status: str,
    decided_by: str | None,
    reason: str | None,
    attempt_reference: str | None = None,
) -> bool:
    """Close a pending request; False when it was closed already (first decision wins)."""
    stmt = (
        update(UnlinkRequest)
        .where(col(UnlinkRequest.id) == request_id, col(UnlinkRequest.status) == "pending")
        .values(
            status=status,
            decided_by=decided_by,
            decision_reason=reason,
            attempt_reference=attempt_reference,
            decided_at=utcnow(),
        )
    )
    result: Any = await s.exec(stmt)
    return bool(result.rowcount)


async def requests_where(
    s: AsyncSession, *conditions: Any, limit: int = 20
) -> Sequence[UnlinkRequest]:
    query = (
        select(UnlinkRequest)
        .where(*conditions)
        .order_by(col(UnlinkRequest.created_at).desc(), col(UnlinkRequest.id).desc())
        .limit(limit)
    )
    return (await s.exec(query)).all()


# -- deliveries seen -----------------------------------------------------------------------


async def forget_seen_deliveries(s: AsyncSession, keep: timedelta) -> None:
    await s.exec(delete(SeenDelivery).where(col(SeenDelivery.at) < utcnow() - keep))


# -- outbox --------------------------------------------------------------------------------


async def pending_outbox(s: AsyncSession, limit: int = 50) -> Sequence[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.delivered_at).is_(None))
        .order_by(col(OutboxMessage.id).asc())
        .limit(limit)
    )
    return (await s.exec(query)).all()


async def count_rows(s: AsyncSession, model: type[Any]) -> int:
    result = await s.exec(select(func.count()).select_from(model))
    return int(result.one())


# -- the Slack installation ------------------------------------------------------------------


async def latest_installation(s: AsyncSession) -> SlackInstallation | None:
    query = select(SlackInstallation).order_by(col(SlackInstallation.changed_at).desc()).limit(1)
    return (await s.exec(query)).first()
