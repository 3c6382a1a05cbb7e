"""A listener is a module-level function that reads its services from Bolt's context: it can be
imported and called alone, and `handlers.app.register` wires every kind in one place."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltContext

from handlers.blocks.requests import REASON_BLOCK, REASON_INPUT
from handlers.context import KEY, deps_of, provide
from handlers.listeners.actions.card import on_link_button
from handlers.listeners.views import on_deny_submitted


class Acks:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


async def test_a_link_button_is_only_acked() -> None:
    ack = Acks()
    await on_link_button(ack)  # type: ignore[arg-type]
    assert ack.calls == [{}]


async def test_a_deny_without_a_reason_is_refused_in_the_ack_before_any_service() -> None:
    ack = Acks()
    view = {"state": {"values": {REASON_BLOCK: {REASON_INPUT: {"value": " x "}}}}}
    await on_deny_submitted(ack, {}, view, AsyncBoltContext())  # type: ignore[arg-type]
    assert ack.calls == [
        {"response_action": "errors", "errors": {REASON_BLOCK: "Say why, in a few words."}}
    ]


async def test_the_middleware_puts_the_deps_into_the_context() -> None:
    deps: Any = object()
    context = AsyncBoltContext()
    nexts: list[bool] = []

    async def next_() -> None:
        nexts.append(True)

    await provide(deps)(context, next_)
    assert context[KEY] is deps and nexts == [True]


def test_a_context_without_deps_says_who_installs_them() -> None:
    with pytest.raises(RuntimeError, match=r"handlers\.app\.register"):
        deps_of(AsyncBoltContext())
