"""Answers to `/cco link`: the channel's announcement of a (re-)link, and why a link was refused.

Refusals are ephemeral, in the asker's words, and say who can do it instead; the announcement
is for the channel, in the channel's words (`i18n.words_for_channel`)."""

from __future__ import annotations

from typing import Any

from flows.linking import (
    LinkChangedMeanwhile,
    Linked,
    LinkRefused,
    LinkResult,
    NotIdentified,
    NotOnProject,
    ProjectHidden,
)
from flows.outcomes import UnknownUser
from handlers.blocks.kit import escape, section, user
from i18n import Words
from i18n import messages as m


def link_answer(
    t: Words,
    result: LinkResult,
    user_id: str,
    channel: Words | None = None,
    *,
    alerts_off: bool = False,
) -> tuple[dict[str, Any], str]:
    """The message and its Slack `response_type` ("in_channel" or "ephemeral"): `t` is the
    asker's words, `channel` the channel's (for the announcement; `t` when None);
    `alerts_off`: the announcement says the channel gets no alerts, and why."""
    if isinstance(result, Linked):
        if result.unchanged:
            text = t.gettext(
                "This channel is already linked to *{project}* ({id}), so nothing changed.",
                project=escape(result.project_name),
                id=result.project_id,
            )
            return _message(text), "ephemeral"
        return linked_message(channel or t, result, user_id, alerts_off), "in_channel"
    return _message(f"❌ {_refusal(t, result)}"), "ephemeral"


def linked_message(
    t: Words, linked: Linked, user_id: str, alerts_off: bool = False
) -> dict[str, Any]:
    project = f"*{escape(linked.project_name)}* ({linked.project_id})"
    if linked.previous_project_name is None:
        text = t.gettext(
            "{user} linked this channel to the Procore project {project}.",
            user=user(user_id),
            project=project,
        )
    else:
        before = f"*{escape(linked.previous_project_name)}* ({linked.previous_project_id})"
        text = t.gettext(
            "{user} moved this channel's link from {before} to the Procore project {project}.",
            user=user(user_id),
            before=before,
            project=project,
        )
    text = f"🔗 {text} " + t.gettext("Run `/cco unlink` to list its ERP-synced CCOs.")
    if alerts_off:
        text += " " + t.gettext(
            "Alerts are off: the app has no public web address, so Procore can't send it "
            "changes. Ask whoever runs the app to give it one."
        )
    if linked.reference:
        text += " " + t.gettext(m.REFERENCE, reference=linked.reference)
    return _message(text)


def _not_found_why(t: Words, who: UnknownUser) -> str:
    """Why the app can't find the person in Procore, as a clause."""
    if who.email is None:
        return t.gettext("your Slack profile has no email, so the app can't find you in Procore")
    if who.inactive:
        return t.gettext(
            "your Procore user ({email}) is not active in this company", email=escape(who.email)
        )
    return t.gettext(
        "no Procore user in this company has your Slack email ({email})", email=escape(who.email)
    )


def hidden_message(t: Words, hidden: ProjectHidden) -> dict[str, Any]:
    """Why `/cco unlink` or `/cco history` shows this person nothing (ephemeral)."""
    link = hidden.link
    name = f"*{escape(link.project_name)}* ({link.project_id})"
    if hidden.who is None:
        why = t.gettext("you aren't in the Directory of {project} in Procore", project=name)
    else:
        why = _not_found_why(t, hidden.who)
    text = t.gettext(
        "Ask a Procore admin to add you to the Directory of {project}, or ask someone in it to "
        "run the command here: {why}, so the app shows you none of its CCOs or history. "
        "Nothing was posted.",
        project=name,
        why=why,
    )
    return _message(f"❌ {text} {t.gettext(m.REFERENCE, reference=hidden.reference)}")


def _refusal(
    t: Words, result: LinkRefused | NotIdentified | NotOnProject | LinkChangedMeanwhile
) -> str:
    if isinstance(result, LinkRefused):
        reason = t.gettext(result.reason, project_id=result.project_id)
        return f"{reason} {t.gettext(m.REFERENCE, reference=result.reference)}"
    if isinstance(result, LinkChangedMeanwhile):
        return t.gettext(
            "Look at the channel's latest link message, then run `/cco link {id}` again if it "
            "is still needed: this channel's link changed while yours was being checked, so "
            "nothing was changed.",
            id=result.project_id,
        )
    ref = t.gettext(m.REFERENCE, reference=result.reference)
    if isinstance(result, NotIdentified):
        return f"{_not_identified(t, result)} {ref}"
    return f"{_not_on_project(t, result)} {ref}"


def _not_identified(t: Words, result: NotIdentified) -> str:
    return t.gettext(
        "Ask someone in the Directory of project {id} in Procore to run `/cco link {id}` here. "
        "You can't link this channel: {why}, and a linked channel shows everyone in it the "
        "project's CCOs, vendors and amounts. Nothing was changed.",
        id=result.project_id,
        why=_not_found_why(t, result.who),
    )


def _not_on_project(t: Words, result: NotOnProject) -> str:
    wanted = result.wanted_project_id
    current = result.current
    if current is None:
        return t.gettext(
            "Ask someone in the Directory of Procore project {id} to run `/cco link {id}` here, "
            "or a Procore admin to add you to the project. You aren't in its Directory, and a "
            "linked channel shows everyone in it the project's CCOs, vendors and amounts. "
            "Nothing was changed.",
            id=wanted,
        )
    project = f"*{escape(current.project_name)}* ({current.project_id})"
    return t.gettext(
        "Ask someone in the Directories of {project} and of project {id} to run "
        "`/cco link {id}` here. This channel is linked to {project} (by {user}), and you "
        "aren't in that project's Directory in Procore, so you can't re-link it. Nothing was "
        "changed.",
        project=project,
        id=wanted,
        user=user(current.linked_by),
    )


def _message(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}
