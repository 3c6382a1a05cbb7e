"""Recognise a Slack delivery seen before (an Events API retry, a duplicated interaction) and
answer it without acting again. Runs after Bolt's request verification.

Slash commands are the exception: their listener acks first and asks `first_delivery` only
before it acts, so no database write stands between Slack and the ack (`/cco help` never
writes at all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.response import BoltResponse

from storage import deliveries
from storage.db import Database

log = structlog.get_logger("cco.dedupe")


def delivery_key(body: dict[str, Any]) -> str | None:
    """A key that is the same for a delivery and its retries/duplicates, unique otherwise."""
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        user = (body.get("user") or {}).get("id")
        action_ts = actions[0].get("action_ts") if isinstance(actions[0], dict) else None
        return f"action:{user}:{action_ts}" if user and action_ts else None
    if kind == "event_callback":
        event_id = body.get("event_id")
        return f"event:{event_id}" if event_id else None
    trigger = body.get("trigger_id")
    if trigger and (body.get("command") or kind == "view_submission"):
        return f"{kind or 'command'}:{trigger}"
    return None


async def first_time(db: Database, key: str) -> bool:
    return await deliveries.remember(db=db, key=key)


async def first_delivery(db: Database, body: dict[str, Any]) -> bool:
    """True unless this delivery (by `delivery_key`) was seen before; remembers it."""
    key = delivery_key(body)
    if key is None or await first_time(db, key):
        return True
    log.info("slack.duplicate_delivery", key=key)
    return False


def dedupe_middleware(db: Database) -> Callable[..., Awaitable[BoltResponse | None]]:
    async def dedupe(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        key = None if body.get("command") else delivery_key(body)
        if key is None or await first_time(db, key):
            await next()
            return None
        log.info("slack.duplicate_delivery", key=key)
        return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})

    return dedupe
