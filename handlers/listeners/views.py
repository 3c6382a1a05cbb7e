"""Form submissions (`view_submission`): the Request unlink form and the Deny form."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from flows import requests as flows
from handlers.blocks import answers
from handlers.blocks.kit import escape
from handlers.blocks.requests import DENY_VIEW, REASON_BLOCK, REASON_INPUT, REQUEST_VIEW
from handlers.context import Deps, deps_of
from handlers.payloads import view_metadata
from handlers.request_answers import (
    answer_decision,
    no_longer_synced_text,
    post_request,
    request_channel,
    tell,
)


def register(app: AsyncApp) -> None:
    app.view(REQUEST_VIEW)(on_request_submitted)
    app.view(DENY_VIEW)(on_deny_submitted)


async def on_request_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.failures.guard(body):
        await _submit_request(deps, body, view)


async def on_deny_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    reason = _reason(view)
    if len(reason) < 3:
        await ack(response_action="errors", errors={REASON_BLOCK: "Say why, in a few words."})
        return
    await ack()
    deps = deps_of(context)
    async with deps.failures.guard(body):
        user_id = str((body.get("user") or {}).get("id") or "")
        request_id = int(view_metadata(view).get("request_id") or 0)
        result = await flows.deny(deps.services, request_id, user_id, reason)
        await answer_decision(deps.services, deps.slack, result, user_id, request_channel(result))


async def _submit_request(deps: Deps, body: dict[str, Any], view: dict[str, Any]) -> None:
    svc, slack = deps.services, deps.slack
    meta = view_metadata(view)
    user_id = str((body.get("user") or {}).get("id") or "")
    team_id = str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", ""))
    channel_id = str(meta.get("channel_id") or "")
    result = await flows.open_request(
        svc,
        team_id=team_id,
        channel_id=channel_id,
        card_ts=str(meta.get("card_ts") or ""),
        cco_id=int(meta.get("cco_id") or 0),
        requester=user_id,
        reason=_reason(view),
    )
    if isinstance(result, flows.NoLongerSynced):
        text = no_longer_synced_text(result, svc.erp.info.name)
        await tell(slack, channel_id, user_id, answers.notice(text))
        return
    request = result.request
    if isinstance(result, flows.AlreadyRequested):
        await tell(
            slack,
            channel_id,
            user_id,
            answers.notice(
                f"🙋 <@{request.requester}> already asked for CCO #{escape(request.cco_number)} "
                f"(`{request.reference}`); approvers will see it in the card's thread."
            ),
        )
        return
    await post_request(svc, slack, request, user_id)


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    value = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value")
    return str(value or "").strip()
