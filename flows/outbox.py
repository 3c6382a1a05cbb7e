"""Delivery of queued Slack replies. A reply is written with its outcome, then delivered here.

A replica claims a message (for `Policy.outbox_claim`) before posting it, so two replicas
never post the same reply; a failed delivery stays queued with its error for the next sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog

from storage import outbox
from storage.models import OutboxMessage, utcnow

if TYPE_CHECKING:
    from flows.services import Services

log = structlog.get_logger("cco.outbox")

MAX_TRIES = 20
#: Slack lets a click's response_url be used for 30 minutes (and 5 posts, which Slack itself
#: refuses past); a reply owed for longer goes elsewhere (the messenger says where), with a minute
#: to spare for the time between the click and the reply being queued
RESPONSE_URL_LIFETIME = timedelta(minutes=29)
#: the share of its claim a delivery may take before it is abandoned (and retried later)
CLAIM_SHARE = 0.8


async def deliver_reference(svc: Services, reference: str) -> int:
    """Deliver every pending message of one attempt; return how many were delivered."""
    async with svc.db.session() as s:
        messages = await outbox.undelivered_of(session=s, reference=reference)
    return await _deliver(svc, messages)


async def deliver_pending(svc: Services) -> int:
    """Deliver every message still owed (the sweep's retry of failed deliveries)."""
    async with svc.db.session() as s:
        messages = await outbox.undelivered(
            session=s, max_tries=MAX_TRIES, company_id=_tenant_company(svc)
        )
    return await _deliver(svc, messages)


def _tenant_company(svc: Services) -> int | None:
    """`flows.services.tenant_company` (not imported: flows.services imports this module's
    importers)."""
    return svc.policy.company_id if svc.policy.tenant is not None else None


async def _deliver(svc: Services, messages: Sequence[OutboxMessage]) -> int:
    delivered = 0
    for message in messages:
        claimed = await _claim(svc, message)
        if claimed is not None and await _deliver_one(svc, claimed):
            delivered += 1
    return delivered


async def _claim(svc: Services, message: OutboxMessage) -> OutboxMessage | None:
    """The message as claimed, read again in the claim's transaction: the batch may be old by
    now (another try may have been made since, which the messenger must know of), or None when
    it is delivered or held."""
    until = utcnow() + svc.policy.outbox_claim
    async with svc.db.transaction() as s:
        if not await outbox.claim(session=s, message=message, until=until):
            return None
        return await outbox.claimed(session=s, message=message)


async def _deliver_one(svc: Services, message: OutboxMessage) -> bool:
    try:
        # Give up before the claim runs out: once it has, another replica may post the message,
        # so this one must not still be posting it (Slack's client retries and waits on its own).
        async with asyncio.timeout(svc.policy.outbox_claim.total_seconds() * CLAIM_SHARE):
            await svc.messenger.deliver(_with_live_response_url(message))
    except Exception as exc:
        log.warning("outbox.delivery_failed", reference=message.reference, error=_describe(exc))
        await _settle(svc, message, delivered=False, error=_describe(exc))
        return False
    await _settle(svc, message, delivered=True, error=None)
    return True


def _with_live_response_url(message: OutboxMessage) -> OutboxMessage:
    """The message as the messenger may use it: without its response_url once that is past
    Slack's lifetime (a reply retried for long, e.g. through a Slack outage)."""
    if message.response_url and utcnow() - message.created_at > RESPONSE_URL_LIFETIME:
        return message.model_copy(update={"response_url": None})
    return message


async def _settle(
    svc: Services, message: OutboxMessage, *, delivered: bool, error: str | None
) -> None:
    # A failed try keeps its claim for a full claim period: a post that timed out may still land
    # in that time, and the next try looks for it in the thread before posting again.
    retry_at = None if delivered else utcnow() + svc.policy.outbox_claim
    async with svc.db.transaction() as s:
        await outbox.settle(
            session=s, message=message, delivered=delivered, retry_at=retry_at, error=error
        )


def _describe(exc: Exception) -> str:
    response: Any = getattr(exc, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return f"{type(exc).__name__}: {code}" if code else type(exc).__name__
