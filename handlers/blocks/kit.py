"""Tiny constructors for the Block Kit objects the app uses, with Slack's length limits applied."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape &, < and > as Slack's mrkdwn requires for user-supplied text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def typed(text: str) -> str:
    """What the person typed, shown as they typed it: a code span, so their `*`, `_` or `~`
    never turn into formatting and `<!channel>` never notifies anyone (docs/messages.md:
    nothing is echoed with its formatting)."""
    return "`" + escape(text).replace("`", "'") + "`"


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
    url: str | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": clip(value, 2000),
    }
    if url:
        element["url"] = url
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str) -> Block:
    """Slack's confirm object; every label comes translated from the builder (`t`)."""
    return {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
        "style": "danger",
    }


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def colored(color: str, headline: str, fallback: str, blocks: list[Block]) -> dict[str, Any]:
    """A short headline, then the details in an attachment with a colored bar (good/danger/
    warning). With top-level blocks, Slack uses `text` only for notifications and screen
    readers, so the full sentence is not shown twice."""
    return {
        "text": fallback,
        "blocks": [section(headline)],
        "attachments": [{"color": color, "fallback": fallback, "blocks": blocks}],
    }
