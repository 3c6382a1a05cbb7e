"""A clicked button's value, read in one place with one limit.

Every button the app draws carries a whole number: a CCO id (Unlink, Request unlink), a page
(the card's pager) or a request id (Approve, Deny, on a request message or the App Home). A value
the app could not have drawn (missing, not plain digits, past a BIGINT id) reads as None, and
the listener answers "stale button" and does nothing else; whether the number names something
this card or workspace may act on is checked server-side, by the flow.
"""

from __future__ import annotations

from typing import Any

#: the largest value a button carries: CCO ids are BIGINT (PostgreSQL's limit, which a query with
#: a larger number would overflow); request ids are INTEGER, bounded where they are looked up
#: (storage.requests), and pages are far smaller
MAX_VALUE = 2**63 - 1
_MAX_DIGITS = len(str(MAX_VALUE))


def whole_number(text: str) -> int | None:
    """`text` as a whole number up to MAX_VALUE, or None: past MAX_VALUE's digits it is no id
    (and int() refuses more than 4300 digits with a ValueError)."""
    if len(text) > _MAX_DIGITS or not text.isdecimal():
        return None
    number = int(text)
    return number if number <= MAX_VALUE else None


def clicked_number(body: dict[str, Any]) -> int | None:
    """The clicked button's value as a number, or None when it is not one the app drew."""
    actions = body.get("actions")
    if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
        return None
    value = str(actions[0].get("value") or "")
    return whole_number(value) if value.isascii() else None
