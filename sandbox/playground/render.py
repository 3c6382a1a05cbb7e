"""Block Kit JSON -> HTML, the way Slack's client shows a message. Pure functions.

Every string from a message is escaped; buttons carry what a click needs (`data-action-id`,
`data-value`, `data-block-id`) and their confirm object as a hidden <dialog> the page opens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.playground.mrkdwn import Names, emojify, esc, mrkdwn

Block = Mapping[str, Any]

#: Slack's colors for the named attachment colors
BAR_COLORS = {"good": "#2EB67D", "warning": "#ECB22E", "danger": "#E01E5A"}
DEFAULT_BAR = "#DDDDDD"
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_AVATAR_COLORS = ("#4A154B", "#1264A3", "#2EB67D", "#E01E5A", "#ECB22E", "#36C5F0", "#7C3085")
APP_AVATAR = "#0B4F6C"


@dataclass(frozen=True)
class ShownMessage:
    """One message as a viewer sees it in a channel."""

    channel: str
    ts: str
    author_id: str
    author: str
    text: str
    blocks: Sequence[Block] = ()
    attachments: Sequence[Block] = ()
    thread_ts: str | None = None
    is_app: bool = False
    ephemeral: bool = False
    edited: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


# -- text objects ------------------------------------------------------------------------------


def text_object(obj: Any, names: Names) -> str:
    """A plain_text or mrkdwn object (or a bare string, read as mrkdwn)."""
    if isinstance(obj, str):
        return mrkdwn(obj, names)
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text") or "")
    if obj.get("type") == "plain_text":
        escaped = esc(text).replace("\n", "<br>")
        return emojify(escaped) if obj.get("emoji", True) else escaped
    return mrkdwn(text, names)


# -- elements ----------------------------------------------------------------------------------


def button(element: Block, names: Names, block_id: str | None) -> str:
    style = element.get("style")
    classes = "bk-button" + (f" bk-{style}" if style in ("primary", "danger") else "")
    attrs = {
        "data-action-id": element.get("action_id"),
        "data-value": element.get("value"),
        "data-block-id": block_id,
        "data-url": element.get("url"),
    }
    shown = " ".join(f'{key}="{esc(str(value))}"' for key, value in attrs.items() if value)
    label = text_object(element.get("text"), names)
    confirm = element.get("confirm")
    dialog = confirm_dialog(confirm, names) if isinstance(confirm, Mapping) else ""
    return (
        f'<span class="bk-button-wrap"><button type="button" class="{classes}" {shown}>'
        f"{label}</button>{dialog}</span>"
    )


def confirm_dialog(confirm: Block, names: Names) -> str:
    """The confirm object as a hidden dialog; its buttons close it with "confirm" or "deny"."""
    style = confirm.get("style")
    yes_class = "bk-button bk-danger" if style == "danger" else "bk-button bk-primary"
    title = text_object(confirm.get("title"), names)
    body = text_object(confirm.get("text"), names)
    yes = text_object(confirm.get("confirm") or {"type": "plain_text", "text": "Yes"}, names)
    no = text_object(confirm.get("deny") or {"type": "plain_text", "text": "Cancel"}, names)
    return (
        '<dialog class="bk-confirm"><form method="dialog">'
        f'<h3 class="bk-confirm-title">{title}</h3><div class="bk-confirm-text">{body}</div>'
        '<div class="bk-confirm-actions">'
        f'<button class="bk-button" value="deny">{no}</button>'
        f'<button class="{yes_class}" value="confirm">{yes}</button>'
        "</div></form></dialog>"
    )


def element(item: Block, names: Names, block_id: str | None) -> str:
    kind = item.get("type")
    if kind == "button":
        return button(item, names, block_id)
    if kind == "image":
        return f'<span class="bk-image-ref" title="{esc(str(item.get("alt_text", "")))}">🖼</span>'
    return unsupported(str(kind))


def unsupported(kind: str) -> str:
    return f'<span class="bk-unsupported">[{esc(kind)} — not shown in the playground]</span>'


# -- blocks ------------------------------------------------------------------------------------


def header(block: Block, names: Names) -> str:
    return f'<div class="bk-header">{text_object(block.get("text"), names)}</div>'


def section(block: Block, names: Names) -> str:
    block_id = block.get("block_id")
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-text">{text_object(block["text"], names)}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="bk-field">{text_object(f, names)}</div>' for f in fields)
        parts.append(f'<div class="bk-fields">{cells}</div>')
    accessory = block.get("accessory")
    side = (
        f'<div class="bk-accessory">{element(accessory, names, block_id)}</div>'
        if isinstance(accessory, Mapping)
        else ""
    )
    return (
        f'<div class="bk-section"{_block_id_attr(block_id)}>'
        f'<div class="bk-section-body">{"".join(parts)}</div>{side}</div>'
    )


def context(block: Block, names: Names) -> str:
    items = []
    for item in block.get("elements") or []:
        if isinstance(item, Mapping) and item.get("type") == "image":
            items.append(element(item, names, None))
        else:
            items.append(f'<span class="bk-context-item">{text_object(item, names)}</span>')
    return f'<div class="bk-context">{"".join(items)}</div>'


def divider(block: Block, names: Names) -> str:
    return '<hr class="bk-divider">'


def actions(block: Block, names: Names) -> str:
    block_id = block.get("block_id")
    items = "".join(element(e, names, block_id) for e in block.get("elements") or [])
    return f'<div class="bk-actions"{_block_id_attr(block_id)}>{items}</div>'


def image(block: Block, names: Names) -> str:
    alt = esc(str(block.get("alt_text", "")))
    return f'<figure class="bk-image"><figcaption>🖼 {alt}</figcaption></figure>'


BLOCKS = {
    "header": header,
    "section": section,
    "context": context,
    "divider": divider,
    "actions": actions,
    "image": image,
}


def render_block(block: Block, names: Names) -> str:
    draw = BLOCKS.get(str(block.get("type")))
    return draw(block, names) if draw else unsupported(str(block.get("type")))


def render_blocks(blocks: Iterable[Block], names: Names) -> str:
    return "".join(render_block(b, names) for b in blocks if isinstance(b, Mapping))


def _block_id_attr(block_id: Any) -> str:
    return f' data-block-id="{esc(str(block_id))}"' if block_id else ""


# -- attachments -------------------------------------------------------------------------------


def bar_color(color: Any) -> str:
    """The attachment's left bar: Slack's named colors, a hex color, else Slack's gray."""
    if not isinstance(color, str):
        return DEFAULT_BAR
    if color in BAR_COLORS:
        return BAR_COLORS[color]
    match = _HEX.fullmatch(color)
    return f"#{match.group(1)}" if match else DEFAULT_BAR


def attachment(item: Block, names: Names) -> str:
    parts = []
    if item.get("pretext"):
        parts.append(f'<div class="bk-pretext">{mrkdwn(str(item["pretext"]), names)}</div>')
    if item.get("title"):
        parts.append(f'<div class="bk-att-title">{esc(str(item["title"]))}</div>')
    if item.get("text"):
        parts.append(f'<div class="bk-text">{mrkdwn(str(item["text"]), names)}</div>')
    if item.get("blocks"):
        parts.append(render_blocks(item["blocks"], names))
    if not parts and item.get("fallback"):
        parts.append(f'<div class="bk-text">{esc(str(item["fallback"]))}</div>')
    color = bar_color(item.get("color"))
    return (
        f'<div class="bk-attachment" style="border-left-color:{color}" data-color="{color}">'
        f"{''.join(parts)}</div>"
    )


# -- messages ----------------------------------------------------------------------------------


def message_body(message: ShownMessage, names: Names) -> str:
    """Blocks when there are any (then `text` is only the notification fallback), else text."""
    body = (
        render_blocks(message.blocks, names)
        if message.blocks
        else (f'<div class="bk-text">{mrkdwn(message.text, names)}</div>' if message.text else "")
    )
    return body + "".join(attachment(a, names) for a in message.attachments)


def avatar(message: ShownMessage) -> str:
    if message.is_app:
        return f'<div class="avatar" style="background:{APP_AVATAR}">cb</div>'
    words = [w for w in message.author.split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    color = _AVATAR_COLORS[sum(map(ord, message.author_id)) % len(_AVATAR_COLORS)]
    return f'<div class="avatar" style="background:{color}">{esc(initials)}</div>'


def clock(ts: str) -> str:
    try:
        at = datetime.fromtimestamp(float(ts), UTC)
    except ValueError:
        return ""
    epoch = int(at.timestamp())
    return f'<time class="msg-time" data-epoch="{epoch}">{at:%H:%M}</time>'


def render_message(message: ShownMessage, names: Names, replies: Sequence[str] = ()) -> str:
    """A message row; a top-level one carries its thread (`replies`: rendered replies)."""
    classes = ["msg"]
    if message.is_reply:
        classes.append("reply")
    if message.ephemeral:
        classes.append("ephemeral")
    note = '<div class="msg-ephemeral">👁 Only visible to you</div>' if message.ephemeral else ""
    app = '<span class="msg-app">APP</span>' if message.is_app else ""
    edited = '<span class="msg-edited">(edited)</span>' if message.edited else ""
    meta = (
        f'<div class="msg-meta"><span class="msg-author">{esc(message.author)}</span>{app}'
        f"{clock(message.ts)}{edited}</div>"
    )
    thread = "" if message.is_reply else thread_html(message.ts, replies)
    return (
        f'<div class="{" ".join(classes)}" id="msg-{esc(message.ts)}" '
        f'data-ts="{esc(message.ts)}" data-channel="{esc(message.channel)}"'
        f"{_thread_attr(message)}>"
        f'{avatar(message)}<div class="msg-content">{note}{meta}'
        f'<div class="msg-body">{message_body(message, names)}</div>{thread}</div></div>'
    )


def thread_html(ts: str, replies: Sequence[str]) -> str:
    count = len(replies)
    label = f"{count} repl{'y' if count == 1 else 'ies'}" if count else ""
    return (
        f'<div class="thread{"" if count else " empty"}" data-thread="{esc(ts)}">'
        f'<div class="thread-label">{label}</div>'
        f'<div class="thread-replies">{"".join(replies)}</div></div>'
    )


def _thread_attr(message: ShownMessage) -> str:
    return f' data-thread-ts="{esc(message.thread_ts)}"' if message.thread_ts else ""
