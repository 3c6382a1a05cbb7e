"""`/cco connect` and `/cco disconnect`: link a Slack user to their own Procore account. Every
answer is the person's own, in their words (`t`)."""

from __future__ import annotations

from typing import Any

from flows.accounts import ConnectRefused, connection, disconnect, start_connect
from flows.services import Services
from handlers import commands
from handlers.blocks.answers import notice
from handlers.blocks.kit import actions, button, context, escape, section, user
from i18n import Words


async def account_answer(
    t: Words,
    svc: Services,
    parsed: commands.Connect | commands.Disconnect,
    team_id: str,
    user_id: str,
) -> dict[str, Any]:
    if svc.accounts is None:
        return notice(
            t.gettext(
                "Procore account linking isn't turned on for this app (whoever runs it can turn "
                "it on). The app finds you in Procore by your Slack email instead."
            )
        )
    if isinstance(parsed, commands.Disconnect):
        result = await disconnect(svc.accounts, team_id, user_id)
        if not result.was_connected:
            return notice(t.gettext("Your Slack account isn't linked to a Procore account."))
        said = t.gettext("Disconnected: the app no longer holds your Procore tokens.")
        if not result.revoked:
            said += " " + t.gettext(
                "Procore could not be reached to revoke them, so they were deleted here."
            )
        return notice(f"🔌 {said}")
    current = await connection(svc.accounts, team_id, user_id)
    url = await start_connect(svc.accounts, team_id, user_id)
    return connect_message(t, url, current.procore_user_name if current else None)


def connect_message(t: Words, url: str, linked_as: str | None) -> dict[str, Any]:
    """The private message with the one-time Procore sign-in button."""
    text = t.gettext(
        "Link your own Procore account so your permissions come straight from Procore "
        "(instead of being matched by email)."
    )
    if linked_as is not None:
        already = t.gettext(
            "You are linked as *{name}*; signing in again replaces it.", name=escape(linked_as)
        )
        text = f"{already} {text}"
    label = t.gettext("Connect Procore account")
    return {
        "text": t.gettext("Connect your Procore account"),
        "blocks": [
            section(text),
            actions(button(label, "cco_connect_link", "connect", url=url)),
            context(
                t.gettext(
                    "The link works once, for 10 minutes, and only for you: the Procore account "
                    "you sign in with must have your Slack email, or nothing is linked."
                )
            ),
        ],
    }


def connected_notice(t: Words, procore_user_name: str) -> str:
    """The private message once someone's Procore account is linked."""
    return "🔗 " + t.gettext(
        "Your Slack account is now linked to Procore as {name}. Your permissions come straight "
        "from Procore; `/cco disconnect` undoes it.",
        name=escape(procore_user_name),
    )


def refused_notice(t: Words, refused: ConnectRefused) -> str | None:
    """The private Slack message to whoever started a connect link that was refused because of
    who signed in with it; None when they need not hear of it (e.g. an expired link)."""
    name = escape(refused.signed_in_as)
    if refused.notify in ("wrong_person", "no_email"):
        if refused.notify == "wrong_person":
            why = t.gettext("its email isn't your Slack email")
        else:
            why = t.gettext("your Slack profile has no email to compare it with")
        return "⚠️ " + t.gettext(
            "Run `/cco connect` and sign in as yourself to link your own account; if you didn't "
            "share the link, tell your Procore admin. Your `/cco connect` link was used to sign "
            "in to Procore as *{name}*, which the app can't take for your Procore account "
            "({why}). Nothing was linked, and that sign-in was revoked at Procore.",
            name=name,
            why=why,
        )
    if refused.notify == "taken":
        if refused.holder:
            taken = t.gettext(
                "The Procore account *{name}* is already linked to another Slack user in this "
                "workspace ({user}), so it was not linked to you and the sign-in was revoked.",
                name=name,
                user=user(refused.holder),
            )
        else:
            taken = t.gettext(
                "The Procore account *{name}* is already linked to another Slack user in this "
                "workspace, so it was not linked to you and the sign-in was revoked.",
                name=name,
            )
        rule = t.gettext(
            "One Procore account links to one Slack user: that user can run `/cco disconnect` "
            "first, or ask your Slack admin which account is yours."
        )
        return f"⚠️ {taken} {rule}"
    return None
