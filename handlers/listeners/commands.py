"""The one slash command, `/cco`: parsed (`handlers/commands.py`), acked, then one flow per
verb and its answer."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from flows.history import REFERENCE, Trail, history, record_refusal, trail
from flows.linking import channel_project, link_channel, project_hidden
from flows.services import Services
from flows.status import status
from handlers import commands
from handlers.accounts_io import account_answer
from handlers.blocks import answers
from handlers.blocks.kit import escape
from handlers.blocks.links import hidden_message, link_answer
from handlers.blocks.trail import trail_message
from handlers.cards import CardFlowError, post_card
from handlers.context import Deps, deps_of
from handlers.dedupe import first_delivery
from handlers.language_io import language_command
from storage.models import ChannelLink

#: the one slash command (manifest.yml declares the same; a test holds them together)
SLASH_COMMAND = "/cco"


def register(app: AsyncApp) -> None:
    app.command(SLASH_COMMAND)(on_cco)


async def on_cco(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    parsed = commands.parse(str(command.get("text") or ""))
    if isinstance(parsed, commands.Help):
        await ack(**answers.help_message())
        return
    if isinstance(parsed, commands.Usage):
        await ack(**answers.usage_message(parsed.problem))
        return
    await ack()
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.command_slots:  # a burst queues here, not in the loop
        if await first_delivery(deps.services.db, command):  # after the ack: no write before it
            async with deps.failures.guard(command):
                await run_command(deps, parsed, command, respond)


async def run_command(
    deps: Deps, parsed: commands.Command, command: dict[str, Any], respond: AsyncRespond
) -> None:
    """Answer a parsed `/cco` (help and usage are answered in the ack)."""
    svc = deps.services
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    response_type = "ephemeral"
    if isinstance(parsed, commands.Link):
        message, response_type = await _link(svc, parsed, command)
    elif isinstance(parsed, commands.Connect | commands.Disconnect):
        message = await account_answer(svc, parsed, team_id, user_id)
    else:
        found = await _in_channel(deps, parsed, command)
        if found is None:
            return
        message = found
    await respond(**message, response_type=response_type)


async def _link(
    svc: Services, parsed: commands.Link, command: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    team_id, channel_id = str(command["team_id"]), str(command["channel_id"])
    user_id = str(command["user_id"])
    result = await link_channel(svc, team_id, channel_id, user_id, parsed.project_id)
    message, response_type = link_answer(result, user_id)
    await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
    return message, response_type


async def _in_channel(
    deps: Deps, parsed: commands.Command, command: dict[str, Any]
) -> dict[str, Any] | None:
    """The verbs about the channel's project: language, status, unlink, history (None: the
    answer was the card itself)."""
    svc = deps.services
    team_id, channel_id = str(command["team_id"]), str(command["channel_id"])
    user_id = str(command["user_id"])
    link = await channel_project(svc, team_id, channel_id)
    if isinstance(parsed, commands.Language):
        return await language_command(svc, parsed, link, user_id)
    if isinstance(parsed, commands.Status):
        return answers.status_message(await status(svc, team_id, user_id, link))
    if link is None:
        if isinstance(parsed, commands.History) and parsed.query:
            return await _unlinked_trail(svc, team_id, channel_id, user_id, parsed.query)
        return answers.not_linked_message()
    hidden = await project_hidden(svc, user_id, link)
    if hidden is not None:
        message = hidden_message(hidden)
        await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
        return message
    if isinstance(parsed, commands.Unlink):
        return await _list(deps, link, parsed.query, user_id)
    if isinstance(parsed, commands.History):
        return await _history(svc, link, user_id, parsed.query)
    return None


def _typed(command: dict[str, Any]) -> str:
    """The command as the person typed it (for the audit)."""
    return f"{SLASH_COMMAND} {' '.join(str(command.get('text') or '').split())}".strip()


def _nothing_recorded(query: str, where: str) -> dict[str, Any]:
    return answers.notice(
        f"Nothing was recorded as `{escape(query)}` {where}. Check the reference, or run "
        "`/cco history` for the latest attempts."
    )


async def _history(
    svc: Services, link: ChannelLink, user_id: str, query: str | None
) -> dict[str, Any]:
    found = await history(svc, link, user_id, query)
    if found is None:
        return _nothing_recorded(str(query), f"in {escape(link.project_name)}")
    if isinstance(found, Trail):
        return trail_message(found, svc.erp.info)
    return answers.history_message(link.project_name, found, svc.erp.info.name)


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


async def _list(deps: Deps, link: ChannelLink, query: str, user_id: str) -> dict[str, Any] | None:
    """Post the card of the project's synced CCOs (None), or say why not."""
    svc = deps.services
    if not svc.erp.info.syncs_ccos:
        text = f"CCOs aren't synced with {svc.erp.info.name}, so there is nothing to unlink."
        return answers.notice(text)
    try:
        await post_card(svc, deps.slack, link, query, user_id)
    except CardFlowError as exc:
        return answers.notice(exc.message)
    return None
