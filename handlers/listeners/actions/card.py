"""The card's buttons: Unlink, the page buttons, and the link buttons (audit CSV, connect)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows.unlink import Busy, InvalidClick, UnlinkClick, unlink
from handlers.blocks import answers
from handlers.blocks.card import PAGE_ACTION, UNLINK_ACTION
from handlers.cards import CardFlowError, turn_page
from handlers.context import Deps, deps_of
from handlers.failures import tell_clicker
from handlers.notes import private_note


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
        await tell_clicker(slack, body, answers.stale_button())
        return
    try:
        result = await unlink(deps.services, click)
    except InvalidClick:
        await tell_clicker(slack, body, answers.stale_button())
        return
    if isinstance(result, Busy):
        number = _row_number(body, click.cco_id)
        message = answers.busy_message(
            number, result.by_user, result.reference, result.finished_at, result.unlinked
        )
        await _ephemeral(slack, click.channel_id, click.slack_user_id, message, respond)
    elif (note := private_note(result)) is not None:
        await _ephemeral(slack, click.channel_id, click.slack_user_id, note, respond)


async def _click_page(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    container = body.get("container") or {}
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    if not value.isdecimal() or len(value) > 6:
        await tell_clicker(deps.slack, body, answers.stale_button())
        return
    try:
        await turn_page(
            deps.services,
            deps.slack,
            team_id=str((body.get("team") or {}).get("id") or ""),
            channel_id=str(container.get("channel_id") or ""),
            message_ts=str(container.get("message_ts") or ""),
            page=int(value),
        )
    except CardFlowError as exc:
        await respond(
            **answers.notice(exc.message), response_type="ephemeral", replace_original=False
        )


def _parse_click(body: dict[str, Any]) -> UnlinkClick | None:
    """Validate the payload fields a click needs; the card itself is checked server-side."""
    container = body.get("container") or {}
    actions = body.get("actions") or []
    team = body.get("team") or {}
    user = body.get("user") or {}
    if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
        return None
    value = str(actions[0].get("value") or "")
    fields = (
        team.get("id"),
        container.get("channel_id"),
        container.get("message_ts"),
        user.get("id"),
    )
    if not value.isdecimal() or len(value) > 19:
        return None
    if not all(isinstance(f, str) and f for f in fields):
        return None
    return UnlinkClick(
        team_id=str(team["id"]),
        channel_id=str(container["channel_id"]),
        card_ts=str(container["message_ts"]),
        slack_user_id=str(user["id"]),
        cco_id=int(value),
        response_url=_response_url(body),
    )


def _response_url(body: dict[str, Any]) -> str | None:
    url = body.get("response_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _row_number(body: dict[str, Any], cco_id: int) -> str:
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") == f"cco:{cco_id}":
            found = re.search(r"CCO #([^ *]+)", str((block.get("text") or {}).get("text", "")))
            if found:
                return found.group(1)
    return str(cco_id)


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
