"""Slack listeners. Each one does four things: ack, parse, call one flow, render."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows.history import REFERENCE, Trail, history, record_refusal, trail
from flows.inflight import InFlight
from flows.linking import channel_project, link_channel, project_hidden
from flows.services import Services
from flows.status import status
from flows.unlink import Busy, InvalidClick, UnlinkClick, unlink
from handlers import commands
from handlers.accounts_io import account_answer
from handlers.blocks import answers
from handlers.blocks.card import PAGE_ACTION, UNLINK_ACTION
from handlers.blocks.kit import escape
from handlers.blocks.links import hidden_message, link_answer
from handlers.blocks.trail import trail_message
from handlers.cards import CardFlowError, post_card, turn_page
from handlers.dedupe import dedupe_middleware, first_delivery
from handlers.failures import Failures, tell_clicker
from handlers.home import register_home
from handlers.installation import register_installation
from handlers.notes import private_note
from handlers.request_handlers import register_requests

log = structlog.get_logger("cco.handlers")

Ack = Callable[..., Awaitable[None]]

#: commands worked on at once after their ack; more wait their turn, so that a burst of them
#: cannot slow the acks of later requests (docs/performance.md, "Ack path")
COMMANDS_AT_ONCE = 4

#: the one slash command (manifest.yml declares the same; a test holds them together)
SLASH_COMMAND = "/cco"


def register(app: AsyncApp, svc: Services, slack: AsyncWebClient, inflight: InFlight) -> None:
    app.middleware(dedupe_middleware(svc.db))
    command_slots = asyncio.Semaphore(COMMANDS_AT_ONCE)
    failures = Failures(svc, slack)

    # Bolt tries listeners in the order they were added (each try costs ~0.05 ms of CPU), so
    # the slash command and the Unlink click, the busiest, come first.
    @app.command(SLASH_COMMAND)
    async def on_cco(ack: Ack, command: dict[str, Any], respond: AsyncRespond) -> None:
        parsed = commands.parse(str(command.get("text") or ""))
        if isinstance(parsed, commands.Help):
            await ack(**answers.help_message())
            return
        if isinstance(parsed, commands.Usage):
            await ack(**answers.usage_message(parsed.problem))
            return
        await ack()
        async with inflight.hold(), command_slots:  # a burst queues here, not in the loop
            if await first_delivery(svc.db, command):  # after the ack: no DB write before it
                await _guarded(
                    failures, command, _run_command(svc, slack, parsed, command, respond)
                )

    @app.action(UNLINK_ACTION)
    async def on_unlink(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with inflight.hold():
            await _guarded(failures, body, _click_unlink(svc, slack, body, respond))

    @app.action(re.compile("^(cco_audit_csv|cco_connect_link)$"))
    async def on_link_button(ack: Ack) -> None:
        await ack()  # a link button: Slack opens the URL (and still sends the click); no more

    @app.action(re.compile(f"^{PAGE_ACTION}"))
    async def on_page(ack: Ack, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with inflight.hold():
            await _guarded(failures, body, _click_page(svc, slack, body, respond))

    app.error(failures.bolt_error)
    register_requests(app, svc, slack, failures, inflight)
    register_installation(app, svc, slack)
    register_home(app, svc, slack)


async def _guarded(failures: Failures, body: dict[str, Any], work: Awaitable[None]) -> None:
    """Run a listener's work after its ack; a failure gets the central answer (a reference id,
    logged, audited for `/cco history` and told to the person: `handlers.failures`)."""
    async with failures.guard(body):
        await work


async def _run_command(
    svc: Services,
    slack: AsyncWebClient,
    parsed: commands.Command,
    command: dict[str, Any],
    respond: AsyncRespond,
) -> None:
    team_id, channel_id = str(command["team_id"]), str(command["channel_id"])
    user_id = str(command["user_id"])
    if isinstance(parsed, commands.Link):
        result = await link_channel(svc, team_id, channel_id, user_id, parsed.project_id)
        message, response_type = link_answer(result, user_id)
        await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
        await respond(**message, response_type=response_type)
        return
    if isinstance(parsed, commands.Connect | commands.Disconnect):
        await respond(
            **await account_answer(svc, parsed, team_id, user_id), response_type="ephemeral"
        )
        return
    link = await channel_project(svc, team_id, channel_id)
    if isinstance(parsed, commands.Status):
        report = await status(svc, team_id, user_id, link)
        await respond(**answers.status_message(report), response_type="ephemeral")
        return
    if link is None:
        if isinstance(parsed, commands.History) and parsed.query:
            message = await _unlinked_trail(svc, team_id, channel_id, user_id, parsed.query)
        else:
            message = answers.not_linked_message()
        await respond(**message, response_type="ephemeral")
        return
    hidden = await project_hidden(svc, user_id, link)
    if hidden is not None:
        message = hidden_message(hidden)
        await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
        await respond(**message, response_type="ephemeral")
        return
    if isinstance(parsed, commands.Unlink):
        await _list(svc, slack, link, parsed.query, user_id, respond)
    elif isinstance(parsed, commands.History):
        found = await history(svc, link, user_id, parsed.query)
        if found is None:
            message = _nothing_recorded(str(parsed.query), f"in {escape(link.project_name)}")
        elif isinstance(found, Trail):
            message = trail_message(found, svc.erp.info)
        else:
            message = answers.history_message(link.project_name, found, svc.erp.info.name)
        await respond(**message, response_type="ephemeral")


def _typed(command: dict[str, Any]) -> str:
    """The command as the person typed it (for the audit)."""
    return f"{SLASH_COMMAND} {' '.join(str(command.get('text') or '').split())}".strip()


def _nothing_recorded(query: str, where: str) -> dict[str, Any]:
    return answers.notice(
        f"Nothing was recorded as `{escape(query)}` {where}. Check the reference, or run "
        "`/cco history` for the latest attempts."
    )


async def _unlinked_trail(
    svc: Services, team_id: str, channel_id: str, user_id: str, query: str
) -> dict[str, Any]:
    """`/cco history <ref>` in a channel not linked to a project: what was refused or failed
    here (a `/cco link` refusal's reference is findable before any link exists)."""
    reference = query.upper()
    if not REFERENCE.match(reference):
        return answers.not_linked_message()
    found = await trail(svc, None, reference, team_id, channel_id, asker=user_id)
    if found is None:
        return _nothing_recorded(query, "in this channel, which isn't linked to a project yet")
    return trail_message(found, svc.erp.info)


async def _list(
    svc: Services,
    slack: AsyncWebClient,
    link: Any,
    query: str,
    user_id: str,
    respond: AsyncRespond,
) -> None:
    if not svc.erp.info.syncs_ccos:
        text = f"CCOs aren't synced with {svc.erp.info.name}, so there is nothing to unlink."
        await respond(**answers.notice(text), response_type="ephemeral")
        return
    try:
        await post_card(svc, slack, link, query, user_id)
    except CardFlowError as exc:
        await respond(**answers.notice(exc.message), response_type="ephemeral")


async def _click_unlink(
    svc: Services, slack: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond
) -> None:
    click = _parse_click(body)
    if click is None:
        await tell_clicker(slack, body, answers.stale_button())
        return
    try:
        result = await unlink(svc, click)
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


async def _click_page(
    svc: Services, slack: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond
) -> None:
    container = body.get("container") or {}
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    if not value.isdecimal() or len(value) > 6:
        await tell_clicker(slack, body, answers.stale_button())
        return
    try:
        await turn_page(
            svc,
            slack,
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
