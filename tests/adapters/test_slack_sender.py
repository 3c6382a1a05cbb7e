"""Slack as the sender: signed deliveries built from the sandbox's state, to a receiving app."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from sandbox.runner import RunningServer, serve
from sandbox.slack.feed import FeedEvent
from sandbox.slack.sender import SlackSender
from tests.adapters.slack_fixtures import ANA, BEN, TOWER, Slack, slack

__all__ = ["slack"]


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.form()["payload"])
        return data


@dataclass
class Receiver:
    """A stand-in app: records what Slack sent and answers with the next canned reply."""

    server: RunningServer
    received: list[Received] = field(default_factory=list)
    replies: list[tuple[int, str, float]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.server.url}/slack/events"

    def answer(self, status: int = 200, body: str = "", delay: float = 0.0) -> None:
        self.replies.append((status, body, delay))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = web.Application()
    holder: list[Receiver] = []

    async def handle(request: web.Request) -> web.Response:
        recv = holder[0]
        recv.received.append(Received(await request.read(), dict(request.headers)))
        status, body, delay = recv.replies.pop(0) if recv.replies else (200, "", 0.0)
        await asyncio.sleep(delay)
        return web.Response(status=status, text=body, content_type="application/json")

    app.router.add_post("/slack/events", handle)
    server = await serve(app)
    holder.append(Receiver(server))
    try:
        yield holder[0]
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


# -- signatures ----------------------------------------------------------------------------------


async def test_signature_verifies_with_slack_sdk(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    await SlackSender(slack.workspace, receiver.url, http).slash_command(ANA, TOWER, "help")
    got = receiver.received[0]
    verifier = SignatureVerifier(slack.workspace.signing_secret)
    assert verifier.is_valid_request(got.body, got.headers)
    assert not SignatureVerifier("another-secret").is_valid_request(got.body, got.headers)


async def test_wrong_secret_and_stale_timestamp_fail_verification(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    await SlackSender(ws, receiver.url, http, signing_secret="wrong").slash_command(ANA, TOWER)
    await SlackSender(ws, receiver.url, http, clock_skew=-600).slash_command(ANA, TOWER)
    verifier = SignatureVerifier(ws.signing_secret)
    assert [verifier.is_valid_request(r.body, r.headers) for r in receiver.received] == [
        False,
        False,
    ]
    stamp = int(time.time())
    headers = SlackSender(ws, receiver.url, http).sign(b"body", stamp)
    assert headers["X-Slack-Request-Timestamp"] == str(stamp)
    assert headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp=str(stamp), body=b"body"
    )


# -- slash commands ------------------------------------------------------------------------------


async def test_slash_command_sends_slacks_form_fields(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    await SlackSender(ws, receiver.url, http).slash_command(ANA, TOWER, "unlink 004")
    got = receiver.received[0]
    form = got.form()
    assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert {k: form[k] for k in ("team_id", "channel_id", "channel_name", "user_id")} == {
        "team_id": ws.team_id,
        "channel_id": TOWER,
        "channel_name": "tower-a",
        "user_id": ANA,
    }
    assert (form["command"], form["text"], form["user_name"]) == ("/cco", "unlink 004", "ana")
    assert form["response_url"].startswith(f"{slack.server.url}/response/")
    assert form["api_app_id"] == ws.app_id and form["is_enterprise_install"] == "false"
    opened = await slack.client().views_open(
        trigger_id=form["trigger_id"],
        view={"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []},
    )
    assert opened["view"]["id"] in {v.id for v in ws.views.modal_stack(ANA)}


async def test_slash_command_ack_is_shown_ephemeral_or_in_channel(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws, sender = slack.workspace, SlackSender(slack.workspace, receiver.url, http)
    receiver.answer(body="Checking CCO #4…")
    receiver.answer(body=json.dumps({"text": "Unlinked CCO #4", "response_type": "in_channel"}))
    receiver.answer(body="")
    first = await sender.slash_command(ANA, TOWER, "unlink 4")
    second = await sender.slash_command(ANA, TOWER, "unlink 4")
    third = await sender.slash_command(ANA, TOWER)
    assert first.shown is not None and first.shown.ephemeral_to == ANA
    assert [m.text for m in ws.ephemerals_for(ANA)] == ["Checking CCO #4…"]
    assert [m.text for m in ws.channel_messages(TOWER)] == ["Unlinked CCO #4"]
    assert second.json == {"text": "Unlinked CCO #4", "response_type": "in_channel"}
    assert third.shown is None and third.status == 200


async def test_slow_or_failing_command_shows_slacks_error(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    sender = SlackSender(ws, receiver.url, http, ack_window=0.3)
    receiver.answer(status=500, body="boom")
    receiver.answer(body="late", delay=0.5)
    await sender.slash_command(ANA, TOWER, "unlink 4")
    slow = await sender.slash_command(ANA, TOWER, "unlink 4")
    assert slow.elapsed > 0.3
    assert [m.text for m in ws.ephemerals_for(ANA)] == [
        '/cco failed with the error "dispatch_failed"',
        '/cco failed with the error "operation_timeout"',
    ]


# -- clicks --------------------------------------------------------------------------------------

UNLINK_ROW = {
    "type": "section",
    "block_id": "cco-4",
    "text": {"type": "mrkdwn", "text": "CCO #4"},
    "accessory": {
        "type": "button",
        "action_id": "unlink",
        "value": "cco-4",
        "style": "danger",
        "text": {"type": "plain_text", "text": "Unlink"},
    },
}


async def test_click_sends_block_actions_for_an_existing_button(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    card = await slack.client().chat_postMessage(channel=TOWER, text="card", blocks=[UNLINK_ROW])
    await SlackSender(ws, receiver.url, http).click(BEN, TOWER, card["ts"], "unlink", "cco-4")
    payload = receiver.received[0].payload()
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": BEN, "username": "ben", "name": "ben", "team_id": ws.team_id}
    assert payload["container"] == {
        "type": "message",
        "message_ts": card["ts"],
        "channel_id": TOWER,
        "is_ephemeral": False,
    }
    assert payload["message"]["blocks"] == card["message"]["blocks"]
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["style"]) == (
        "unlink",
        "cco-4",
        "cco-4",
        "danger",
    )
    assert payload["response_url"].startswith(f"{slack.server.url}/response/")


async def test_click_on_a_missing_button_fails_the_test(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    card = ws.post(TOWER, "card", [UNLINK_ROW])
    sender = SlackSender(ws, receiver.url, http)
    with pytest.raises(AssertionError, match="no button action_id='approve'"):
        await sender.click(ANA, TOWER, card.ts, "approve")
    with pytest.raises(AssertionError, match="value='cco-5'"):
        await sender.click(ANA, TOWER, card.ts, "unlink", "cco-5")
    assert receiver.received == []


async def test_click_on_an_ephemeral_button_has_no_message(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    note = ws.post(TOWER, "Request unlink?", [UNLINK_ROW], ephemeral_to=ANA)
    sender = SlackSender(ws, receiver.url, http)
    with pytest.raises(AssertionError, match="ephemeral"):
        await sender.click(BEN, TOWER, note.ts, "unlink")
    await sender.click(ANA, TOWER, note.ts, "unlink")
    payload = receiver.received[0].payload()
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload


async def test_click_finds_buttons_inside_attachments(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    card = ws.post(TOWER, "card", attachments=[{"color": "danger", "blocks": [UNLINK_ROW]}])
    await SlackSender(ws, receiver.url, http).click(ANA, TOWER, card.ts, "unlink")
    assert receiver.received[0].payload()["container"]["attachment_id"] == 1


# -- views and App Home --------------------------------------------------------------------------

REASON_MODAL = {
    "type": "modal",
    "callback_id": "reason",
    "title": {"type": "plain_text", "text": "Why unlink?"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Reason"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


async def test_submit_view_carries_state_and_honours_response_action(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws, sender = slack.workspace, SlackSender(slack.workspace, receiver.url, http)
    view = ws.views.open(ANA, REASON_MODAL)
    with pytest.raises(AssertionError, match="required"):
        await sender.submit_view(ANA, view.id, {})
    errors = {"response_action": "errors", "errors": {"reason": "Say why"}}
    receiver.answer(body=json.dumps(errors))
    refused = await sender.submit_view(ANA, view.id, {"reason": {"text": ""}})
    payload = receiver.received[0].payload()
    assert payload["type"] == "view_submission" and payload["view"]["id"] == view.id
    assert payload["view"]["state"]["values"] == {
        "reason": {"text": {"type": "plain_text_input", "value": ""}}
    }
    assert refused.json == errors and view.is_open
    await sender.submit_view(ANA, view.id, {"reason": {"text": "Wrong vendor"}})
    assert not view.is_open


async def test_open_home_sends_an_app_home_opened_event(
    slack: Slack, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    ws = slack.workspace
    await SlackSender(ws, receiver.url, http).open_home(ANA)
    got = receiver.received[0]
    envelope = json.loads(got.body)
    assert got.headers["Content-Type"] == "application/json"
    assert (envelope["type"], envelope["team_id"], envelope["api_app_id"]) == (
        "event_callback",
        ws.team_id,
        ws.app_id,
    )
    assert envelope["event"]["type"] == "app_home_opened" and envelope["event"]["user"] == ANA
    assert envelope["event"]["tab"] == "home"
    assert SignatureVerifier(ws.signing_secret).is_valid_request(got.body, got.headers)


# -- a real Bolt app against the sandbox ---------------------------------------------------------


def build_bolt_app(slack: Slack) -> AsyncApp:
    app = AsyncApp(client=slack.client(), signing_secret=slack.workspace.signing_secret)

    @app.command("/cco")
    async def cco(ack: Any, command: dict[str, Any], client: Any) -> None:
        await ack("Listing synced CCOs…")
        await client.chat_postMessage(
            channel=command["channel_id"], text="CCOs", blocks=[UNLINK_ROW]
        )

    @app.action("unlink")
    async def unlink(ack: Any, body: dict[str, Any], respond: Any, client: Any) -> None:
        await ack()
        await respond(text="⏳ checking…", replace_original=True)
        await client.chat_postMessage(
            channel=body["channel"]["id"],
            thread_ts=body["container"]["message_ts"],
            text="✅ Successfully unlinked CCO #4",
        )

    return app


async def next_event(slack: Slack, after: int, kind: str) -> FeedEvent:
    """The first feed event of `kind` after `after`, waiting for it like a playground would."""
    while True:
        events = await slack.workspace.feed.wait(after, within=5)
        assert events, f"no {kind} within 5 s"
        for event in events:
            if event.kind == kind:
                return event
        after = events[-1].seq


async def test_bolt_app_round_trip(slack: Slack, http: httpx.AsyncClient) -> None:
    ws = slack.workspace
    bolt = await serve(build_bolt_app(slack).web_app())
    try:
        url = f"{bolt.url}/slack/events"
        sender = SlackSender(ws, url, http)
        after = ws.feed.last_seq
        acked = await sender.slash_command(ANA, TOWER, "unlink")
        assert acked.status == 200 and acked.shown is not None
        assert acked.shown.text == "Listing synced CCOs…" and acked.shown.ephemeral_to == ANA
        card = await next_event(slack, after, "message_posted")
        await sender.click(BEN, TOWER, card.data["ts"], "unlink", "cco-4")
        for _ in range(50):
            if ws.thread_replies(TOWER, card.data["ts"]):
                break
            await asyncio.sleep(0.05)
        assert [m.text for m in ws.thread_replies(TOWER, card.data["ts"])] == [
            "✅ Successfully unlinked CCO #4"
        ]
        replaced = ws.message(TOWER, card.data["ts"])
        assert replaced is not None and replaced.text == "⏳ checking…"
        forged = await SlackSender(ws, url, http, signing_secret="x").slash_command(ANA, TOWER)
        stale = await SlackSender(ws, url, http, clock_skew=-600).slash_command(ANA, TOWER)
        assert (forged.status, stale.status) == (401, 401)
    finally:
        await bolt.stop()
