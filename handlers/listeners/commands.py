"""The one slash command, `/cco`: parsed (`handlers/commands.py`), acked, then one flow per
verb and its answer, in the asker's words: their Slack locale (`users.info`, remembered a short
while by the directory), else DEFAULT_LOCALE. Help and usage are answered in the ack, where no
Slack call may come first: in the locale already remembered, else DEFAULT_LOCALE."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from flows.history import REFERENCE, Trail, history, record_refusal, trail
from flows.linking import Linked, channel_project, link_channel, project_hidden
from flows.services import Services
from flows.status import status
from flows.watching import after_link
from handlers import commands
from handlers.accounts_io import account_answer
from handlers.alerts_io import alerts_command
from handlers.blocks import answers, kit
from handlers.blocks.kit import escape
from handlers.blocks.links import hidden_message, link_answer
from handlers.blocks.trail import trail_message
from handlers.cards import CardFlowError, post_card
from handlers.context import Deps, deps_of
from handlers.dedupe import first_delivery
from handlers.language_io import language_command
from i18n import Words, words_for, words_for_channel
from i18n import messages as m
from storage.models import ChannelLink

#: the one slash command (manifest.yml declares the same; a test holds them together)
SLASH_COMMAND = "/cco"

Answer = tuple[dict[str, Any], str]


def register(app: AsyncApp) -> None:
    app.command(SLASH_COMMAND)(on_cco)


async def on_cco(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    parsed = commands.parse(str(command.get("text") or ""))
    if isinstance(parsed, commands.Help | commands.Usage):
        t = remembered_words(deps_of(context), command)
        if isinstance(parsed, commands.Help):
            await ack(**answers.help_message(t))
        else:
            await ack(**answers.usage_message(t, parsed.in_words(t)))
        deps_of(context).command_slots.acked()
        return
    await ack()
    deps = deps_of(context)
    deps.command_slots.acked()
    # The work waits for its turn in a task of its own, so that Bolt's request, context and
    # listener run end here: a burst's parked commands keep only what the work needs (fewer
    # objects for the garbage collector to scan while acks wait; docs/performance.md).
    held = deps.inflight.hold()
    await held.__aenter__()  # counted in flight before this listener returns
    task = asyncio.create_task(_after_ack(deps, parsed, dict(command), respond, held))
    _AFTER_ACK.add(task)
    task.add_done_callback(_AFTER_ACK.discard)


#: commands acked and not yet worked on (a reference keeps each task alive)
_AFTER_ACK: set[asyncio.Task[None]] = set()


async def _after_ack(
    deps: Deps,
    parsed: commands.Command,
    command: dict[str, Any],
    respond: AsyncRespond,
    held: AbstractAsyncContextManager[None],
) -> None:
    try:
        # the central answer to a failure, as Bolt's error handler gave it in the listener
        async with deps.command_slots, deps.failures.guard(command):  # acks first: pacing
            if await first_delivery(deps.services.db, command):  # no write before the ack
                await run_command(deps, parsed, command, respond)
    finally:
        await held.__aexit__(None, None, None)


def remembered_words(deps: Deps, command: dict[str, Any]) -> Words:
    """The asker's words without asking Slack (for an ack): the locale the directory
    remembers for them, else DEFAULT_LOCALE."""
    team_id, user_id = str(command.get("team_id") or ""), str(command.get("user_id") or "")
    locale = deps.locales.get(team_id, user_id)
    return words_for(locale, deps.services.policy.default_locale)


async def run_command(
    deps: Deps, parsed: commands.Command, command: dict[str, Any], respond: AsyncRespond
) -> None:
    """Answer a parsed `/cco` (help and usage are answered in the ack)."""
    svc = deps.services
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    locale = await svc.directory.locale_of(team_id, user_id)
    t = words_for(locale, svc.policy.default_locale)
    answer: Answer | None
    if isinstance(parsed, commands.Link):
        answer = await _link(deps, t, locale, parsed, command)
    elif isinstance(parsed, commands.Connect | commands.Disconnect):
        answer = await account_answer(t, svc, parsed, team_id, user_id), "ephemeral"
    else:
        answer = await _in_channel(deps, t, locale, parsed, command)
    if answer is not None:
        message, response_type = answer
        await respond(**message, response_type=response_type)


async def _link(
    deps: Deps, t: Words, locale: str | None, parsed: commands.Link, command: dict[str, Any]
) -> Answer:
    """Link the channel: a refusal in the asker's words, the announcement in the channel's.
    A new link's project is watched (hook, index) after the answer, never before it."""
    svc = deps.services
    team_id, channel_id = str(command["team_id"]), str(command["channel_id"])
    user_id = str(command["user_id"])
    result = await link_channel(svc, team_id, channel_id, user_id, parsed.project_id)
    channel = None
    if isinstance(result, Linked):
        link = await channel_project(svc, team_id, channel_id)
        default = svc.policy.default_locale
        channel = words_for_channel(link.locale if link else None, locale, default)
    alerts_off = svc.webhooks is None
    message, response_type = link_answer(t, result, user_id, channel, alerts_off=alerts_off)
    await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
    if isinstance(result, Linked) and not result.unchanged:
        _watch_later(deps, result)
    return message, response_type


#: after-ack watches still running (a reference keeps each task alive)
_WATCHES: set[asyncio.Task[None]] = set()


def _watch_later(deps: Deps, linked: Linked) -> None:
    """Watch the linked project (and unwatch the one left) in the background, held in flight
    so a shutdown lets it finish; failures are logged and retried by the reconciliation."""

    async def watch() -> None:
        async with deps.inflight.hold():
            await after_link(deps.services, linked.project_id, linked.previous_project_id)

    task = asyncio.create_task(watch())
    _WATCHES.add(task)
    task.add_done_callback(_WATCHES.discard)


async def _in_channel(
    deps: Deps, t: Words, locale: str | None, parsed: commands.Command, command: dict[str, Any]
) -> Answer | None:
    """The verbs about the channel's project: language, alerts, status, unlink, history (None: the
    answer was the card itself)."""
    svc = deps.services
    team_id, channel_id = str(command["team_id"]), str(command["channel_id"])
    user_id = str(command["user_id"])
    link = await channel_project(svc, team_id, channel_id)
    if isinstance(parsed, commands.Language):
        return await language_command(svc, parsed, link, user_id, locale, _typed(command))
    if isinstance(parsed, commands.Alerts):
        return await alerts_command(svc, parsed, link, user_id, locale, _typed(command))
    if isinstance(parsed, commands.Status):
        return answers.status_message(t, await status(svc, team_id, user_id, link)), "ephemeral"
    if link is None:
        if isinstance(parsed, commands.History) and parsed.query:
            found = await _unlinked_trail(svc, t, team_id, channel_id, user_id, parsed.query)
            return found, "ephemeral"
        return answers.not_linked_message(t), "ephemeral"
    hidden = await project_hidden(svc, user_id, link)
    if hidden is not None:
        message = hidden_message(t, hidden)
        await record_refusal(svc, team_id, channel_id, user_id, _typed(command), message["text"])
        return message, "ephemeral"
    if isinstance(parsed, commands.Unlink):
        listed = await _list(deps, t, link, parsed.query, user_id)
        return (listed, "ephemeral") if listed is not None else None
    if isinstance(parsed, commands.History):
        return await _history(svc, t, link, user_id, parsed.query), "ephemeral"
    return None


def _typed(command: dict[str, Any]) -> str:
    """The command as the person typed it (for the audit)."""
    return f"{SLASH_COMMAND} {' '.join(str(command.get('text') or '').split())}".strip()


def _nothing_recorded(t: Words, query: str, project: str | None) -> dict[str, Any]:
    typed = kit.typed(query)
    if project is None:
        text = t.gettext(
            "Check the reference, or run `/cco history` for the latest attempts: nothing was "
            "recorded as {query} in this channel, which isn't linked to a project yet.",
            query=typed,
        )
    else:
        text = t.gettext(
            "Check the reference, or run `/cco history` for the latest attempts: nothing was "
            "recorded as {query} in {project}.",
            query=typed,
            project=escape(project),
        )
    return answers.notice(text)


async def _history(
    svc: Services, t: Words, link: ChannelLink, user_id: str, query: str | None
) -> dict[str, Any]:
    found = await history(svc, link, user_id, query, t.locale)
    if found is None:
        return _nothing_recorded(t, str(query), link.project_name)
    if isinstance(found, Trail):
        return trail_message(t, found, svc.erp.info)
    return answers.history_message(t, link.project_name, found, svc.erp.info.name)


async def _unlinked_trail(
    svc: Services, t: Words, team_id: str, channel_id: str, user_id: str, query: str
) -> dict[str, Any]:
    """`/cco history <ref>` in a channel not linked to a project: what was refused or failed
    here (a `/cco link` refusal's reference is findable before any link exists)."""
    reference = query.upper()
    if not REFERENCE.match(reference):
        return answers.not_linked_message(t)
    found = await trail(svc, None, reference, team_id, channel_id, asker=user_id)
    if found is None:
        return _nothing_recorded(t, query, None)
    return trail_message(t, found, svc.erp.info)


async def _list(
    deps: Deps, t: Words, link: ChannelLink, query: str, user_id: str
) -> dict[str, Any] | None:
    """Post the card of the project's synced CCOs (None), or say why not, to the asker
    alone."""
    svc = deps.services
    if not svc.erp.info.syncs_ccos:
        return answers.notice(t.gettext(m.NOT_SYNCED_BY_ERP, erp=svc.erp.info.name))
    try:
        return await post_card(svc, deps.slack, link, query, user_id)
    except CardFlowError as exc:
        return answers.notice(exc.message)
