"""Delivery of queued Slack replies. A reply is written with its outcome, then delivered here;
a failed delivery stays queued with its error for the next sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlmodel import col, select

from storage.models import OutboxMessage, utcnow

if TYPE_CHECKING:
    from handlers.flows.services import Services

log = structlog.get_logger("cco.outbox")


async def deliver_reference(svc: Services, reference: str) -> int:
    """Deliver every pending message of one attempt; return how many were delivered."""
    async with svc.db.session() as s:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.reference == reference,
                col(OutboxMessage.delivered_at).is_(None),
            )
            .order_by(col(OutboxMessage.id).asc())
        )
        pending = (await s.exec(query)).all()
    delivered = 0
    for message in pending:
        if await _deliver_one(svc, message):
            delivered += 1
    return delivered


async def _deliver_one(svc: Services, message: OutboxMessage) -> bool:
    try:
        await svc.messenger.deliver(message)
    except Exception as exc:
        log.warning("outbox.delivery_failed", reference=message.reference, error=type(exc).__name__)
        async with svc.db.transaction() as s:
            row = await s.get(OutboxMessage, message.id)
            if row is not None:
                row.tries += 1
                row.last_error = str(exc)[:500]
                s.add(row)
        return False
    async with svc.db.transaction() as s:
        row = await s.get(OutboxMessage, message.id)
        if row is not None:
            row.tries += 1
            row.delivered_at = utcnow()
            s.add(row)
    return True
