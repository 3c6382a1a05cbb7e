"""The App Home tab."""

from __future__ import annotations

from typing import Any

from flows.home import HomeData
from handlers.blocks.kit import Block, context, divider, escape, header, section, user, when
from handlers.blocks.requests import cco_words, decision_buttons, status_words

CONNECT_HINT = (
    "*Your Procore account* — the app finds you in Procore by your Slack email. "
    "Run `/cco connect` in any channel to link your own Procore login instead "
    "(your permissions then come straight from Procore)."
)


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[Block] = [header("cco-bot — unlink ERP-synced CCOs")]
    if data.approver_projects:
        names = ", ".join(escape(n) for n in data.approver_projects)
        blocks += [section(f"*Requests you can approve* ({names})")]
        if not data.approvable:
            blocks.append(context("Nothing waiting for you."))
        for request in data.approvable[:10]:
            reason = f" — “{escape(request.reason)}”" if request.reason else ""
            blocks.append(
                section(
                    f"{user(request.requester)} asks to unlink *{cco_words(request)}* in "
                    f"{escape(request.project_name)}{reason}"
                )
            )
            blocks.append(decision_buttons(request))
        blocks += [divider(), section("*Recent unlinks in your projects*")]
        for attempt in data.recent_unlinks[:10]:
            blocks.append(
                context(
                    f"CCO #{escape(attempt.cco_number)} · {user(attempt.slack_user_id)} · "
                    f"{when(attempt.finished_at or attempt.created_at)} · `{attempt.reference}`"
                )
            )
        if not data.recent_unlinks:
            blocks.append(context("No unlinks yet."))
        blocks.append(divider())
    blocks.append(section("*Your requests*"))
    for request in data.own_requests[:10]:
        blocks.append(
            context(
                f"{cco_words(request)} · {escape(request.project_name)} · "
                f"*{status_words(request.status)}* · `{request.reference}`"
            )
        )
    if not data.own_requests:
        blocks.append(context("You haven't asked for an unlink yet."))
    blocks += [divider(), section(CONNECT_HINT)]
    return {"type": "home", "blocks": blocks[:100]}
