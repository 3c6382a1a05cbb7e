"""What the request and approval listeners say back: the request posted in the card's thread,
and the answer to a decision that is not already a thread reply.

The request message and the denial are read by the whole channel: they are in the request's
own language (`UnlinkRequest.locale`, decided when it was opened). Everything else here is
read by the clicker alone, in their Slack locale (`reader_words`).
"""

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
from handlers.blocks.kit import escape, user
from handlers.blocks.requests import cco_name, denied_reply, request_message
from handlers.failures import Where, tell_or_dm, where_of
from handlers.notes import private_note
from i18n import N_, Words, words_for
from i18n import messages as m
from storage.models import UnlinkRequest
from storage.states import RequestStatus

log = structlog.get_logger("cco.requests")


async def reader_words(svc: Services, team_id: str, user_id: str) -> Words:
    """The words of what one person alone reads: their Slack locale (remembered a short while
    by the directory), else DEFAULT_LOCALE."""
    locale = await svc.directory.locale_of(team_id, user_id) if user_id else None
    return words_for(locale, svc.policy.default_locale)


async def clicker_words(svc: Services, body: dict[str, Any]) -> Words:
    """The words of what the clicker of a button alone reads (a form, a private answer)."""
    where = where_of(body)
    return await reader_words(svc, where.team_id, where.user_id)


def request_words(svc: Services, request: UnlinkRequest | RequestView) -> Words:
    """The words of what the channel reads about a request (decided when it was opened)."""
    return words_for(request.locale, svc.policy.default_locale)


def with_reference(t: Words, text: str, reference: str) -> str:
    return f"{text} ({t.gettext(m.REFERENCE, reference=reference)})"


async def post_request(
    svc: Services, slack: AsyncWebClient, request: UnlinkRequest, user_id: str
) -> None:
    """Post the request in the card's thread; a request Slack refused is withdrawn (so it
    does not block a new one) and the requester is told, with its reference."""
    try:
        posted = await slack.chat_postMessage(
            channel=request.channel_id,
            thread_ts=request.card_ts,
            **request_message(request_words(svc, request), RequestView.of(request)),
        )
    except Exception as exc:
        error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else "no answer"
        await flows.withdraw_unposted(svc, request, error)
        log.warning("request.unposted", reference=request.reference, error=error)
        t = await reader_words(svc, request.team_id, user_id)
        text = t.gettext(
            "Invite me to this channel with `/invite @cco-bot`, then try again: Slack did not "
            "take your request for {cco} ({error}), so nothing was requested.",
            cco=cco_name(t, request.cco_number),
            error=escape(error),
        )
        text = with_reference(t, text, request.reference)
        await tell(slack, request.channel_id, user_id, answers.notice(f"❌ {text}"))
        return
    assert request.id is not None
    await flows.attach_message(svc, request.id, str(posted["ts"]))
    log.info("request.opened", reference=request.reference, cco_id=request.cco_id)


def no_longer_synced_text(t: Words, gone: flows.NoLongerSynced, erp_name: str) -> str:
    """ "CCO #002 is no longer synced with Acumatica: it was already unlinked by @ana …"."""
    values: dict[str, object] = {"cco": cco_name(t, gone.cco_number), "erp": escape(erp_name)}
    if gone.by_user and gone.at:
        text = t.gettext(
            "{cco} is no longer synced with {erp}: it was already unlinked by {user} {when}, so "
            "there is nothing to unlink.",
            user=user(gone.by_user),
            when=t.when(gone.at),
            **values,
        )
    elif gone.by_user:
        text = t.gettext(
            "{cco} is no longer synced with {erp}: it was already unlinked by {user}, so there "
            "is nothing to unlink.",
            user=user(gone.by_user),
            **values,
        )
    elif gone.at:
        text = t.gettext(
            "{cco} is no longer synced with {erp}: it was already unlinked {when}, so there is "
            "nothing to unlink.",
            when=t.when(gone.at),
            **values,
        )
    else:
        text = t.gettext(
            "{cco} is no longer synced with {erp}: it was already unlinked, so there is nothing "
            "to unlink.",
            **values,
        )
    return with_reference(t, text, gone.reference)


def request_channel(result: object) -> str:
    request = getattr(result, "request", None)
    return request.channel_id if isinstance(request, UnlinkRequest) else ""


async def answer_decision(
    svc: Services, slack: AsyncWebClient, result: object, where: Where
) -> None:
    """Tell the clicker what happened when the answer is not already a thread reply (a
    finished unlink answers in the thread; everything else is told here, never dropped)."""
    channel_id, user_id = where.channel_id, where.user_id
    if isinstance(result, Finished):
        t = await reader_words(svc, where.team_id, user_id)
        if (note := private_note(t, result)) is not None:  # without the address in the thread
            await tell(slack, channel_id, user_id, note)
        return
    if result is None:
        t = await reader_words(svc, where.team_id, user_id)
        await tell(slack, channel_id, user_id, answers.stale_button(t))
        return
    if isinstance(result, flows.Denied):
        await svc.messenger.refresh_request(int(result.request.id or 0))
        await slack.chat_postMessage(
            channel=result.request.channel_id,
            thread_ts=result.request.card_ts,
            **denied_reply(request_words(svc, result.request), RequestView.of(result.request)),
        )
        return
    t = await reader_words(svc, where.team_id, user_id)
    text = answer_text(t, result, svc.erp.info.name, user_id)
    if isinstance(result, flows.Closed):
        await svc.messenger.refresh_request(int(result.request.id or 0))
    await tell(slack, channel_id, user_id, answers.notice(text))


def answer_text(t: Words, result: object, erp_name: str, user_id: str) -> str:
    """The clicker's answer to a decision that changed nothing."""
    if isinstance(result, flows.Moot):
        closed = t.gettext("This request is now closed.")
        return f"{no_longer_synced_text(t, result.gone, erp_name)} {closed}"
    if isinstance(result, flows.Closed):
        return closed_text(t, result.request, user_id)
    if isinstance(result, flows.SelfApproval):
        return t.gettext(
            "Ask another approver to approve or deny your request: the four-eyes rule is on, "
            "so you can't decide on your own request."
        )
    if isinstance(result, flows.NotAnApprover):
        return t.gettext(
            "Only an approver can deny a request. Approvers need Admin on Commitments, Standard "
            "or Admin on ERP Integrations, and Can Push to Accounting; `/cco status` shows yours."
        )
    assert isinstance(result, Busy)
    text = t.gettext(
        "An unlink of this CCO is already in progress. Its answer will appear in the card's thread."
    )
    return with_reference(t, text, result.reference) if result.reference else text


#: a closed request, by its status: decided by the clicker ("you"), by someone else, or neither
_CLOSED_BY_YOU = {
    RequestStatus.APPROVED: N_("You already approved this request for {cco}, so nothing was done."),
    RequestStatus.DENIED: N_("You already denied this request for {cco}, so nothing was done."),
}
_CLOSED_BY = {
    RequestStatus.APPROVED: N_(
        "This request for {cco} was already approved by {user}, so nothing was done."
    ),
    RequestStatus.DENIED: N_(
        "This request for {cco} was already denied by {user}, so nothing was done."
    ),
}
_CLOSED = {
    RequestStatus.APPROVED: N_("This request for {cco} was already approved, so nothing was done."),
    RequestStatus.DENIED: N_("This request for {cco} was already denied, so nothing was done."),
    RequestStatus.MOOT: N_(
        "This request for {cco} is closed: the CCO was already unlinked, so nothing was done."
    ),
    RequestStatus.UNPOSTED: N_(
        "This request for {cco} was withdrawn because Slack did not take it, so nothing was done."
    ),
}
_EXPIRED = N_("This request for {cco} expired, so nothing was done.")


def closed_text(t: Words, request: UnlinkRequest, user_id: str) -> str:
    status, by = RequestStatus(request.status), request.decided_by
    cco = cco_name(t, request.cco_number)
    if by and by == user_id and status in _CLOSED_BY_YOU:
        text = t.gettext(_CLOSED_BY_YOU[status], cco=cco)
    elif by and status in _CLOSED_BY:
        text = t.gettext(_CLOSED_BY[status], cco=cco, user=user(by))
    else:
        text = t.gettext(_CLOSED.get(status, _EXPIRED), cco=cco)
    return with_reference(t, text, request.reference)


async def tell(
    slack: AsyncWebClient, channel_id: str, user_id: str, message: dict[str, Any]
) -> None:
    """Ephemeral in the channel; a click on the App Home (no channel there, and no ephemeral
    messages in a view) is answered by a DM from the bot."""
    await tell_or_dm(slack, Where("", channel_id, user_id, "a request button"), message)
