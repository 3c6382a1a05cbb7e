"""Modals (a stack per user) and App Home tabs held by the Slack sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sandbox.slack.feed import ChangeFeed


class ViewHost(Protocol):
    """What the view store reads of its workspace (`sandbox.slack.world.SlackWorkspace`)."""

    team_id: str
    app_id: str
    bot_id: str
    feed: ChangeFeed
    clock: Callable[[], float]


@dataclass
class SlackView:
    id: str
    user_id: str
    definition: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    is_open: bool = True
    state_values: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.definition.get("type", ""))

    @property
    def external_id(self) -> str:
        return str(self.definition.get("external_id", ""))


class ViewStore:
    def __init__(self, workspace: ViewHost) -> None:
        self._workspace = workspace
        self._views: dict[str, SlackView] = {}

    def all(self) -> list[SlackView]:
        return list(self._views.values())

    def get(self, view_id: str) -> SlackView | None:
        return self._views.get(view_id)

    def find(self, view_id: str | None = None, external_id: str | None = None) -> SlackView | None:
        if view_id:
            return self._views.get(view_id)
        for view in self._views.values():
            if external_id and view.external_id == external_id:
                return view
        return None

    def external_id_taken(self, external_id: str) -> bool:
        return bool(external_id) and self.find(external_id=external_id) is not None

    def home(self, user_id: str) -> SlackView | None:
        for view in self._views.values():
            if view.user_id == user_id and view.type == "home":
                return view
        return None

    def modal_stack(self, user_id: str) -> list[SlackView]:
        """The user's open modals, bottom (root) first."""
        return [
            v
            for v in self._views.values()
            if v.user_id == user_id and v.type == "modal" and v.is_open
        ]

    def open(self, user_id: str, definition: dict[str, Any]) -> SlackView:
        for view in self.modal_stack(user_id):
            view.is_open = False
        view = self._new(user_id, definition, root_view_id=None)
        self._announce("view_opened", view)
        return view

    def push(self, user_id: str, definition: dict[str, Any]) -> SlackView | None:
        stack = self.modal_stack(user_id)
        if not stack:
            return None
        top = stack[-1]
        view = self._new(user_id, definition, root_view_id=top.root_view_id)
        view.previous_view_id = top.id
        self._announce("view_pushed", view)
        return view

    def publish_home(self, user_id: str, definition: dict[str, Any]) -> SlackView:
        view = self.home(user_id)
        if view is None:
            view = self._new(user_id, definition, root_view_id=None)
        else:
            self._replace(view, definition)
        self._announce("view_published", view)
        return view

    def update(self, view: SlackView, definition: dict[str, Any]) -> None:
        self._replace(view, definition)
        self._announce("view_updated", view)

    def close(self, view: SlackView) -> None:
        view.is_open = False
        self._announce("view_closed", view)

    def _new(self, user_id: str, definition: dict[str, Any], root_view_id: str | None) -> SlackView:
        view_id = f"V{secrets.token_hex(5).upper()}"
        view = SlackView(view_id, user_id, definition, self._hash(), root_view_id or view_id)
        self._views[view_id] = view
        return view

    def _replace(self, view: SlackView, definition: dict[str, Any]) -> None:
        view.definition = definition
        view.hash = self._hash()
        view.state_values = {}

    def _hash(self) -> str:
        return f"{int(self._workspace.clock())}.{secrets.token_hex(4)}"

    def _announce(self, kind: str, view: SlackView) -> None:
        self._workspace.feed.publish(
            kind, {"view_id": view.id, "user_id": view.user_id, "view": self.view_json(view)}
        )

    def view_json(self, view: SlackView) -> dict[str, Any]:
        """The view object as Slack returns it from views.* and puts it in payloads."""
        ws = self._workspace
        d = view.definition
        return {
            "id": view.id,
            "team_id": ws.team_id,
            "type": view.type,
            "title": d.get("title"),
            "submit": d.get("submit"),
            "close": d.get("close"),
            "blocks": d.get("blocks", []),
            "private_metadata": d.get("private_metadata", ""),
            "callback_id": d.get("callback_id", ""),
            "external_id": view.external_id,
            "state": {"values": view.state_values},
            "hash": view.hash,
            "clear_on_close": bool(d.get("clear_on_close", False)),
            "notify_on_close": bool(d.get("notify_on_close", False)),
            "submit_disabled": bool(d.get("submit_disabled", False)),
            "root_view_id": view.root_view_id,
            "previous_view_id": view.previous_view_id,
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }
