"""The request buttons: Request unlink (opens the form), Approve & unlink, Deny (opens the
form). The forms' submissions are in `listeners/views.py`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from flows import requests as flows
from flows.views import RequestView
from handlers.blocks import answers
from handlers.blocks.requests import (
    APPROVE_ACTION,
    DENY_ACTION,
    REQUEST_ACTION,
    cco_name,
    deny_modal,
    request_modal,
)
from handlers.buttons import clicked_number
from handlers.context import Deps, deps_of
from handlers.failures import tell_clicker, where_of
from handlers.request_answers import (
    answer_decision,
    clicker_words,
    no_longer_synced_text,
)


def register(app: AsyncApp) -> None:
    app.action(REQUEST_ACTION)(on_request)
    app.action(APPROVE_ACTION)(on_approve)
    app.action(DENY_ACTION)(on_deny)


async def on_request(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        await _open_request_modal(deps, body, respond)


async def on_approve(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        await _approve(deps, body)


async def on_deny(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        request_id = clicked_number(body)
        request = await flows.request_of(deps.services, request_id) if request_id else None
        t = await clicker_words(deps.services, body)
        if request is None:
            await tell_clicker(deps.slack, body, answers.stale_button(t))
            return
        await deps.slack.views_open(
            trigger_id=body["trigger_id"], view=deny_modal(t, RequestView.of(request))
        )


def card_ts_of(body: dict[str, Any]) -> str | None:
    """The card a click belongs to: the thread its message is in, else the message itself. A
    button inside a message attachment (the red reply's Request unlink) comes in a
    `message_attachment` container that may carry no `thread_ts`; the message object does."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    found = container.get("thread_ts") or message.get("thread_ts") or container.get("message_ts")
    return str(found) if isinstance(found, str) and found else None


async def _open_request_modal(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    svc, slack = deps.services, deps.slack
    container = body.get("container") or {}
    cco_id = clicked_number(body)
    card_ts = card_ts_of(body)
    t = await clicker_words(deps.services, body)
    if cco_id is None or not card_ts:
        await tell_clicker(slack, body, answers.stale_button(t))
        return
    channel_id = str(container.get("channel_id") or "")
    team_id = str((body.get("team") or {}).get("id") or "")
    label = await flows.cco_label(svc, team_id, channel_id, card_ts, cco_id)
    if isinstance(label, flows.NoLongerSynced):
        await respond(
            **answers.notice(no_longer_synced_text(t, label, svc.erp.info.name)),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    metadata = {"channel_id": channel_id, "card_ts": card_ts, "cco_id": cco_id, "locale": t.locale}
    modal = request_modal(t, metadata, cco_name(t, label.number, label.title))
    await slack.views_open(trigger_id=body["trigger_id"], view=modal)


async def _approve(deps: Deps, body: dict[str, Any]) -> None:
    request_id = clicked_number(body)
    user_id = str((body.get("user") or {}).get("id") or "")
    if request_id is None:
        await tell_clicker(
            deps.slack, body, answers.stale_button(await clicker_words(deps.services, body))
        )
        return
    response_url = body.get("response_url") if isinstance(body.get("response_url"), str) else None
    result = await flows.approve(deps.services, request_id, user_id, response_url)
    await answer_decision(deps.services, deps.slack, result, where_of(body))
