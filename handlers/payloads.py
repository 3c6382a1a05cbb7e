"""The shape of a Slack delivery, checked before Bolt reads it.

Bolt trusts Slack's shapes (it indexes `actions[0]`, reads `event["type"]`, `team["id"]`, ...), so
a signed body with the wrong JSON types would crash it into a 500. Slack never sends such bodies;
the web edge answers them with a 400 instead. Values are checked later, by each listener.
"""

from __future__ import annotations

import json
from typing import Any

#: top-level keys that hold an object (or null) in every Slack delivery that carries them
_OBJECTS = ("team", "user", "channel", "container", "view", "message", "event", "enterprise")
#: top-level keys that hold a string (or null)
_STRINGS = (
    "type",
    "token",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "api_app_id",
    "trigger_id",
    "response_url",
    "command",
    "text",
    "event_id",
    "callback_id",
)
#: string fields inside those objects (an event's `user`/`channel` may be a string or an object)
_INNER_STRINGS: dict[str, tuple[str, ...]] = {
    "team": ("id", "enterprise_id"),
    "user": ("id", "team_id"),
    "channel": ("id",),
    "container": ("type", "channel_id", "message_ts", "thread_ts", "view_id"),
    "view": ("id", "type", "callback_id", "team_id", "app_installed_team_id"),
    "event": ("type", "tab", "team", "user_team"),
    "enterprise": ("id",),
}
#: top-level lists of objects, and the string fields of their items
_LISTS: dict[str, tuple[str, ...]] = {
    "actions": ("action_id", "block_id", "type", "action_ts"),
    "authorizations": ("team_id", "user_id", "enterprise_id"),
    "response_urls": ("response_url", "channel_id"),
}


def shape_problem(body: Any) -> str | None:
    """Why `body` is not shaped like a Slack delivery, or None when it is."""
    if not isinstance(body, dict):
        return "the body is not an object"
    for key in _STRINGS:
        if not _string(body.get(key)):
            return f"{key} is not a string"
    for key in _OBJECTS:
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"{key} is not an object"
        wrong = next((f for f in _INNER_STRINGS.get(key, ()) if not _string(value.get(f))), None)
        if wrong:
            return f"{key}.{wrong} is not a string"
    for key, fields in _LISTS.items():
        items = body.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return f"{key} is not a list of objects"
        if any(not _string(i.get(f)) for i in items for f in fields):
            return f"{key} holds a field that is not a string"
    if body.get("type") == "block_actions" and not body.get("actions"):
        return "a block_actions payload without actions"
    if isinstance(body.get("event"), dict) and "type" not in body["event"]:
        return "an event without a type"
    return None


def _string(value: object) -> bool:
    return value is None or isinstance(value, str)


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's `private_metadata` as the app wrote it (a JSON object), or {} when it is not."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
