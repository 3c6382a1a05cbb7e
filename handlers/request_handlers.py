"""Slack listeners for requests and approvals: ask (modal), approve, deny (modal)."""

from __future__ import annotations

import json
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.blocks import answers
from handlers.blocks.requests import (
    APPROVE_ACTION,
    DENY_ACTION,
    DENY_VIEW,
    REASON_BLOCK,
    REASON_INPUT,
    REQUEST_ACTION,
    REQUEST_VIEW,
    denied_reply,
    deny_modal,
    request_message,
    request_modal,
)
from handlers.flows import requests as flows
from handlers.flows.services import Services
from handlers.flows.unlink import Busy, InvalidClick
from storage import repos

log = structlog.get_logger("cco.requests")

Ack = Any


def register_requests(app: AsyncApp, svc: Services, slack: AsyncWebClient) -> None:
    @app.action(REQUEST_ACTION)
    async def on_request(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        container = body.get("container") or {}
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")
        card_ts = container.get("thread_ts") or container.get("message_ts")
        if not value.isdigit() or len(value) > 19 or not card_ts:
            await respond(
                **answers.stale_button(), response_type="ephemeral", replace_original=False
            )
            return
        metadata = {
            "channel_id": container.get("channel_id"),
            "card_ts": card_ts,
            "cco_id": int(value),
        }
        label = f"CCO {_row_label(body, int(value))}"
        await slack.views_open(trigger_id=body["trigger_id"], view=request_modal(metadata, label))

    @app.view(REQUEST_VIEW)
    async def on_request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        meta = _metadata(view)
        user_id = str((body.get("user") or {}).get("id") or "")
        team_id = str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", ""))
        channel_id = str(meta.get("channel_id") or "")
        try:
            result = await flows.open_request(
                svc,
                team_id=team_id,
                channel_id=channel_id,
                card_ts=str(meta.get("card_ts") or ""),
                cco_id=int(meta.get("cco_id") or 0),
                requester=user_id,
                reason=_reason(view),
            )
        except InvalidClick:
            await _tell(slack, channel_id, user_id, answers.stale_button())
            return
        request = result.request
        if isinstance(result, flows.AlreadyRequested):
            await _tell(
                slack,
                channel_id,
                user_id,
                answers.notice(
                    f"🙋 <@{request.requester}> already asked for CCO #{request.cco_number} "
                    f"(`{request.reference}`); approvers will see it in the card's thread."
                ),
            )
            return
        posted = await slack.chat_postMessage(
            channel=request.channel_id, thread_ts=request.card_ts, **request_message(request)
        )
        assert request.id is not None
        await flows.attach_message(svc, request.id, str(posted["ts"]))
        log.info("request.opened", reference=request.reference, cco_id=request.cco_id)

    @app.action(APPROVE_ACTION)
    async def on_approve(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        request_id = _request_id(body)
        user_id = str((body.get("user") or {}).get("id") or "")
        if request_id is None:
            await respond(
                **answers.stale_button(), response_type="ephemeral", replace_original=False
            )
            return
        response_url = (
            body.get("response_url") if isinstance(body.get("response_url"), str) else None
        )
        result = await flows.approve(svc, request_id, user_id, response_url)
        await _answer(svc, slack, result, user_id)

    @app.action(DENY_ACTION)
    async def on_deny(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        request_id = _request_id(body)
        async with svc.db.session() as s:
            request = await repos.get_request(s, request_id) if request_id else None
        if request is None or request.company_id != svc.company_id:
            await respond(
                **answers.stale_button(), response_type="ephemeral", replace_original=False
            )
            return
        await slack.views_open(trigger_id=body["trigger_id"], view=deny_modal(request))

    @app.view(DENY_VIEW)
    async def on_deny_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = _reason(view)
        if len(reason) < 3:
            await ack(response_action="errors", errors={REASON_BLOCK: "Say why, in a few words."})
            return
        await ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        request_id = int(_metadata(view).get("request_id") or 0)
        result = await flows.deny(svc, request_id, user_id, reason)
        await _answer(svc, slack, result, user_id)


async def _answer(svc: Services, slack: AsyncWebClient, result: Any, user_id: str) -> None:
    """Tell the clicker what happened when the answer is not already a thread reply."""
    if result is None or (isinstance(result, Busy) and result.reference is None):
        return
    request = getattr(result, "request", None)
    if isinstance(result, flows.Denied):
        await svc.messenger.refresh_request(int(result.request.id or 0))
        await slack.chat_postMessage(
            channel=result.request.channel_id,
            thread_ts=result.request.card_ts,
            **denied_reply(result.request),
        )
        return
    if isinstance(result, flows.Closed):
        await svc.messenger.refresh_request(int(result.request.id or 0))
        text = f"This request is already {result.request.status} — nothing was done."
    elif isinstance(result, flows.SelfApproval):
        text = (
            "The four-eyes rule is on: you can't decide on your own request. Another approver "
            "must approve or deny it."
        )
    elif isinstance(result, flows.NotAnApprover):
        text = (
            "Only someone who could approve may deny a request: you need Admin on Commitments, "
            "Standard or Admin on ERP Integrations, and Can Push to Accounting (`/cco status`)."
        )
    elif isinstance(result, Busy):
        text = "An unlink of this CCO is already in progress; its answer will appear in the thread."
    else:
        return
    if request is not None:
        await _tell(slack, request.channel_id, user_id, answers.notice(text))


async def _tell(
    slack: AsyncWebClient, channel_id: str, user_id: str, message: dict[str, Any]
) -> None:
    try:
        await slack.chat_postEphemeral(channel=channel_id, user=user_id, **message)
    except SlackApiError:
        await slack.chat_postMessage(channel=user_id, **message)


def _request_id(body: dict[str, Any]) -> int | None:
    value = str(((body.get("actions") or [{}])[0]).get("value") or "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    value = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value")
    return str(value or "").strip()


def _row_label(body: dict[str, Any], cco_id: int) -> str:
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") == f"cco:{cco_id}":
            text = str((block.get("text") or {}).get("text", ""))
            return text.split("\n")[0].strip("*").removeprefix("CCO ")
    return f"#{cco_id}"
