"""The App Home tab, in the language of the person viewing it."""

from __future__ import annotations

from typing import Any

from flows.home import HomeData
from flows.views import RequestView
from handlers.blocks.kit import Block, context, divider, escape, header, section, user
from handlers.blocks.requests import cco_name, cco_words, decision_buttons, status_words
from i18n import Words


def home_view(t: Words, data: HomeData) -> dict[str, Any]:
    blocks: list[Block] = [header(t.gettext("cco-bot: unlink ERP-synced CCOs"))]
    if data.approver_projects:
        blocks += _approver_blocks(t, data)
    blocks.append(section(t.gettext("*Your requests*")))
    for request in data.own_requests[:10]:
        status = status_words(t, request.status)
        blocks.append(
            context(
                f"{cco_words(t, request)} · {escape(request.project_name)} · *{status}* · "
                f"`{request.reference}`"
            )
        )
    if not data.own_requests:
        blocks.append(context(t.gettext("You haven't asked for an unlink yet.")))
    blocks += [divider(), section(_connect_hint(t))]
    return {"type": "home", "blocks": blocks[:100]}


def _connect_hint(t: Words) -> str:
    return t.gettext(
        "*Your Procore account*: the app finds you in Procore by your Slack email. Run "
        "`/cco connect` in any channel to link your own Procore login instead; your permissions "
        "then come straight from Procore."
    )


def _approver_blocks(t: Words, data: HomeData) -> list[Block]:
    names = ", ".join(escape(n) for n in data.approver_projects)
    blocks: list[Block] = [
        section(t.gettext("*Requests you can approve* ({projects})", projects=names))
    ]
    if not data.approvable:
        blocks.append(context(t.gettext("Nothing is waiting for you.")))
    for request in data.approvable[:10]:
        blocks += [section(_asks(t, request)), decision_buttons(t, request)]
    blocks += [divider(), section(t.gettext("*Recent unlinks in your projects*"))]
    for attempt in data.recent_unlinks[:10]:
        at = t.when(attempt.finished_at or attempt.created_at)
        blocks.append(
            context(
                f"{cco_name(t, attempt.cco_number)} · {user(attempt.slack_user_id)} · {at} · "
                f"`{attempt.reference}`"
            )
        )
    if not data.recent_unlinks:
        blocks.append(context(t.gettext("No unlinks yet.")))
    blocks.append(divider())
    return blocks


def _asks(t: Words, request: RequestView) -> str:
    values = {
        "requester": user(request.requester),
        "cco": cco_words(t, request),
        "project": escape(request.project_name),
    }
    if request.reason:
        return t.gettext(
            "{requester} asks to unlink *{cco}* in {project}: {reason}",
            reason=t.quote(escape(request.reason)),
            **values,
        )
    return t.gettext("{requester} asks to unlink *{cco}* in {project}.", **values)
