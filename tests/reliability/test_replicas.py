"""Two real `cco-bot serve` processes on one PostgreSQL: 50 concurrent clicks on one CCO, split
across both, make exactly one Procore write and exactly one final thread reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from handlers.blocks.card import UNLINK_ACTION
from sandbox import demo
from sandbox.slack.world import SlackMessage
from sandbox.stack import Stack
from storage import attempts as stored_attempts
from storage.db import Database, count_rows
from storage.models import OutboxMessage
from tests.e2e.rig import SYNC_WRITE, TOWER_A, TOWER_CHANNEL, attachment_color, text_of
from tests.reliability.processes import (
    link_and_post_card,
    replica_env,
    settled,
    stale_click,
    start_replica,
    until,
)

pytestmark = pytest.mark.postgres

CLICKS = 50
LATE = 4


def _told(stack: Stack, words: str) -> list[SlackMessage]:
    shown = stack.slack.ephemerals_for("U0ANA", TOWER_CHANNEL)
    return [m for m in shown if words in text_of(m)]


async def test_fifty_clicks_across_two_replicas_write_once_and_reply_once(
    postgres: tuple[str, Database], stack: Stack, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db = postgres
    env = replica_env(stack, url)
    first, second = await asyncio.gather(
        start_replica("replica-1", env, tmp_path, http),
        start_replica("replica-2", env, tmp_path, http),
    )
    try:
        senders = [first.sender(stack, http), second.sender(stack, http)]
        card = await link_and_post_card(stack, senders[0], TOWER_CHANNEL, TOWER_A)
        package_id = stack.index.packages[(TOWER_A, "002")]  # reversed in Acumatica: may unlink

        clicks = [
            senders[i % 2].click("U0ANA", card.channel, card.ts, UNLINK_ACTION, str(package_id))
            for i in range(CLICKS)
        ]
        deliveries = await asyncio.gather(*clicks)
        assert [d.status for d in deliveries] == [200] * CLICKS, {d.body for d in deliveries}

        slack = stack.slack
        await until(
            lambda: len(slack.thread_replies(card.channel, card.ts)) >= 1, what="the thread reply"
        )
        await settled(db)

        def tally() -> dict[str, int]:
            return {
                "in progress": len(_told(stack, "already in progress")),
                "already unlinked": len(_told(stack, "already unlinked")),
            }

        # Every losing click is told, privately: "in progress" while the winner runs, "already
        # unlinked" when its claim came after the winner finished (on a loaded machine some do:
        # issue 16 — waiting for exactly LATE "already unlinked" answers below was the flake).
        await until(
            lambda: sum(tally().values()) == CLICKS - 1,
            what=f"{CLICKS - 1} private answers to the losing clicks",
            seen=tally,
        )
        unlinked_before = tally()["already unlinked"]
        # Stragglers: clicks on the button as it was before the card showed the result.
        late = await asyncio.gather(
            *(stale_click(senders[i % 2], card, "U0ANA", str(package_id)) for i in range(LATE))
        )
        assert late == [200] * LATE
        await until(
            lambda: tally()["already unlinked"] == unlinked_before + LATE,
            what=f"{LATE} 'already unlinked' answers to the late clicks",
            seen=tally,
        )
        await settled(db)
        # Give both replicas several sweeps to post anything still owed (there must be nothing).
        await asyncio.sleep(2.0)

        writes = stack.procore.recorder.count("PATCH", SYNC_WRITE)
        applied = [u for u in stack.procore.world.sync_updates if u.item_id == package_id]
        replies = slack.thread_replies(card.channel, card.ts)
        busy, done = _told(stack, "already in progress"), _told(stack, "already unlinked")
        async with db.session() as s:
            attempts = await stored_attempts.project_attempts(
                session=s, company_id=demo.COMPANY_ID, project_id=TOWER_A
            )
            outbox = await count_rows(session=s, model=OutboxMessage)
        served = [r.log_text().count("unlink.claimed") for r in (first, second)]
        print(
            f"\nreplicas: {CLICKS} concurrent + {LATE} late clicks over 2 processes -> "
            f"{writes} Procore write(s) received, {len(applied)} applied, "
            f"{len(replies)} thread reply(ies), {len(busy)} 'already in progress' and "
            f"{len(done)} 'already unlinked' answers, "
            f"{len(attempts)} attempt(s) (claimed per replica: {served}), {outbox} outbox row(s)"
        )
        assert writes == 1
        assert len(applied) == 1 and applied[0].origin_id is None
        assert stack.procore.world.packages[package_id].origin_id is None
        assert len(replies) == 1
        assert attachment_color(replies[0]) == "good"
        assert "Successfully unlinked CCO #002" in text_of(replies[0])
        assert len(attempts) == 1 and attempts[0].state == "unlinked"
        assert outbox == 1
        # Every other click was told, ephemerally: none of them became a thread reply.
        assert len(busy) + len(done) == CLICKS + LATE - 1
    finally:
        await asyncio.gather(first.stop(), second.stop())
