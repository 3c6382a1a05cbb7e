"""The Slack sandbox driven by slack_sdk's real AsyncWebClient and AsyncWebhookClient."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.faults import FaultRule
from tests.adapters.slack_fixtures import ANA, BEN, LOBBY, TOWER, VAULT, Slack, slack

__all__ = ["slack"]


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def button(action_id: str, value: str = "v", **extra: Any) -> dict[str, Any]:
    text = extra.pop("text", {"type": "plain_text", "text": "Unlink"})
    return {"type": "button", "action_id": action_id, "value": value, "text": text, **extra}


def actions(*elements: dict[str, Any], block_id: str = "row") -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


async def api_error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        await call
    data: dict[str, Any] = caught.value.response.data
    assert data["ok"] is False
    return data


# -- auth ----------------------------------------------------------------------------------------


async def test_auth_test_names_the_bot_and_bad_tokens_are_refused(slack: Slack) -> None:
    ws = slack.workspace
    answer = await slack.client().auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == (
        ws.bot_user_id,
        ws.bot_id,
        ws.team_id,
    )
    assert "users:read.email" in answer.headers["x-oauth-scopes"]
    assert (await api_error(slack.client("xoxb-wrong").auth_test()))["error"] == "invalid_auth"
    async with httpx.AsyncClient() as http:
        bare = await http.post(f"{slack.api_url}auth.test")
    assert bare.json() == {"ok": False, "error": "not_authed"}


async def test_form_encoded_calls_with_token_param_are_accepted(slack: Slack) -> None:
    blocks = '[{"type":"section","text":{"type":"mrkdwn","text":"*CCO #4*"}}]'
    form = {"token": slack.workspace.bot_token, "channel": TOWER, "text": "t", "blocks": blocks}
    async with httpx.AsyncClient() as http:
        answer = (await http.post(f"{slack.api_url}chat.postMessage", data=form)).json()
    assert answer["ok"] is True
    stored = slack.workspace.message(TOWER, answer["ts"])
    assert stored is not None and stored.blocks[0]["text"]["text"] == "*CCO #4*"


# -- messages ------------------------------------------------------------------------------------


async def test_post_message_stores_it_as_the_bot(slack: Slack) -> None:
    ws = slack.workspace
    answer = await slack.client().chat_postMessage(
        channel=TOWER, text="CCO list", blocks=[section("*CCO #4*"), actions(button("unlink"))]
    )
    assert answer["channel"] == TOWER
    assert answer["message"]["bot_id"] == ws.bot_id
    assert answer["message"]["blocks"][1]["elements"][0]["action_id"] == "unlink"
    assert [m.ts for m in ws.channel_messages(TOWER)] == [answer["ts"]]
    assert answer["message"]["blocks"][0]["block_id"], "Slack fills in missing block ids"
    sent = ws.recorder.matching("POST", r"/api/chat\.postMessage$")[0]
    assert sent.headers["Authorization"] == f"Bearer {ws.bot_token}"
    assert sent.json()["channel"] == TOWER


async def test_ts_values_are_unique_and_increasing(slack: Slack) -> None:
    client = slack.client()
    stamps = [(await client.chat_postMessage(channel=TOWER, text=str(i)))["ts"] for i in range(3)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 3
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


async def test_thread_replies_land_under_the_parent(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    parent = await client.chat_postMessage(channel=TOWER, text="card")
    reply = await client.chat_postMessage(channel=TOWER, text="done", thread_ts=parent["ts"])
    nested = await client.chat_postMessage(channel=TOWER, text="again", thread_ts=reply["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    assert nested["message"]["thread_ts"] == parent["ts"], "a reply's ts threads under its parent"
    assert [m.text for m in ws.thread_replies(TOWER, parent["ts"])] == ["done", "again"]
    assert [m.text for m in ws.channel_messages(TOWER)] == ["card"]
    missing = await api_error(client.chat_postMessage(channel=TOWER, text="x", thread_ts="1.2"))
    assert missing["error"] == "thread_not_found"


async def test_update_replaces_content_and_keeps_history(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    posted = await client.chat_postMessage(
        channel=TOWER, text="card", blocks=[actions(button("unlink"))]
    )
    updated = await client.chat_update(
        channel=TOWER, ts=posted["ts"], text="card", blocks=[section("Unlinked by @ana")]
    )
    assert updated["ts"] == posted["ts"]
    stored = ws.message(TOWER, posted["ts"])
    assert stored is not None and stored.edited
    assert stored.blocks[0]["text"]["text"] == "Unlinked by @ana"
    assert stored.versions[0].blocks[0]["type"] == "actions"


async def test_update_refuses_unknown_and_foreign_messages(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    unknown = await api_error(client.chat_update(channel=TOWER, ts="1.000001", text="x"))
    assert unknown["error"] == "message_not_found"
    human = ws.post(TOWER, "hi", user=ANA)
    foreign = await api_error(client.chat_update(channel=TOWER, ts=human.ts, text="x"))
    assert foreign["error"] == "cant_update_message"


async def test_ephemeral_reaches_only_that_user(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    answer = await client.chat_postEphemeral(channel=TOWER, user=ANA, text="Already in progress")
    assert [m.ts for m in ws.ephemerals_for(ANA)] == [answer["message_ts"]]
    assert ws.ephemerals_for(BEN) == [] and ws.channel_messages(TOWER) == []
    outsider = await api_error(client.chat_postEphemeral(channel=LOBBY, user=BEN, text="x"))
    assert outsider["error"] == "not_in_channel"
    ws.channels[LOBBY].members.add(ws.bot_user_id)
    not_member = await api_error(client.chat_postEphemeral(channel=LOBBY, user=BEN, text="x"))
    assert not_member["error"] == "user_not_in_channel"


async def test_channels_the_bot_cannot_post_to(slack: Slack) -> None:
    client = slack.client()
    assert (await api_error(client.chat_postMessage(channel=LOBBY, text="x")))[
        "error"
    ] == "not_in_channel"
    assert (await api_error(client.chat_postMessage(channel=VAULT, text="x")))[
        "error"
    ] == "channel_not_found"
    assert (await api_error(client.chat_postMessage(channel="C0NONE", text="x")))[
        "error"
    ] == "channel_not_found"
    slack.workspace.scopes.add("chat:write.public")
    assert (await client.chat_postMessage(channel=LOBBY, text="x"))["ok"]


async def test_conversations_info_reports_membership(slack: Slack) -> None:
    client = slack.client()
    tower = (await client.conversations_info(channel=TOWER))["channel"]
    assert (tower["name"], tower["is_member"], tower["is_private"]) == ("tower-a", True, False)
    assert (await client.conversations_info(channel=LOBBY))["channel"]["is_member"] is False
    hidden = await api_error(client.conversations_info(channel=VAULT))
    assert hidden["error"] == "channel_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_no_text_is_refused(slack: Slack) -> None:
    refused = await api_error(slack.client().chat_postMessage(channel=TOWER))
    assert refused["error"] == "no_text"


# -- users ---------------------------------------------------------------------------------------


async def test_users_info_shows_email_only_when_the_user_has_one(slack: Slack) -> None:
    client = slack.client()
    ana = (await client.users_info(user=ANA))["user"]
    ben = (await client.users_info(user=BEN))["user"]
    assert ana["profile"]["email"] == "Ana.Ruiz@example.com"
    assert "email" not in ben["profile"]
    assert (ana["real_name"], ana["is_bot"], ana["deleted"]) == ("Ana Ruiz", False, False)
    assert (await api_error(client.users_info(user="U0NOBODY")))["error"] == "user_not_found"


async def test_email_needs_the_users_read_email_scope(slack: Slack) -> None:
    slack.workspace.scopes.discard("users:read.email")
    client = slack.client()
    assert "email" not in (await client.users_info(user=ANA))["user"]["profile"]
    refused = await api_error(client.users_lookupByEmail(email="ana.ruiz@example.com"))
    assert (refused["error"], refused["needed"]) == ("missing_scope", "users:read.email")


async def test_lookup_by_email_ignores_case(slack: Slack) -> None:
    client = slack.client()
    found = await client.users_lookupByEmail(email="ana.ruiz@EXAMPLE.com")
    assert found["user"]["id"] == ANA
    missing = await api_error(client.users_lookupByEmail(email="nobody@example.com"))
    assert missing["error"] == "users_not_found"


# -- Block Kit -----------------------------------------------------------------------------------

LONG = "x" * 3001
CONFIRM = {
    "title": {"type": "plain_text", "text": "Unlink?"},
    "text": {"type": "mrkdwn", "text": "Unlink CCO #4 from Acumatica?"},
    "confirm": {"type": "plain_text", "text": "Unlink"},
    "deny": {"type": "plain_text", "text": "Cancel"},
}


def confirm_with(part: str, value: Any) -> dict[str, Any]:
    changed = dict(CONFIRM)
    changed[part] = {"type": "plain_text", "text": value} if part != "style" else value
    return changed


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


INVALID_BLOCKS: list[tuple[str, list[Any], str]] = [
    ("51 blocks", [section(str(i)) for i in range(51)], "/blocks"),
    ("unknown block type", [{"type": "table_of_doom"}], "/blocks/0/type"),
    ("section text 3001", [section(LONG)], "/blocks/0/text/text"),
    (
        "11 fields",
        [{"type": "section", "fields": [plain("f")] * 11}],
        "/blocks/0/fields",
    ),
    (
        "field 2001",
        [{"type": "section", "fields": [plain("y" * 2001)]}],
        "/blocks/0/fields/0/text",
    ),
    ("header 151", [{"type": "header", "text": plain("h" * 151)}], "/blocks/0/text/text"),
    (
        "header mrkdwn",
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "/blocks/0/text/type",
    ),
    (
        "26 actions",
        [actions(*[button(f"a{i}") for i in range(26)])],
        "/blocks/0/elements",
    ),
    (
        "button text 76",
        [actions(button("a", text=plain("b" * 76)))],
        "/blocks/0/elements/0/text/text",
    ),
    (
        "button text mrkdwn",
        [actions(button("a", text={"type": "mrkdwn", "text": "b"}))],
        "/blocks/0/elements/0/text/type",
    ),
    ("button value 2001", [actions(button("a", "v" * 2001))], "/blocks/0/elements/0/value"),
    ("action_id 256", [actions(button("a" * 256))], "/blocks/0/elements/0/action_id"),
    ("block_id 256", [section("s", block_id="b" * 256)], "/blocks/0/block_id"),
    (
        "duplicate block_id",
        [section("a", block_id="row1"), section("b", block_id="row1")],
        "/blocks/1/block_id",
    ),
    (
        "duplicate action_id in a block",
        [actions(button("unlink", "1"), button("unlink", "2"))],
        "/blocks/0/elements/1/action_id",
    ),
    ("button style", [actions(button("a", style="success"))], "/blocks/0/elements/0/style"),
    (
        "confirm title 101",
        [actions(button("a", confirm=confirm_with("title", "t" * 101)))],
        "/confirm/title/text",
    ),
    (
        "confirm text 301",
        [actions(button("a", confirm=confirm_with("text", "t" * 301)))],
        "/confirm/text/text",
    ),
    (
        "confirm confirm 31",
        [actions(button("a", confirm=confirm_with("confirm", "c" * 31)))],
        "/confirm/confirm/text",
    ),
    (
        "confirm deny 31",
        [actions(button("a", confirm=confirm_with("deny", "d" * 31)))],
        "/confirm/deny/text",
    ),
    (
        "confirm style",
        [actions(button("a", confirm=confirm_with("style", "loud")))],
        "/confirm/style",
    ),
    (
        "11 context elements",
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "/blocks/0/elements",
    ),
]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [pytest.param(b, p, id=name) for name, b, p in INVALID_BLOCKS],
)
async def test_invalid_blocks_are_refused(slack: Slack, blocks: list[Any], pointer: str) -> None:
    refused = await api_error(
        slack.client().chat_postMessage(channel=TOWER, text="t", blocks=blocks)
    )
    assert refused["error"] == "invalid_blocks"
    assert any(pointer in error for error in refused["errors"]), refused["errors"]
    assert refused["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert slack.workspace.channel_messages(TOWER) == []


async def test_invalid_blocks_inside_attachments_and_on_update(slack: Slack) -> None:
    client = slack.client()
    bad = [{"color": "good", "blocks": [section(LONG)]}]
    refused = await api_error(client.chat_postMessage(channel=TOWER, text="t", attachments=bad))
    assert "/attachments/0/blocks/0/text/text" in refused["errors"][0]
    posted = await client.chat_postMessage(channel=TOWER, text="card")
    refused = await api_error(
        client.chat_update(channel=TOWER, ts=posted["ts"], text="card", blocks=[section(LONG)])
    )
    assert refused["error"] == "invalid_blocks"


@pytest.mark.parametrize("color", ["red", "#12345", "00ff00"])
async def test_attachment_colors_other_than_good_warning_danger_hex(
    slack: Slack, color: str
) -> None:
    attachment = [{"color": color, "blocks": [section("✅ Successfully unlinked")]}]
    refused = await api_error(
        slack.client().chat_postMessage(channel=TOWER, text="t", attachments=attachment)
    )
    assert refused["error"] == "invalid_attachments"
    assert "/attachments/0/color" in refused["errors"][0]


async def test_valid_card_shapes_are_accepted(slack: Slack) -> None:
    rows = [
        section("CCO #4", block_id="cco-4") | {"accessory": button("unlink", "4", confirm=CONFIRM)},
        section("CCO #5", block_id="cco-5") | {"accessory": button("unlink", "5", style="danger")},
        {"type": "header", "text": plain("h" * 150)},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        actions(*[button(f"a{i}") for i in range(25)], block_id="more"),
    ]
    for color in ("good", "danger", "#2EB67D"):
        answer = await slack.client().chat_postMessage(
            channel=TOWER, text="t", blocks=rows, attachments=[{"color": color, "blocks": rows[:1]}]
        )
        assert answer["ok"]


# -- views ---------------------------------------------------------------------------------------

MODAL = {
    "type": "modal",
    "callback_id": "unlink_reason",
    "title": plain("Unlink CCO #4"),
    "submit": plain("Unlink"),
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": plain("Why?"),
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


async def test_views_open_needs_a_fresh_trigger(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    opened = await client.views_open(trigger_id=ws.issue_trigger(ANA), view=MODAL)
    view = ws.views.get(opened["view"]["id"])
    assert view is not None and view.user_id == ANA and view.is_open
    stale = ws.issue_trigger(ANA)
    slack.clock.advance(3.5)
    assert (await api_error(client.views_open(trigger_id=stale, view=MODAL)))[
        "error"
    ] == "expired_trigger_id"
    unknown = await api_error(client.views_open(trigger_id="123.456.abc", view=MODAL))
    assert unknown["error"] == "invalid_arguments"


async def test_views_update_and_publish(slack: Slack) -> None:
    ws, client = slack.workspace, slack.client()
    opened = await client.views_open(trigger_id=ws.issue_trigger(ANA), view=MODAL)
    loaded = {**MODAL, "blocks": [section("Checking Acumatica…")]}
    updated = await client.views_update(view_id=opened["view"]["id"], view=loaded)
    assert updated["view"]["blocks"][0]["text"]["text"] == "Checking Acumatica…"
    conflict = await api_error(
        client.views_update(view_id=opened["view"]["id"], view=loaded, hash="stale.hash")
    )
    assert conflict["error"] == "hash_conflict"
    home = {"type": "home", "blocks": [section("Your CCO requests")]}
    published = await client.views_publish(user_id=BEN, view=home)
    stored = ws.views.home(BEN)
    assert stored is not None and stored.id == published["view"]["id"]


async def test_views_with_too_many_blocks_are_refused(slack: Slack) -> None:
    home = {"type": "home", "blocks": [section(str(i)) for i in range(101)]}
    refused = await api_error(slack.client().views_publish(user_id=ANA, view=home))
    assert refused["error"] == "invalid_arguments"
    assert "/view/blocks" in refused["response_metadata"]["messages"][0]


# -- response URLs -------------------------------------------------------------------------------


async def test_response_url_defaults_to_ephemeral_and_allows_five_uses(slack: Slack) -> None:
    ws = slack.workspace
    hook = AsyncWebhookClient(ws.issue_response_url(TOWER, ANA))
    for i in range(5):
        answer = await hook.send(text=f"step {i}")
        assert (answer.status_code, answer.body) == (200, "ok")
    assert [m.text for m in ws.ephemerals_for(ANA, TOWER)] == [f"step {i}" for i in range(5)]
    sixth = await hook.send(text="one too many")
    assert sixth.status_code == 404 and "expired" in sixth.body
    assert len(ws.ephemerals_for(ANA)) == 5


async def test_response_url_expires_after_30_minutes(slack: Slack) -> None:
    hook = AsyncWebhookClient(slack.workspace.issue_response_url(TOWER, ANA))
    slack.clock.advance(30 * 60 + 1)
    assert (await hook.send(text="late")).status_code == 404


async def test_response_url_in_channel_and_thread(slack: Slack) -> None:
    ws = slack.workspace
    parent = ws.post(TOWER, "card")
    hook = AsyncWebhookClient(ws.issue_response_url(TOWER, ANA, parent.ts))
    reply = {"text": "Successfully unlinked", "response_type": "in_channel", "thread_ts": parent.ts}
    assert (await hook.send_dict(reply)).status_code == 200
    assert [m.text for m in ws.thread_replies(TOWER, parent.ts)] == ["Successfully unlinked"]
    assert ws.ephemerals_for(ANA) == []


async def test_response_url_replaces_and_deletes_the_source_message(slack: Slack) -> None:
    ws = slack.workspace
    card = ws.post(TOWER, "card", [actions(button("unlink"))])
    hook = AsyncWebhookClient(ws.issue_response_url(TOWER, ANA, card.ts))
    await hook.send(text="⏳ checking… (@ana)", replace_original=True)
    replaced = ws.message(TOWER, card.ts)
    assert replaced is not None and replaced.text == "⏳ checking… (@ana)" and not replaced.blocks
    await hook.send_dict({"delete_original": True})
    assert ws.message(TOWER, card.ts) is None


async def test_response_url_refuses_invalid_blocks(slack: Slack) -> None:
    hook = AsyncWebhookClient(slack.workspace.issue_response_url(TOWER, ANA))
    answer = await hook.send(text="t", blocks=[section(LONG)])
    assert answer.status_code == 400 and answer.body == "invalid_blocks"
    assert slack.workspace.ephemerals_for(ANA) == []


# -- change feed and faults ----------------------------------------------------------------------


async def test_long_poll_returns_a_posted_message(slack: Slack) -> None:
    feed = slack.workspace.feed
    after = feed.last_seq
    waiting = asyncio.create_task(feed.wait(after, within=30))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "the poll waits while nothing happens"
    posted = await slack.client().chat_postMessage(channel=TOWER, text="card")
    events = [e.as_dict() for e in await asyncio.wait_for(waiting, 5)]
    assert [(e["kind"], e["ts"]) for e in events] == [("message_posted", posted["ts"])]
    assert feed.last_seq > after
    assert await feed.wait(feed.last_seq, within=0.1) == []
    state = slack.workspace.state_json()
    assert [m["ts"] for m in state["messages"]] == [posted["ts"]]
    assert {c["id"]: c["bot_member"] for c in state["channels"]}[LOBBY] is False


async def test_rate_limit_comes_only_from_fault_injection(slack: Slack) -> None:
    slack.workspace.faults.add(
        FaultRule(
            path=r"/api/chat\.postMessage$",
            status=429,
            headers={"Retry-After": "7"},
            body={"ok": False, "error": "ratelimited"},
            times=1,
        )
    )
    client = slack.client()
    client.retry_handlers = []
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=TOWER, text="x")
    limited = caught.value.response
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert limited["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel=TOWER, text="x"))["ok"]
