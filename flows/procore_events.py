"""Procore's webhook deliveries: read and recorded once when they arrive (`record_delivery`,
called by `POST /procore/webhooks` before it answers), applied later by the watcher
(`apply_pending`).

A delivery is never trusted for state: applying an event re-reads the package from Procore
(`flows.index.refresh_package`), so a repeated, late or reordered delivery changes nothing the
current state does not. Several events of one package in a claim are one refresh. Events are
claimed (`storage.webhook_events`), so replicas share them and a replica's death loses none.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from flows.services import tenant_company
from storage import webhook_events
from storage.models import utcnow
from storage.webhook_events import WebhookEvent

if TYPE_CHECKING:
    from flows.services import Services

log = structlog.get_logger("cco.procore_events")

#: the only resource this app subscribes to (its Triggers)
RESOURCE = "Change Order Packages"
#: Procore's event types for it
EVENT_TYPES = frozenset({"create", "update", "delete"})
#: how long a replica holds the events it applies (another may take them over after): a
#: refresh is a read or two of Procore; one that takes longer is abandoned (and retried)
EVENT_CLAIM = timedelta(seconds=10)
#: packages refreshed at once (workers, each with its own claims)
CONCURRENCY = 8
#: events one worker claims at a time: few, so that a replica that dies holds few
BATCH = 4
#: after this many failed tries an event waits for the periodic reconciliation instead
MAX_TRIES = 12
#: the first retry's wait; each further try waits twice as long, up to RETRY_AT_MOST
RETRY_FIRST = timedelta(seconds=1)
RETRY_AT_MOST = timedelta(minutes=5)
#: applied events are kept this long (Procore stops retrying a delivery after 12 hours)
EVENTS_KEPT = timedelta(hours=24)


class MalformedDelivery(ValueError):
    """The body is not a Procore v2 delivery this app can apply (it says which field)."""


@dataclass(frozen=True)
class Delivery:
    """What this app reads of a delivery (Procore's v2 payload)."""

    event_key: str
    resource_name: str
    project_id: int
    resource_id: int
    event_type: str
    user_id: int | None
    #: when the event happened (the payload's `timestamp`), when it says so readably
    occurred_at: datetime | None = None

    @property
    def ours(self) -> bool:
        return self.resource_name == RESOURCE


def _whole(payload: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise MalformedDelivery(name)
    return value


def _key(payload: dict[str, Any]) -> str:
    """Procore's `ulid` when present, else its `id`: every delivery of one event carries it."""
    ulid = payload.get("ulid")
    if isinstance(ulid, str) and 0 < len(ulid) <= webhook_events.MAX_KEY and ulid.isprintable():
        return ulid
    if ulid is not None:
        raise MalformedDelivery("ulid")
    return f"id:{_whole(payload, 'id')}"


def _timestamp(payload: dict[str, Any]) -> datetime | None:
    """The payload's `timestamp` (ISO 8601, e.g. "2026-03-04T15:07:00.000000Z"); None when it is
    missing or unreadable (the event is then ordered by its arrival)."""
    value = payload.get("timestamp")
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def read_delivery(payload: object) -> Delivery:
    """The delivery in a parsed JSON body; `MalformedDelivery` when a needed field is missing
    or not what Procore sends. Another resource's delivery is read without its key or ids."""
    if not isinstance(payload, dict):
        raise MalformedDelivery("body")
    resource = payload.get("resource_name")
    if not isinstance(resource, str) or not resource or len(resource) > 64:
        raise MalformedDelivery("resource_name")
    if resource != RESOURCE:  # acknowledged and ignored, whatever else it holds
        return Delivery("", resource, 0, 0, "", None)
    key = _key(payload)
    event_type = payload.get("event_type")
    if event_type not in EVENT_TYPES:
        raise MalformedDelivery("event_type")
    return Delivery(
        event_key=key,
        resource_name=resource,
        project_id=_whole(payload, "project_id") or 0,
        resource_id=_whole(payload, "resource_id") or 0,
        event_type=str(event_type),
        user_id=_whole(payload, "user_id", required=False),
        occurred_at=_timestamp(payload),
    )


async def record_delivery(svc: Services, delivery: Delivery) -> bool:
    """Store the delivery's event once, as the event of `svc`'s company (the tenant the
    delivery's `company_id` routed it to); False when it was stored before (a repeat)."""
    event = WebhookEvent(
        event_key=delivery.event_key,
        company_id=svc.policy.company_id,
        project_id=delivery.project_id,
        resource_name=delivery.resource_name,
        resource_id=delivery.resource_id,
        event_type=delivery.event_type,
        user_id=delivery.user_id,
        occurred_at=delivery.occurred_at,
    )
    async with svc.db.transaction() as s:
        return await webhook_events.record_event(session=s, event=event)


async def apply_pending(svc: Services) -> int:
    """Apply every pending event this replica can claim; return how many were applied.
    Workers claim a few events at a time, so one slow refresh holds up nothing else and a
    replica that dies holds few; a worker that finds a full batch starts another (up to
    `CONCURRENCY`), so a quiet pass costs one claim, not one per worker."""
    workers: list[asyncio.Task[int]] = []

    async def worker() -> int:
        applied = 0
        while True:
            claimed, linked = await _claim(svc)
            if not claimed:
                return applied
            if len(claimed) == BATCH and len(workers) < CONCURRENCY:
                workers.append(asyncio.create_task(worker()))
            applied += await _apply(svc, claimed, linked)

    workers.append(asyncio.create_task(worker()))
    applied = 0
    try:
        for task in workers:  # grows while it is read: a started worker is awaited too
            applied += await task
    finally:
        for task in workers:
            task.cancel()
    return applied


async def _claim(svc: Services) -> tuple[Sequence[WebhookEvent], set[int]]:
    """A few pending events (of the tenant's company only, with many tenants), and which of
    their projects a channel of the company is linked to."""
    async with svc.db.transaction() as s:
        claimed = await webhook_events.claim_pending(
            session=s,
            until=utcnow() + EVENT_CLAIM,
            limit=BATCH,
            max_tries=MAX_TRIES,
            company_id=tenant_company(svc.policy),
        )
        if not claimed:
            return claimed, set()
        linked = await webhook_events.linked_projects(
            session=s, company_id=svc.policy.company_id, project_ids=[e.project_id for e in claimed]
        )
    return claimed, linked


async def _apply(svc: Services, events: Sequence[WebhookEvent], linked: set[int]) -> int:
    """Refresh each package the events name once (events of unlinked projects are done), then
    mark the events applied together."""
    packages: dict[tuple[int, int], list[WebhookEvent]] = defaultdict(list)
    done = [e for e in events if e.project_id not in linked]
    for event in events:
        if event.project_id in linked:
            packages[(event.project_id, event.resource_id)].append(event)
    try:
        for of_package in packages.values():
            if await _refresh(svc, of_package):
                done.extend(of_package)
    except asyncio.CancelledError:
        # The process is stopping (a deploy): let another replica (or the next start) retry
        # what is not applied yet at once, instead of after the claim runs out.
        left = [e for e in events if e not in done]
        await asyncio.shield(_settle(svc, left, error="interrupted", retry_now=True))
        raise
    await _settle(svc, done, error=None)
    return len(done)


async def _refresh(svc: Services, events: list[WebhookEvent]) -> bool:
    """One refresh for one package's events (the latest event says whose action it was);
    False when it failed (the events then wait for a retry)."""
    from flows.index import refresh_package

    latest = latest_event(events)
    try:
        async with asyncio.timeout(EVENT_CLAIM.total_seconds() * 0.8):
            await refresh_package(
                svc, latest.project_id, latest.resource_id, by_user_id=latest.user_id
            )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
        log.warning(
            "procore_events.refresh_failed",
            project_id=latest.project_id,
            package_id=latest.resource_id,
            tries=latest.tries,
            error=error,
        )
        await _settle(svc, events, error=error)
        return False
    return True


def latest_event(events: Sequence[WebhookEvent]) -> WebhookEvent:
    """The event that happened last by Procore's `timestamp` (deliveries may arrive in another
    order); arrival order among events without one, or with the same."""
    never = datetime.min.replace(tzinfo=UTC)
    return max(events, key=lambda e: (e.occurred_at or never, e.id or 0))


async def _settle(
    svc: Services, events: list[WebhookEvent], *, error: str | None, retry_now: bool = False
) -> None:
    """Mark the events applied, or (with `error`) due again after a backoff or at once."""
    ids = [e.id for e in events if e.id is not None]
    if not ids:
        return
    tries = max(e.tries for e in events)
    wait = timedelta(0) if retry_now else min(RETRY_FIRST * 2 ** max(tries - 1, 0), RETRY_AT_MOST)
    async with svc.db.transaction() as s:
        if error is None:
            await webhook_events.mark_applied(session=s, ids=ids)
        else:
            await webhook_events.mark_failed(
                session=s, ids=ids, retry_at=utcnow() + wait, error=error
            )
    if error is not None and tries >= MAX_TRIES:
        log.warning(
            "procore_events.given_up",
            event_keys=[e.event_key for e in events],
            project_id=events[0].project_id,
            package_id=events[0].resource_id,
            tries=tries,
            error=error,
            then="the periodic reconciliation of the project catches the change",
        )


async def forget_old_events(svc: Services) -> None:
    """Drop events applied (or given up on) long enough ago that Procore no longer repeats
    them."""
    async with svc.db.transaction() as s:
        dropped = await webhook_events.forget_applied_events(
            session=s, keep=EVENTS_KEPT, max_tries=MAX_TRIES
        )
    if dropped:
        log.info("procore_events.forgotten", events=dropped)
