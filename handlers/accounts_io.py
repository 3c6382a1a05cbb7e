"""`/cco connect` and `/cco disconnect`: link a Slack user to their own Procore account."""

from __future__ import annotations

from typing import Any

from flows.accounts import ConnectRefused, connection, disconnect, start_connect
from flows.services import Services
from handlers import commands
from handlers.blocks.answers import notice
from handlers.blocks.kit import actions, button, context, escape, section, user

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
            context(
                "The link works once, for 10 minutes, and only for you: the Procore account you "
                "sign in with must have your Slack email, or nothing is linked."
            ),
        ],
    }


def refused_notice(refused: ConnectRefused) -> str | None:
    """The private Slack message to whoever started a connect link that was refused because of
    who signed in with it; None when they need not hear of it (e.g. an expired link)."""
    name = escape(refused.signed_in_as)
    if refused.notify in ("wrong_person", "no_email"):
        why = (
            "its email isn't your Slack email"
            if refused.notify == "wrong_person"
            else "your Slack profile has no email to compare it with"
        )
        return (
            f"⚠️ Your `/cco connect` link was used to sign in to Procore as *{name}*, which the "
            f"app can't take for your Procore account ({why}). Nothing was linked, and that "
            "sign-in was revoked at Procore. To link your own account, run `/cco connect` and "
            "sign in as yourself; if you didn't share the link, tell your Procore admin."
        )
    if refused.notify == "taken":
        whom = f" ({user(refused.holder)})" if refused.holder else ""
        return (
            f"⚠️ The Procore account *{name}* is already linked to another Slack user in this "
            f"workspace{whom}, so it was not linked to you and the sign-in was revoked. One "
            "Procore account links to one Slack user: that user can run `/cco disconnect` "
            "first, or ask your Slack admin which account is yours."
        )
    return None
