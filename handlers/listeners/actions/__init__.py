"""Button clicks (`block_actions`): the card's buttons and the request buttons."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.listeners.actions import card, requests


def register(app: AsyncApp) -> None:
    card.register(app)
    requests.register(app)
