"""What one viewer sees of the Slack stand-in: a channel's messages and the changes to them,
rendered to HTML. Ephemeral messages are shown only to the user they were sent to."""

from __future__ import annotations

from typing import Any

from sandbox.playground.modal import render_modal
from sandbox.playground.render import ShownMessage, render_blocks, render_message
from sandbox.slack.feed import FeedEvent
from sandbox.slack.world import SlackMessage, SlackWorkspace

SLACKBOT = "USLACKBOT"
VIEW_EVENTS = ("view_opened", "view_pushed", "view_updated", "view_closed")


def names_of(workspace: SlackWorkspace) -> dict[str, str]:
    names = {uid: user.real_name for uid, user in workspace.users.items()}
    names[workspace.bot_user_id] = workspace.bot_name
    names[SLACKBOT] = "Slackbot"
    return names


def shown(workspace: SlackWorkspace, message: SlackMessage) -> ShownMessage:
    is_app = message.user == workspace.bot_user_id
    author = workspace.bot_name if is_app else names_of(workspace).get(message.user, message.user)
    return ShownMessage(
        channel=message.channel,
        ts=message.ts,
        author_id=message.user,
        author=author,
        text=message.text,
        blocks=message.blocks,
        attachments=message.attachments,
        thread_ts=message.thread_ts,
        is_app=is_app,
        ephemeral=message.ephemeral_to is not None,
        edited=message.edited,
    )


def visible(message: SlackMessage, channel_id: str, viewer: str) -> bool:
    return (
        message.channel == channel_id
        and not message.deleted
        and message.ephemeral_to in (None, viewer)
    )


def channel_view(workspace: SlackWorkspace, channel_id: str, viewer: str) -> list[dict[str, Any]]:
    """The channel's top-level messages, oldest first, each with its thread inside."""
    names = names_of(workspace)
    seen = [m for m in workspace.messages if visible(m, channel_id, viewer)]
    replies: dict[str, list[str]] = {}
    for message in seen:
        if message.thread_ts and message.thread_ts != message.ts:
            html = render_message(shown(workspace, message), names)
            replies.setdefault(message.thread_ts, []).append(html)
    return [
        item(message, render_message(shown(workspace, message), names, replies.get(message.ts, ())))
        for message in sorted(seen, key=lambda m: float(m.ts))
        if not (message.thread_ts and message.thread_ts != message.ts)
    ]


def item(message: SlackMessage, html: str) -> dict[str, Any]:
    return {
        "ts": message.ts,
        "thread_ts": message.thread_ts if message.thread_ts != message.ts else None,
        "ephemeral": message.ephemeral_to is not None,
        "html": html,
    }


def changes(
    workspace: SlackWorkspace, events: list[FeedEvent], channel_id: str, viewer: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """The viewer's changes in `channel_id` (latest state of each message touched) and the other
    channels where something new appeared for the viewer."""
    names = names_of(workspace)
    out: list[dict[str, Any]] = []
    elsewhere: set[str] = set()
    for event in events:
        ephemeral_to = event.data.get("ephemeral_to")
        channel, ts = str(event.data.get("channel")), str(event.data.get("ts"))
        if ephemeral_to not in (None, viewer):
            continue
        if channel != channel_id:
            if event.kind in ("message_posted", "ephemeral"):
                elsewhere.add(channel)
            continue
        message = _find(workspace, channel, ts)
        if message is None or message.deleted:
            out.append({"ts": ts, "deleted": True})
            continue
        change = item(message, render_message(shown(workspace, message), names))
        out.append(change | {"kind": event.kind})
    return out, elsewhere


def _find(workspace: SlackWorkspace, channel_id: str, ts: str) -> SlackMessage | None:
    for message in workspace.messages:
        if message.channel == channel_id and message.ts == ts:
            return message
    return None


def open_modal(workspace: SlackWorkspace, viewer: str) -> dict[str, Any] | None:
    """The viewer's topmost open modal, rendered, or None."""
    stack = workspace.views.modal_stack(viewer)
    if not stack:
        return None
    view = workspace.views.view_json(stack[-1])
    return {"view_id": view["id"], "html": render_modal(view, names_of(workspace))}


def modal_changed(events: list[FeedEvent], viewer: str) -> bool:
    return any(e.kind in VIEW_EVENTS and e.data.get("user_id") == viewer for e in events)


def home_view(workspace: SlackWorkspace, viewer: str) -> dict[str, Any] | None:
    """What the app published on the viewer's Home tab, rendered, or None."""
    home = workspace.views.home(viewer)
    if home is None:
        return None
    view = workspace.views.view_json(home)
    blocks = [b for b in view.get("blocks") or [] if isinstance(b, dict)]
    return {"view_id": view["id"], "html": render_blocks(blocks, names_of(workspace))}


def home_changed(events: list[FeedEvent], viewer: str) -> bool:
    return any(
        e.kind in ("view_published", "view_updated") and e.data.get("user_id") == viewer
        for e in events
    )
