"""SIGKILL a `cco-bot serve` process in the middle of an unlink; another process (a live replica,
or the same one restarted) finishes the attempt: exactly one final reply, at most one write."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from handlers.blocks.card import UNLINK_ACTION
from sandbox.faults import FaultRule
from sandbox.slack.world import SlackMessage
from sandbox.stack import Stack
from storage import audit
from storage.db import Database
from storage.models import UnlinkAttempt
from tests.e2e.rig import SYNC_WRITE, TOWER_A, TOWER_CHANNEL, attachment_color, text_of
from tests.reliability.processes import (
    Replica,
    link_and_post_card,
    replica_env,
    settled,
    start_replica,
    until,
)

pytestmark = pytest.mark.postgres

#: ARCHITECTURE §4a: a live replica finishes an abandoned attempt within 60 s (production
#: timings); with the test's 2 s lease and 0.5 s sweep it must take a few seconds
RECOVERY_LIMIT = 15.0
THREAD_POST = r"/api/chat\.postMessage$"


def _replies(stack: Stack, card: SlackMessage) -> list[SlackMessage]:
    return stack.slack.thread_replies(card.channel, card.ts)


async def _click(
    stack: Stack, replica: Replica, http: httpx.AsyncClient, card: SlackMessage
) -> int:
    package_id = stack.index.packages[(TOWER_A, "002")]  # reversed in Acumatica: may unlink
    sender = replica.sender(stack, http)
    delivery = await sender.click("U0ANA", card.channel, card.ts, UNLINK_ACTION, str(package_id))
    assert delivery.status == 200, delivery.body
    return package_id


async def test_killed_before_the_procore_write_a_live_replica_answers_nothing_changed(
    postgres: tuple[str, Database], stack: Stack, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db = postgres
    env = replica_env(stack, url)
    doomed, survivor = await asyncio.gather(
        start_replica("doomed", env, tmp_path, http),
        start_replica("survivor", env, tmp_path, http),
    )
    try:
        card = await link_and_post_card(stack, doomed.sender(stack, http), TOWER_CHANNEL, TOWER_A)
        # The write reaches Procore's door and is never applied: the stand-in holds it, then
        # drops the connection. The process is killed while it waits for the answer.
        stack.procore.faults.add(
            FaultRule(path=SYNC_WRITE, method="PATCH", status=0, delay=60, times=1)
        )
        package_id = await _click(stack, doomed, http, card)
        await until(lambda: stack.procore.recorder.count("PATCH", SYNC_WRITE) == 1)
        killed_at = await doomed.kill()
        async with db.session() as s:
            (abandoned,) = (await s.exec(select(UnlinkAttempt))).all()
            recorded = await audit.audit_events(session=s, reference=abandoned.reference)
            events = [e.event for e in recorded]
        assert abandoned.state == "unlinking" and abandoned.finished_at is None
        assert events == ["claimed", "erp_checked"]  # killed after the check, before the write

        answered_at = await until(lambda: len(_replies(stack, card)) >= 1, RECOVERY_LIMIT)
        recovery = answered_at - killed_at
        await settled(db)
        await asyncio.sleep(1.5)  # several sweeps: nothing more may be posted

        replies = _replies(stack, card)
        applied = stack.procore.world.sync_updates
        writes = stack.procore.recorder.count("PATCH", SYNC_WRITE)
        print(
            f"\ncrash before write: killed after the ERP check with the write in flight -> "
            f"live replica answered in {recovery:.2f} s; {len(replies)} reply(ies), "
            f"{writes} write(s) received, {len(applied)} applied"
        )
        assert len(replies) == 1
        shown = text_of(replies[0])
        assert attachment_color(replies[0]) == "danger"
        assert "interrupted" in shown and "nothing was changed" in shown
        assert applied == []
        assert stack.procore.world.packages[package_id].origin_id is not None
        assert recovery < RECOVERY_LIMIT
        assert "recovery.finishing" in survivor.log_text()
    finally:
        await asyncio.gather(doomed.stop(), survivor.stop())


@pytest.mark.parametrize("moment", ["write_applied", "reply_in_flight"])
async def test_killed_after_the_write_the_restarted_process_replies_green_once(
    postgres: tuple[str, Database],
    stack: Stack,
    http: httpx.AsyncClient,
    tmp_path: Path,
    moment: str,
) -> None:
    url, db = postgres
    env = replica_env(stack, url)
    doomed = await start_replica("doomed", env, tmp_path, http)
    restarted: Replica | None = None
    try:
        card = await link_and_post_card(stack, doomed.sender(stack, http), TOWER_CHANNEL, TOWER_A)
        # Slack holds the thread reply and never posts it (then drops the connection).
        stack.slack.faults.add(
            FaultRule(path=THREAD_POST, method="POST", status=0, delay=60, times=1)
        )
        posts_before = stack.slack.recorder.count("POST", THREAD_POST)
        package_id = await _click(stack, doomed, http, card)
        if moment == "write_applied":
            await until(lambda: len(stack.procore.world.sync_updates) == 1, step=0.002)
        else:
            await until(lambda: stack.slack.recorder.count("POST", THREAD_POST) > posts_before)
        killed_at = await doomed.kill()
        stack.slack.faults.clear()  # Slack is healthy again for whoever posts next
        assert _replies(stack, card) == []

        restarted = await start_replica("restarted", env, tmp_path, http)
        started_in = time.monotonic() - killed_at
        answered_at = await until(lambda: len(_replies(stack, card)) >= 1, RECOVERY_LIMIT)
        recovery = answered_at - killed_at
        await settled(db)
        await asyncio.sleep(2.5)  # past the outbox claim: nothing more may be posted

        replies = _replies(stack, card)
        applied = stack.procore.world.sync_updates
        writes = stack.procore.recorder.count("PATCH", SYNC_WRITE)
        path = "recovery" if "recovery.finishing" in restarted.log_text() else "outbox"
        print(
            f"\ncrash after write ({moment}): restart took {started_in:.2f} s, final reply "
            f"{recovery:.2f} s after the kill (via {path}); {len(replies)} reply(ies), "
            f"{writes} write(s) received, {len(applied)} applied"
        )
        assert len(replies) == 1
        assert attachment_color(replies[0]) == "good"
        assert "Successfully unlinked CCO #002" in text_of(replies[0])
        assert writes == 1 and len(applied) == 1
        assert stack.procore.world.packages[package_id].origin_id is None
        assert recovery < RECOVERY_LIMIT
    finally:
        await doomed.stop()
        if restarted is not None:
            await restarted.stop()
