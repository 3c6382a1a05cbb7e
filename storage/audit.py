"""The append-only audit: one row per thing that happened to an attempt (or a refusal shown
with a reference). Callers own the transaction and pass its `session`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, UnlinkAttempt


def audit_for(
    attempt: UnlinkAttempt,
    event: str,
    outcome: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """An audit row about `attempt` (not yet added to a session)."""
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


def add_event(*, session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)


async def audit_events(*, session: AsyncSession, reference: str) -> Sequence[AuditEvent]:
    """The events recorded under `reference`, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.reference == reference)
        .order_by(col(AuditEvent.id).asc())
    )
    return (await session.exec(query)).all()


async def last_event(*, session: AsyncSession, reference: str, event: str) -> AuditEvent | None:
    """The latest `event` recorded under `reference`."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.reference == reference, AuditEvent.event == event)
        .order_by(col(AuditEvent.id).desc())
    )
    return (await session.exec(query)).first()


async def project_audit(
    *, session: AsyncSession, company_id: int, project_id: int
) -> Sequence[AuditEvent]:
    """Every event of the project, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.company_id == company_id, AuditEvent.project_id == project_id)
        .order_by(col(AuditEvent.id).asc())
    )
    return (await session.exec(query)).all()


async def projects_with_event(
    *, session: AsyncSession, company_id: int, event: str
) -> Sequence[int]:
    """The projects of the company with at least one `event` recorded (e.g. ever linked)."""
    query = (
        select(AuditEvent.project_id)
        .where(AuditEvent.company_id == company_id, AuditEvent.event == event)
        .distinct()
    )
    return [p for p in (await session.exec(query)).all() if p is not None]
