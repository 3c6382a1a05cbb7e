"""Block Kit checks the Slack sandbox applies to every message and view an app sends.

Only the rules an app can realistically trip on are modelled: block counts, known block types,
text lengths, button fields, confirm dialogs, id lengths and uniqueness, attachment colours. The
limits come from Slack's Block Kit reference (as mirrored in slack_sdk's `models.blocks`).

Problems are reported the way Slack words its `invalid_blocks` answers: a message followed by
`[json-pointer:/path/to/field]`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_URL = 3000
MAX_ID = 255
MAX_ATTACHMENTS = 100
MAX_CONFIRM = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
MAX_VIEW_TITLE = 24
MAX_VIEW_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
BUTTON_STYLES = ("primary", "danger")
ATTACHMENT_COLOR_WORDS = ("good", "warning", "danger")
KNOWN_BLOCK_TYPES = frozenset(
    {
        "section",
        "actions",
        "context",
        "divider",
        "header",
        "input",
        "image",
        "rich_text",
        "markdown",
    }
)
INTERACTIVE_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "timepicker",
        "overflow",
        "radio_buttons",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
    }
)
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Problem:
    message: str
    pointer: str

    def __str__(self) -> str:
        return f"{self.message} [json-pointer:{self.pointer}]"


@dataclass(frozen=True)
class FoundButton:
    """A button inside a stored message, with where it sits."""

    block_id: str
    element: dict[str, Any]
    attachment_index: int | None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.block_ids: set[str] = set()

    def add(self, message: str, pointer: str) -> None:
        self.problems.append(Problem(message, pointer))

    def max_len(self, value: object, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)

    def text_object(
        self, obj: object, pointer: str, limit: int, *, plain_only: bool = False
    ) -> None:
        if not isinstance(obj, dict):
            self.add("must be a text object", pointer)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.add(f"must be one of: {', '.join(allowed)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.add("must be more than 0 characters", f"{pointer}/text")
        else:
            self.max_len(text, limit, f"{pointer}/text")

    def blocks(self, blocks: object, pointer: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.add("must be an array", pointer)
            return
        if len(blocks) > limit:
            self.add(f"no more than {limit} items allowed", pointer)
        self.block_ids = set()  # unique within one blocks array (a message, or one attachment)
        for index, block in enumerate(blocks):
            self.block(block, f"{pointer}/{index}")

    def block(self, block: object, pointer: str) -> None:
        if not isinstance(block, dict):
            self.add("must be an object", pointer)
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCK_TYPES:
            self.add(f"unsupported type: {kind}", f"{pointer}/type")
            return
        self.unique_id(block, "block_id", self.block_ids, pointer)
        check = _BLOCK_CHECKS.get(str(kind))
        if check is not None:
            check(self, block, pointer)

    def unique_id(self, item: dict[str, Any], name: str, seen: set[str], pointer: str) -> None:
        """`item`'s optional id `name` (block_id, action_id): not too long, not in `seen`."""
        value = item.get(name)
        if value is not None:
            self.max_len(value, MAX_ID, f"{pointer}/{name}")
            if value in seen:
                self.add(f"duplicate {name}: {value}", f"{pointer}/{name}")
            seen.add(str(value))

    def element(self, element: object, pointer: str, action_ids: set[str]) -> None:
        if not isinstance(element, dict):
            self.add("must be an object", pointer)
            return
        kind = element.get("type")
        if kind == "image":
            return
        if kind not in INTERACTIVE_ELEMENTS:
            self.add(f"unsupported element type: {kind}", f"{pointer}/type")
            return
        self.unique_id(element, "action_id", action_ids, pointer)
        if kind == "button":
            self.button(element, pointer)
        if "confirm" in element:
            self.confirm(element["confirm"], f"{pointer}/confirm")

    def button(self, button: dict[str, Any], pointer: str) -> None:
        self.text_object(button.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT, plain_only=True)
        self.max_len(button.get("value"), MAX_BUTTON_VALUE, f"{pointer}/value")
        self.max_len(button.get("url"), MAX_BUTTON_URL, f"{pointer}/url")
        style = button.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.add("must be one of: primary, danger", f"{pointer}/style")

    def confirm(self, confirm: object, pointer: str) -> None:
        if not isinstance(confirm, dict):
            self.add("must be an object", pointer)
            return
        for part, limit in MAX_CONFIRM.items():
            # slack_sdk's ConfirmObject sends `text` as mrkdwn by default; Slack accepts it.
            plain_only = part != "text"
            self.text_object(confirm.get(part), f"{pointer}/{part}", limit, plain_only=plain_only)
        style = confirm.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.add("must be one of: primary, danger", f"{pointer}/style")


def _check_section(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        c.add("must provide either text or fields", pointer)
    if text is not None:
        c.text_object(text, f"{pointer}/text", MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, list):
            c.add("must be an array", f"{pointer}/fields")
            return
        if len(fields) > MAX_SECTION_FIELDS:
            c.add(f"no more than {MAX_SECTION_FIELDS} items allowed", f"{pointer}/fields")
        for index, field in enumerate(fields):
            c.text_object(field, f"{pointer}/fields/{index}", MAX_FIELD_TEXT)
    if "accessory" in block:
        c.element(block["accessory"], f"{pointer}/accessory", set())


def _elements(c: _Checker, block: dict[str, Any], pointer: str, most: int) -> list[Any]:
    """A block's `elements` to check one by one, after Slack's errors for none (then no
    elements) and for more than `most`."""
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        c.add("must provide at least 1 item", f"{pointer}/elements")
        return []
    if len(elements) > most:
        c.add(f"no more than {most} items allowed", f"{pointer}/elements")
    return elements


def _check_actions(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    elements = _elements(c, block, pointer, MAX_ACTIONS_ELEMENTS)
    action_ids: set[str] = set()
    for index, element in enumerate(elements):
        c.element(element, f"{pointer}/elements/{index}", action_ids)


def _check_context(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    elements = _elements(c, block, pointer, MAX_CONTEXT_ELEMENTS)
    for index, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") == "image":
            continue
        c.text_object(element, f"{pointer}/elements/{index}", MAX_SECTION_TEXT)


def _check_header(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    c.text_object(block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT, plain_only=True)


def _check_input(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    c.text_object(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
    c.element(block.get("element"), f"{pointer}/element", set())


def _check_image(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    if not block.get("image_url") and not block.get("slack_file"):
        c.add("must provide image_url or slack_file", pointer)
    if not block.get("alt_text"):
        c.add("must be more than 0 characters", f"{pointer}/alt_text")


_BLOCK_CHECKS = {
    "section": _check_section,
    "actions": _check_actions,
    "context": _check_context,
    "header": _check_header,
    "input": _check_input,
    "image": _check_image,
}


def block_problems(blocks: object, attachments: object) -> list[Problem]:
    """What Slack would refuse in a message's `blocks` and its attachments' `blocks`."""
    checker = _Checker()
    if blocks is not None:
        checker.blocks(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    if isinstance(attachments, list):
        for index, attachment in enumerate(attachments):
            if isinstance(attachment, dict) and "blocks" in attachment:
                pointer = f"/attachments/{index}/blocks"
                checker.blocks(attachment["blocks"], pointer, MAX_MESSAGE_BLOCKS)
    return checker.problems


def attachment_problems(attachments: object) -> list[Problem]:
    """What Slack would refuse in `attachments` outside their blocks (count, shape, colour)."""
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        return [Problem("must be an array", "/attachments")]
    problems: list[Problem] = []
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(Problem(f"no more than {MAX_ATTACHMENTS} items allowed", "/attachments"))
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict):
            problems.append(Problem("must be an object", f"/attachments/{index}"))
            continue
        color = attachment.get("color")
        if color is not None and not _valid_color(color):
            problems.append(
                Problem("must be good, warning, danger or #RRGGBB", f"/attachments/{index}/color")
            )
    return problems


def _valid_color(color: object) -> bool:
    return isinstance(color, str) and (
        color in ATTACHMENT_COLOR_WORDS or _HEX_COLOR.match(color) is not None
    )


def view_problems(view: object) -> list[Problem]:
    """What Slack would refuse in a modal or App Home view (pointers start at `/view`)."""
    if not isinstance(view, dict):
        return [Problem("must be an object", "/view")]
    checker = _Checker()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add("must be one of: modal, home", "/view/type")
    if kind == "modal":
        checker.text_object(view.get("title"), "/view/title", MAX_VIEW_TITLE, plain_only=True)
        for part in ("submit", "close"):
            if part in view:
                checker.text_object(view[part], f"/view/{part}", MAX_VIEW_BUTTON, plain_only=True)
    checker.max_len(view.get("private_metadata"), MAX_PRIVATE_METADATA, "/view/private_metadata")
    checker.max_len(view.get("callback_id"), MAX_ID, "/view/callback_id")
    checker.blocks(view.get("blocks", []), "/view/blocks", MAX_VIEW_BLOCKS)
    return checker.problems


def with_generated_ids(blocks: list[Any]) -> list[Any]:
    """A copy of `blocks` where every block and interactive element has an id, as Slack stores it.

    Slack fills in a random `block_id` / `action_id` when the app leaves them out.
    """
    result: list[Any] = []
    for block in blocks:
        if not isinstance(block, dict):
            result.append(block)
            continue
        copy = dict(block)
        copy.setdefault("block_id", secrets.token_urlsafe(4)[:5])
        if isinstance(copy.get("elements"), list) and copy.get("type") == "actions":
            copy["elements"] = [_with_action_id(e) for e in copy["elements"]]
        if isinstance(copy.get("accessory"), dict):
            copy["accessory"] = _with_action_id(copy["accessory"])
        if isinstance(copy.get("element"), dict):
            copy["element"] = _with_action_id(copy["element"])
        result.append(copy)
    return result


def _with_action_id(element: Any) -> Any:
    if isinstance(element, dict) and element.get("type") in INTERACTIVE_ELEMENTS:
        element = dict(element)
        element.setdefault("action_id", secrets.token_urlsafe(4)[:5])
    return element


def iter_buttons(blocks: list[Any], attachments: list[Any]) -> Iterator[FoundButton]:
    """Every button of a stored message: in actions blocks, section accessories and attachments."""
    yield from _buttons_in(blocks, None)
    for index, attachment in enumerate(attachments):
        if isinstance(attachment, dict) and isinstance(attachment.get("blocks"), list):
            yield from _buttons_in(attachment["blocks"], index)


def _buttons_in(blocks: list[Any], attachment_index: int | None) -> Iterator[FoundButton]:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates: list[Any] = []
        if block.get("type") == "actions" and isinstance(block.get("elements"), list):
            candidates = block["elements"]
        elif block.get("type") == "section" and "accessory" in block:
            candidates = [block["accessory"]]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                yield FoundButton(str(block.get("block_id", "")), element, attachment_index)
