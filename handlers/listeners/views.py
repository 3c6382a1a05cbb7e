"""Form submissions (`view_submission`): the Request unlink form and the Deny form."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from flows import requests as flows
from handlers.blocks import answers
from handlers.blocks.kit import user
from handlers.blocks.requests import (
    DENY_VIEW,
    REASON_BLOCK,
    REASON_INPUT,
    REQUEST_VIEW,
    cco_name,
)
from handlers.context import Deps, deps_of
from handlers.failures import where_of
from handlers.payloads import view_metadata
from handlers.request_answers import (
    answer_decision,
    no_longer_synced_text,
    post_request,
    reader_words,
    request_channel,
    tell,
    with_reference,
)
from i18n import Words, words_for
from storage.models import UnlinkRequest


def register(app: AsyncApp) -> None:
    app.view(REQUEST_VIEW)(on_request_submitted)
    app.view(DENY_VIEW)(on_deny_submitted)


async def on_request_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        await _submit_request(deps, body, view)


async def on_deny_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    reason = _reason(view)
    if len(reason) < 3:
        # before the ack, no Slack call: the form carries the language it was opened in
        t = words_for(str(view_metadata(view).get("locale") or "") or None)
        say_why = t.gettext("Say why, in a few words.")
        await ack(response_action="errors", errors={REASON_BLOCK: say_why})
        return
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        where = where_of(body)
        request_id = int(view_metadata(view).get("request_id") or 0)
        result = await flows.deny(deps.services, request_id, where.user_id, reason)
        where = replace(where, channel_id=request_channel(result))
        await answer_decision(deps.services, deps.slack, result, where)


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
        t = await reader_words(svc, team_id, user_id)
        text = no_longer_synced_text(t, result, svc.erp.info.name)
        await tell(slack, channel_id, user_id, answers.notice(text))
        return
    if isinstance(result, flows.AlreadyRequested):
        t = await reader_words(svc, team_id, user_id)
        text = already_requested(t, result.request, user_id)
        await tell(slack, channel_id, user_id, answers.notice(f"🙋 {text}"))
        return
    await post_request(svc, slack, result.request, user_id)


def already_requested(t: Words, request: UnlinkRequest, user_id: str) -> str:
    """A request for this CCO is open already: its requester is "you" when it is the reader."""
    cco = cco_name(t, request.cco_number)
    if request.requester == user_id:
        text = t.gettext(
            "You already asked for {cco}; approvers will see it in the card's thread.", cco=cco
        )
    else:
        text = t.gettext(
            "{requester} already asked for {cco}; approvers will see it in the card's thread.",
            requester=user(request.requester),
            cco=cco,
        )
    return with_reference(t, text, request.reference)


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    value = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value")
    return str(value or "").strip()
