"""What the request and approval listeners say back: the request posted in the card's thread,
and the answer to a decision that is not already a thread reply."""

from __future__ import annotations

from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows import requests as flows
from flows.services import Services
from flows.unlink import Busy, Finished
from flows.views import RequestView
from handlers.blocks import answers
from handlers.blocks.kit import escape, user, when
from handlers.blocks.requests import denied_reply, request_message, status_words
from handlers.failures import Where, tell_or_dm
from handlers.notes import private_note
from storage.models import UnlinkRequest

log = structlog.get_logger("cco.requests")


async def post_request(
    svc: Services, slack: AsyncWebClient, request: UnlinkRequest, user_id: str
) -> None:
    """Post the request in the card's thread; a request Slack refused is withdrawn (so it
    does not block a new one) and the requester is told, with its reference."""
    try:
        posted = await slack.chat_postMessage(
            channel=request.channel_id,
            thread_ts=request.card_ts,
            **request_message(RequestView.of(request)),
        )
    except Exception as exc:
        error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else "no answer"
        await flows.withdraw_unposted(svc, request, error)
        log.warning("request.unposted", reference=request.reference, error=error)
        await tell(
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


def no_longer_synced_text(gone: flows.NoLongerSynced, erp_name: str) -> str:
    """ "CCO #002 was already unlinked by @ana at 14:02 (ref R-…)": nothing to request."""
    who = f" by {user(gone.by_user)}" if gone.by_user else ""
    at = f" {when(gone.at)}" if gone.at else ""
    return (
        f"CCO #{escape(gone.cco_number)} is no longer synced with {escape(erp_name)}: it was "
        f"already unlinked{who}{at}, so there is nothing to unlink. (ref `{gone.reference}`)"
    )


def request_channel(result: object) -> str:
    request = getattr(result, "request", None)
    return request.channel_id if isinstance(request, UnlinkRequest) else ""


async def answer_decision(
    svc: Services, slack: AsyncWebClient, result: object, user_id: str, channel_id: str
) -> None:
    """Tell the clicker what happened when the answer is not already a thread reply (a
    finished unlink answers in the thread; everything else is told here, never dropped)."""
    if isinstance(result, Finished):
        if (note := private_note(result)) is not None:  # said without the address in the thread
            await tell(slack, channel_id, user_id, note)
        return
    if result is None:
        await tell(slack, channel_id, user_id, answers.stale_button())
        return
    if isinstance(result, flows.Denied):
        await svc.messenger.refresh_request(int(result.request.id or 0))
        await slack.chat_postMessage(
            channel=result.request.channel_id,
            thread_ts=result.request.card_ts,
            **denied_reply(RequestView.of(result.request)),
        )
        return
    text = _answer_text(result, svc.erp.info.name)
    if isinstance(result, flows.Closed):
        await svc.messenger.refresh_request(int(result.request.id or 0))
    await tell(slack, channel_id, user_id, answers.notice(text))


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


async def tell(
    slack: AsyncWebClient, channel_id: str, user_id: str, message: dict[str, Any]
) -> None:
    """Ephemeral in the channel; a click on the App Home (no channel there, and no ephemeral
    messages in a view) is answered by a DM from the bot."""
    await tell_or_dm(slack, Where("", channel_id, user_id, "a request button"), message)
