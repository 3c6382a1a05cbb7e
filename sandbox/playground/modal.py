"""Modals (views.open / views.push / views.update) as the page shows them: a dialog with the
view's title, blocks, input fields (plain_text_input, static_select) and its submit/close
buttons; buttons in its actions blocks send block_actions from the view. Pure functions."""

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


def static_select(element: Block, block_id: str, required: bool, names: Names) -> str:
    """A static_select as a drop-down named for the submission (its option values); the
    placeholder (Slack: "Select an item" when none is given) until one is picked, the
    initial_option picked when given."""
    initial = (element.get("initial_option") or {}).get("value")
    placeholder = element.get("placeholder") or {"type": "plain_text", "text": "Select an item"}
    options = [f'<option value="">{text_object(placeholder, names)}</option>']
    for option in element.get("options") or []:
        if not isinstance(option, Mapping):
            continue
        value = str(option.get("value", ""))
        chosen = " selected" if initial is not None and value == initial else ""
        text = text_object(option.get("text"), names)
        options.append(f'<option value="{esc(value)}"{chosen}>{text}</option>')
    return (
        f'<select class="bk-field-input" data-block-id="{esc(block_id)}" '
        f'data-action-id="{esc(str(element.get("action_id", "")))}"'
        f"{' required' if required else ''}>{''.join(options)}</select>"
    )


def input_element(element: Any, block_id: str, required: bool, names: Names) -> str:
    kind = element.get("type") if isinstance(element, Mapping) else None
    if kind == "plain_text_input":
        return text_input(element, block_id, required)
    if kind == "static_select":
        return static_select(element, block_id, required, names)
    return unsupported(str(kind or "input element"))


def input_block(block: Block, names: Names) -> str:
    block_id = str(block.get("block_id") or "")
    field = input_element(block.get("element"), block_id, not block.get("optional"), names)
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
