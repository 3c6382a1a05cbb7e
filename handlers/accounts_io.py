"""`/cco connect` and `/cco disconnect`: link a Slack user to their own Procore account."""

from __future__ import annotations

from typing import Any

from handlers import commands
from handlers.blocks.answers import notice
from handlers.blocks.kit import actions, button, context, escape, section
from handlers.flows.accounts import connection, disconnect, start_connect
from handlers.flows.services import Services

NOT_SET_UP = (
    "Procore account linking isn't set up in this workspace (the app needs PUBLIC_URL and "
    "TOKEN_ENCRYPTION_KEY). The app finds you in Procore by your Slack email instead."
)


async def account_answer(
    svc: Services, parsed: commands.Connect | commands.Disconnect, team_id: str, user_id: str
) -> dict[str, Any]:
    if svc.accounts is None:
        return notice(NOT_SET_UP)
    if isinstance(parsed, commands.Disconnect):
        result = await disconnect(svc.accounts, team_id, user_id)
        if not result.was_connected:
            return notice("Your Slack account isn't linked to a Procore account.")
        revoked = (
            ""
            if result.revoked
            else " (Procore could not be reached to revoke the tokens; they were deleted here)"
        )
        return notice(f"🔌 Disconnected: the app no longer holds your Procore tokens{revoked}.")
    current = await connection(svc.accounts, team_id, user_id)
    url = await start_connect(svc.accounts, team_id, user_id)
    already = (
        f"You are linked as *{escape(current.procore_user_name)}*; signing in again replaces it. "
        if current is not None
        else ""
    )
    text = (
        f"{already}Link your own Procore account so your permissions come straight from Procore "
        "(instead of being matched by email)."
    )
    return {
        "text": "Connect your Procore account",
        "blocks": [
            section(text),
            actions(button("Connect Procore account", "cco_connect_link", "connect", url=url)),
            context("The link works once, for 10 minutes, and only for you."),
        ],
    }
