"""`cco-bot socket` runs the same background work as `cco-bot serve` and serves the PUBLIC_URL
features (issue 11, point 11): an attempt a crash left is finished and answered, the audit CSV
link and /healthz answer — with Slack reached over Socket Mode (the stand-in's WebSocket)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.cli import _socket
from sandbox import demo
from sandbox.stack import start_stack
from storage.models import UnlinkAttempt, utcnow
from tests.conftest import database_params, database_url, fresh_database
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, free_port, settings_for, text_of


@pytest.mark.parametrize("db_kind", database_params())
async def test_socket_mode_finishes_a_crashed_attempt_and_serves_public_url(
    db_kind: str, tmp_path: Path
) -> None:
    stack = await start_stack("acumatica")
    url = database_url(db_kind, tmp_path)
    db = await fresh_database(url)
    ws = stack.slack
    card = ws.post(TOWER_CHANNEL, "CCOs synced with Acumatica", user=ws.bot_user_id)
    async with db.transaction() as s:  # a process died right after claiming CCO #002
        s.add(
            UnlinkAttempt(
                reference="R-CRASHED2",
                team_id=ws.team_id,
                channel_id=TOWER_CHANNEL,
                card_ts=card.ts,
                company_id=demo.COMPANY_ID,
                project_id=TOWER_A,
                cco_id=stack.index.packages[(TOWER_A, "002")],
                cco_number="002",
                slack_user_id="U0ANA",
                state="claimed",
                lease_until=utcnow() - timedelta(minutes=1),
                lease_token="dead-process",
            )
        )
    await db.dispose()
    port = free_port()
    settings = settings_for(
        stack,
        url,
        slack_signing_secret=None,
        slack_app_token=ws.app_token,
        public_url=f"http://127.0.0.1:{port}",
        host="127.0.0.1",
        port=port,
        sweep_interval_seconds=0.2,
    )
    running = asyncio.create_task(_socket(settings))
    try:
        for _ in range(250):
            if ws.thread_replies(TOWER_CHANNEL, card.ts) or running.done():
                break
            await asyncio.sleep(0.04)
        replies = ws.thread_replies(TOWER_CHANNEL, card.ts)
        assert replies, "the attempt a crash left was never finished"
        assert "interrupted" in text_of(replies[0]) and "R-CRASHED2" in text_of(replies[0])
        assert ws.socket_connections == 1  # Slack is reached over Socket Mode
        async with httpx.AsyncClient(base_url=settings.public_url or "") as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            forged = await http.get(
                f"/audit/{TOWER_A}.csv", params={"expires": "9", "signature": "x"}
            )
            assert forged.status_code == 403 and "invalid or has expired" in forged.text
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await stack.stop()
