"""Modals (views.open / views.push / views.update) as the page shows them: a dialog with the
view's title, blocks, input fields and its submit/close buttons. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.playground.mrkdwn import Names, esc
from sandbox.playground.render import Block, render_block, text_object, unsupported


def text_input(element: Block, block_id: str, required: bool) -> str:
    """A plain_text_input as a textarea (multiline) or a text box, named for the submission;
    like Slack's client, the page refuses to submit a required one empty."""
    attrs: dict[str, Any] = {
        "data-block-id": block_id,
        "data-action-id": element.get("action_id"),
        "minlength": element.get("min_length"),
        "maxlength": element.get("max_length"),
        "placeholder": (element.get("placeholder") or {}).get("text"),
    }
    shown = " ".join(f'{k}="{esc(str(v))}"' for k, v in attrs.items() if v is not None)
    shown += " required" if required else ""
    initial = esc(str(element.get("initial_value") or ""))
    if element.get("multiline"):
        return f'<textarea class="bk-field-input" rows="3" {shown}>{initial}</textarea>'
    return f'<input class="bk-field-input" type="text" {shown} value="{initial}">'


def input_block(block: Block, names: Names) -> str:
    block_id = str(block.get("block_id") or "")
    element = block.get("element")
    is_text = isinstance(element, Mapping) and element.get("type") == "plain_text_input"
    field = (
        text_input(element, block_id, not block.get("optional"))
        if is_text and isinstance(element, Mapping)
        else unsupported(str((element or {}).get("type", "input element")))
    )
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    hint = block.get("hint")
    return (
        f'<div class="bk-input" data-block-id="{esc(block_id)}">'
        f'<label class="bk-label">{text_object(block.get("label"), names)}{optional}</label>'
        f"{field}"
        + (f'<div class="bk-hint">{text_object(hint, names)}</div>' if hint else "")
        + '<div class="bk-error" hidden></div></div>'
    )


def modal_body(blocks: list[Block], names: Names) -> str:
    return "".join(
        input_block(b, names) if b.get("type") == "input" else render_block(b, names)
        for b in blocks
        if isinstance(b, Mapping)
    )


def render_modal(view: Mapping[str, Any], names: Names) -> str:
    """A view object (as `views.*` return it) as a dialog the page opens."""
    title = text_object(view.get("title"), names)
    close = text_object(view.get("close") or {"type": "plain_text", "text": "Cancel"}, names)
    submit = view.get("submit")
    submit_button = (
        f'<button class="bk-button bk-primary" value="submit">{text_object(submit, names)}</button>'
        if submit
        else ""
    )
    return (
        f'<dialog class="bk-modal" data-view-id="{esc(str(view.get("id", "")))}">'
        '<form method="dialog" class="bk-modal-form">'
        f'<div class="bk-modal-title">{title}</div>'
        f'<div class="bk-modal-body">{modal_body(list(view.get("blocks") or []), names)}</div>'
        f'<div class="bk-modal-footer"><button class="bk-button" value="close">{close}</button>'
        f"{submit_button}</div></form></dialog>"
    )
