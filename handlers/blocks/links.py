"""Answers to `/cco link`: the channel's announcement of a (re-)link, and why a link was refused.

Refusals are ephemeral and say who can do it instead; the announcement is for the channel."""

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
from handlers.blocks.kit import escape, section, user

#: what a link exposes, said in each refusal so the rule reads as a reason, not a whim
WHY = "a linked channel shows everyone in it the project's CCOs, vendors and amounts"


def link_answer(result: LinkResult, user_id: str) -> tuple[dict[str, Any], str]:
    """The message and its Slack `response_type` ("in_channel" or "ephemeral")."""
    if isinstance(result, Linked):
        if result.unchanged:
            text = (
                f"This channel is already linked to *{escape(result.project_name)}* "
                f"({result.project_id}); nothing changed."
            )
            return _message(text), "ephemeral"
        return linked_message(result, user_id), "in_channel"
    return _message(f"❌ {_refusal(result)}"), "ephemeral"


def linked_message(linked: Linked, user_id: str) -> dict[str, Any]:
    project = f"*{escape(linked.project_name)}* ({linked.project_id})"
    if linked.previous_project_name is None:
        text = f"🔗 {user(user_id)} linked this channel to Procore project {project}."
    else:
        before = f"*{escape(linked.previous_project_name)}* ({linked.previous_project_id})"
        text = f"🔗 This channel was linked to {before}, now {project}, by {user(user_id)}."
    text += " Run `/cco unlink` to list its ERP-synced CCOs."
    if linked.reference:
        text += f" (ref `{linked.reference}`)"
    return _message(text)


def hidden_message(hidden: ProjectHidden) -> dict[str, Any]:
    """Why `/cco unlink` or `/cco history` shows this person nothing (ephemeral)."""
    link = hidden.link
    name = f"*{escape(link.project_name)}* ({link.project_id})"
    if hidden.who is None:
        why = f"you aren't in the Directory of {name} in Procore"
    elif hidden.who.email is None:
        why = "your Slack profile has no email, so the app can't find you in Procore"
    elif hidden.who.inactive:
        why = f"your Procore user ({escape(hidden.who.email)}) is not active in this company"
    else:
        why = f"no Procore user in this company has your Slack email ({escape(hidden.who.email)})"
    return _message(
        f"❌ This channel is linked to {name}, and {why}, so the app shows you none of its CCOs "
        "or history. Nothing was posted. A Procore admin can add you to the project's Directory; "
        f"until then someone in it can run the command here. (ref `{hidden.reference}`)"
    )


def _refusal(result: LinkRefused | NotIdentified | NotOnProject | LinkChangedMeanwhile) -> str:
    if isinstance(result, LinkRefused):
        return f"{result.reason} (ref `{result.reference}`)"
    if isinstance(result, LinkChangedMeanwhile):
        return (
            "This channel's link changed while yours was being checked, so nothing was changed. "
            f"Look at the channel's latest link message, then run `/cco link {result.project_id}` "
            "again if it is still needed."
        )
    ref = f" (ref `{result.reference}`)"
    if isinstance(result, NotIdentified):
        return _not_identified(result) + ref
    return _not_on_project(result) + ref


def _not_identified(result: NotIdentified) -> str:
    who = result.who
    if who.email is None:
        found = "your Slack profile has no email, so the app can't find you in Procore"
    elif who.inactive:
        found = f"your Procore user ({escape(who.email)}) is not active in this company"
    else:
        found = f"no Procore user in this company has your Slack email ({escape(who.email)})"
    return (
        f"You can't link this channel: {found}, and {WHY}. Nothing was changed. Someone in "
        f"project {result.project_id}'s Directory in Procore can run "
        f"`/cco link {result.project_id}` here."
    )


def _not_on_project(result: NotOnProject) -> str:
    wanted = result.wanted_project_id
    current = result.current
    if current is None:
        return (
            f"You aren't in the Directory of Procore project {wanted}, and {WHY}, so you can't "
            f"link this channel to it. Nothing was changed. Someone in that project's Directory "
            f"can run `/cco link {wanted}` here, or a Procore admin can add you to the project."
        )
    name = f"*{escape(current.project_name)}* ({current.project_id})"
    return (
        f"This channel is linked to {name} (by {user(current.linked_by)}), and you aren't in "
        f"that project's Directory in Procore, so you can't re-link it. Nothing was changed. "
        f"Someone in {escape(current.project_name)}'s Directory (and in project {wanted}'s) can "
        f"run `/cco link {wanted}` here."
    )


def _message(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}
