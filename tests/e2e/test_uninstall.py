"""The workspace removes the app (issue 11, point 12): the app stops using its token, records the
installation as gone and keeps the audit; a request from Slack afterwards (a reinstall) resumes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from sandbox.faults import FaultRule
from storage.models import AuditEvent, OutboxMessage, SlackInstallation
from tests.conftest import database_params
from tests.e2e.rig import Rig, start_rig, stop_rig, text_of

THREAD_POST = r"/api/chat\.postMessage$"


def web_api_calls(rig: Rig) -> int:
    return sum(1 for r in rig.stack.slack.recorder.requests if r.path.startswith("/api/"))


@pytest.fixture(params=database_params())
async def fast_rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(
        request.param, tmp_path, sweep_interval_seconds=0.2, outbox_claim_seconds=0.5
    )
    try:
        yield started
    finally:
        await stop_rig(started)


async def test_after_uninstall_the_token_is_not_used_and_the_audit_stays(fast_rig: Rig) -> None:
    rig = fast_rig
    await rig.link()
    card = await rig.card()
    rig.stack.slack.faults.add(  # Slack is failing as the reply is due: it stays owed
        FaultRule(path=THREAD_POST, status=500, body={"ok": False, "error": "internal_error"})
    )
    await rig.click_unlink(card, "002")
    await rig.settle()
    async with rig.runtime.db.session() as s:
        audit_before = len((await s.exec(select(AuditEvent))).all())
    assert audit_before > 0

    deliveries = await rig.sender.uninstall_app()
    assert [d.status for d in deliveries] == [200, 200]
    rig.stack.slack.faults.clear()
    await asyncio.sleep(1.0)  # a call already under way (a Slack client retry) may still land
    calls = web_api_calls(rig)
    await asyncio.sleep(2.0)  # ten sweeps: none may call Slack with the revoked token
    assert web_api_calls(rig) == calls
    async with rig.runtime.db.session() as s:
        installation = (await s.exec(select(SlackInstallation))).one()
        audit_after = len((await s.exec(select(AuditEvent))).all())
        owed = (await s.exec(select(OutboxMessage))).one()
    assert installation.state in ("uninstalled", "tokens_revoked")
    assert installation.team_id == rig.stack.slack.team_id
    assert audit_after == audit_before
    assert owed.delivered_at is None  # kept, not posted with a revoked token
    assert not rig.replies(card)

    rig.stack.slack.reinstall()  # Slack speaks to the app again: the owed reply goes out
    assert (await rig.sender.open_home("U0ANA")).status == 200
    reply = await rig.reply(card)
    assert "Successfully unlinked CCO #002" in text_of(reply)
