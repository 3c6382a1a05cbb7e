"""Slack listeners for requests and approvals: ask (modal), approve, deny (modal)."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows import requests as flows
from flows.inflight import InFlight
from flows.services import Services
from flows.unlink import Busy, Finished, InvalidClick
from handlers.blocks import answers
from handlers.blocks.kit import escape, user, when
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
    status_words,
)
from handlers.failures import Failures, Where, tell_clicker, tell_or_dm
from handlers.notes import private_note
from handlers.payloads import view_metadata
from storage import repos
from storage.models import UnlinkRequest

log = structlog.get_logger("cco.requests")

Ack = Any


def register_requests(
    app: AsyncApp, svc: Services, slack: AsyncWebClient, failures: Failures, inflight: InFlight
) -> None:
    @app.action(REQUEST_ACTION)
    async def on_request(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with failures.guard(body):
            await _open_request_modal(svc, slack, body, respond)

    @app.view(REQUEST_VIEW)
    async def on_request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        async with failures.guard(body):
            await _submit_request(svc, slack, body, view)

    @app.action(APPROVE_ACTION)
    async def on_approve(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with inflight.hold(), failures.guard(body):
            await _approve(svc, slack, body, respond)

    @app.action(DENY_ACTION)
    async def on_deny(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with failures.guard(body):
            request_id = _request_id(body)
            async with svc.db.session() as s:
                request = await repos.get_request(s, request_id) if request_id else None
            if request is None or request.company_id != svc.policy.company_id:
                await tell_clicker(slack, body, answers.stale_button())
                return
            await slack.views_open(trigger_id=body["trigger_id"], view=deny_modal(request))

    @app.view(DENY_VIEW)
    async def on_deny_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = _reason(view)
        if len(reason) < 3:
            await ack(response_action="errors", errors={REASON_BLOCK: "Say why, in a few words."})
            return
        await ack()
        async with failures.guard(body):
            user_id = str((body.get("user") or {}).get("id") or "")
            request_id = int(view_metadata(view).get("request_id") or 0)
            result = await flows.deny(svc, request_id, user_id, reason)
            await _answer(svc, slack, result, user_id, _request_channel(result))


def card_ts_of(body: dict[str, Any]) -> str | None:
    """The card a click belongs to: the thread its message is in, else the message itself. A
    button inside a message attachment (the red reply's Request unlink) comes in a
    `message_attachment` container that may carry no `thread_ts`; the message object does."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    found = container.get("thread_ts") or message.get("thread_ts") or container.get("message_ts")
    return str(found) if isinstance(found, str) and found else None


async def _open_request_modal(
    svc: Services, slack: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond
) -> None:
    container = body.get("container") or {}
    value = str(((body.get("actions") or [{}])[0]).get("value") or "")
    card_ts = card_ts_of(body)
    if not value.isdecimal() or len(value) > 19 or not card_ts:
        await tell_clicker(slack, body, answers.stale_button())
        return
    channel_id = str(container.get("channel_id") or "")
    team_id = str((body.get("team") or {}).get("id") or "")
    try:
        label = await flows.cco_label(svc, team_id, channel_id, card_ts, int(value))
    except InvalidClick:
        await tell_clicker(slack, body, answers.stale_button())
        return
    if isinstance(label, flows.NoLongerSynced):
        await respond(
            **answers.notice(no_longer_synced_text(label, svc.erp.info.name)),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    metadata = {"channel_id": channel_id, "card_ts": card_ts, "cco_id": int(value)}
    await slack.views_open(trigger_id=body["trigger_id"], view=request_modal(metadata, label))


async def _submit_request(
    svc: Services, slack: AsyncWebClient, body: dict[str, Any], view: dict[str, Any]
) -> None:
    meta = view_metadata(view)
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
    if isinstance(result, flows.NoLongerSynced):
        text = no_longer_synced_text(result, svc.erp.info.name)
        await _tell(slack, channel_id, user_id, answers.notice(text))
        return
    request = result.request
    if isinstance(result, flows.AlreadyRequested):
        await _tell(
            slack,
            channel_id,
            user_id,
            answers.notice(
                f"🙋 <@{request.requester}> already asked for CCO #{escape(request.cco_number)} "
                f"(`{request.reference}`); approvers will see it in the card's thread."
            ),
        )
        return
    await _post_request(svc, slack, request, user_id)


async def _post_request(
    svc: Services, slack: AsyncWebClient, request: UnlinkRequest, user_id: str
) -> None:
    """Post the request in the card's thread; a request Slack refused is withdrawn (so it
    does not block a new one) and the requester is told, with its reference."""
    try:
        posted = await slack.chat_postMessage(
            channel=request.channel_id, thread_ts=request.card_ts, **request_message(request)
        )
    except Exception as exc:
        error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else "no answer"
        await flows.withdraw_unposted(svc, request, error)
        log.warning("request.unposted", reference=request.reference, error=error)
        await _tell(
            slack,
            request.channel_id,
            user_id,
            answers.notice(
                f"❌ Slack did not take your request for CCO #{escape(request.cco_number)} "
                f"({escape(error)}), so nothing was requested. Try again; if it keeps failing, "
                f"invite me with `/invite @cco-bot`. (ref `{request.reference}`)"
            ),
        )
        return
    assert request.id is not None
    await flows.attach_message(svc, request.id, str(posted["ts"]))
    log.info("request.opened", reference=request.reference, cco_id=request.cco_id)


async def _approve(
    svc: Services, slack: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond
) -> None:
    request_id = _request_id(body)
    user_id = str((body.get("user") or {}).get("id") or "")
    if request_id is None:
        await tell_clicker(slack, body, answers.stale_button())
        return
    response_url = body.get("response_url") if isinstance(body.get("response_url"), str) else None
    channel_id = str((body.get("container") or {}).get("channel_id") or "")
    try:
        result = await flows.approve(svc, request_id, user_id, response_url)
    except InvalidClick:
        await tell_clicker(slack, body, answers.stale_button())
        return
    await _answer(svc, slack, result, user_id, channel_id)


def no_longer_synced_text(gone: flows.NoLongerSynced, erp_name: str) -> str:
    """ "CCO #002 was already unlinked by @ana at 14:02 (ref R-…)": nothing to request."""
    who = f" by {user(gone.by_user)}" if gone.by_user else ""
    at = f" {when(gone.at)}" if gone.at else ""
    return (
        f"CCO #{escape(gone.cco_number)} is no longer synced with {escape(erp_name)}: it was "
        f"already unlinked{who}{at}, so there is nothing to unlink. (ref `{gone.reference}`)"
    )


def _request_channel(result: object) -> str:
    request = getattr(result, "request", None)
    return request.channel_id if isinstance(request, UnlinkRequest) else ""


async def _answer(
    svc: Services, slack: AsyncWebClient, result: object, user_id: str, channel_id: str
) -> None:
    """Tell the clicker what happened when the answer is not already a thread reply (a
    finished unlink answers in the thread; everything else is told here, never dropped)."""
    if isinstance(result, Finished):
        if (note := private_note(result)) is not None:  # said without the address in the thread
            await _tell(slack, channel_id, user_id, note)
        return
    if result is None:
        await _tell(slack, channel_id, user_id, answers.stale_button())
        return
    if isinstance(result, flows.Denied):
        await svc.messenger.refresh_request(int(result.request.id or 0))
        await slack.chat_postMessage(
            channel=result.request.channel_id,
            thread_ts=result.request.card_ts,
            **denied_reply(result.request),
        )
        return
    text = _answer_text(result, svc.erp.info.name)
    if isinstance(result, flows.Closed):
        await svc.messenger.refresh_request(int(result.request.id or 0))
    await _tell(slack, channel_id, user_id, answers.notice(text))


def _answer_text(result: object, erp_name: str) -> str:
    if isinstance(result, flows.Moot):
        return (
            f"{no_longer_synced_text(result.gone, erp_name)} This request is now closed "
            f"(`{result.request.reference}`)."
        )
    if isinstance(result, flows.Closed):
        status = status_words(result.request.status)
        by = f" by {user(result.request.decided_by)}" if result.request.decided_by else ""
        return (
            f"This request for CCO #{escape(result.request.cco_number)} was already "
            f"{status}{by} — nothing was done. (ref `{result.request.reference}`)"
        )
    if isinstance(result, flows.SelfApproval):
        return (
            "The four-eyes rule is on: you can't decide on your own request. Another approver "
            "must approve or deny it."
        )
    if isinstance(result, flows.NotAnApprover):
        return (
            "Only someone who could approve may deny a request: you need Admin on Commitments, "
            "Standard or Admin on ERP Integrations, and Can Push to Accounting (`/cco status`)."
        )
    assert isinstance(result, Busy)
    ref = f" (ref `{result.reference}`)" if result.reference else ""
    return (
        "An unlink of this CCO is already in progress; its answer will appear in the card's "
        f"thread.{ref}"
    )


async def _tell(
    slack: AsyncWebClient, channel_id: str, user_id: str, message: dict[str, Any]
) -> None:
    """Ephemeral in the channel; a click on the App Home (no channel there, and no ephemeral
    messages in a view) is answered by a DM from the bot."""
    await tell_or_dm(slack, Where("", channel_id, user_id, "a request button"), message)


def _request_id(body: dict[str, Any]) -> int | None:
    value = str(((body.get("actions") or [{}])[0]).get("value") or "")
    return int(value) if value.isdecimal() and len(value) <= 18 else None


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    value = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value")
    return str(value or "").strip()
