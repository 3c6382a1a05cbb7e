"""The card's buttons: Unlink, the page buttons, and the link buttons (audit CSV, connect)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows.unlink import Busy, UnlinkClick, unlink
from handlers.blocks import answers
from handlers.blocks.card import PAGE_ACTION, UNLINK_ACTION
from handlers.buttons import clicked_number
from handlers.cards import CardFlowError, turn_page
from handlers.context import Deps, deps_of
from handlers.failures import tell_clicker
from handlers.notes import private_note
from handlers.request_answers import clicker_words


def register(app: AsyncApp) -> None:
    # Bolt tries listeners in the order they were added: the Unlink click, the busiest, first.
    app.action(UNLINK_ACTION)(on_unlink)
    app.action(re.compile("^(cco_audit_csv|cco_connect_link)$"))(on_link_button)
    app.action(re.compile(f"^{PAGE_ACTION}"))(on_page)


async def on_unlink(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        await _click_unlink(deps, body, respond)


async def on_link_button(ack: AsyncAck) -> None:
    await ack()  # a link button: Slack opens the URL (and still sends the click); no more


async def on_page(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        await _click_page(deps, body, respond)


async def _click_unlink(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    slack = deps.slack
    click = _parse_click(body)
    if click is None:
        await tell_clicker(
            slack, body, answers.stale_button(await clicker_words(deps.services, body))
        )
        return
    result = await unlink(deps.services, click)  # InvalidClick: the guard's stale answer
    if isinstance(result, Busy):
        # the clicker's own answer, in their language (known since the claim: no Slack call)
        t = await clicker_words(deps.services, body)
        message = answers.busy_message(
            t,
            result.cco_number or str(click.cco_id),
            result.by_user,
            result.reference,
            result.finished_at,
            result.unlinked,
        )
        await _ephemeral(slack, click.channel_id, click.slack_user_id, message, respond)
    elif (note := private_note(await clicker_words(deps.services, body), result)) is not None:
        await _ephemeral(slack, click.channel_id, click.slack_user_id, note, respond)


async def _click_page(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    container = body.get("container") or {}
    page = clicked_number(body)
    if page is None:
        await tell_clicker(
            deps.slack, body, answers.stale_button(await clicker_words(deps.services, body))
        )
        return
    try:
        await turn_page(
            deps.services,
            deps.slack,
            team_id=str((body.get("team") or {}).get("id") or ""),
            channel_id=str(container.get("channel_id") or ""),
            message_ts=str(container.get("message_ts") or ""),
            page=page,
            t=await clicker_words(deps.services, body),
        )
    except CardFlowError as exc:
        await respond(
            **answers.notice(exc.message), response_type="ephemeral", replace_original=False
        )


def _parse_click(body: dict[str, Any]) -> UnlinkClick | None:
    """Validate the payload fields a click needs; the card itself is checked server-side."""
    container = body.get("container") or {}
    team = body.get("team") or {}
    user = body.get("user") or {}
    cco_id = clicked_number(body)
    fields = (
        team.get("id"),
        container.get("channel_id"),
        container.get("message_ts"),
        user.get("id"),
    )
    if cco_id is None or not all(isinstance(f, str) and f for f in fields):
        return None
    return UnlinkClick(
        team_id=str(team["id"]),
        channel_id=str(container["channel_id"]),
        card_ts=str(container["message_ts"]),
        slack_user_id=str(user["id"]),
        cco_id=cco_id,
        response_url=_response_url(body),
    )


def _response_url(body: dict[str, Any]) -> str | None:
    url = body.get("response_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


async def _ephemeral(
    slack: AsyncWebClient,
    channel_id: str,
    user_id: str,
    message: dict[str, Any],
    respond: AsyncRespond,
) -> None:
    try:
        await slack.chat_postEphemeral(channel=channel_id, user=user_id, **message)
    except SlackApiError:
        await respond(**message, response_type="ephemeral", replace_original=False)
