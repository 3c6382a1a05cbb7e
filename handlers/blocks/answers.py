"""Answers to `/cco help | link | status | history` and the short ephemeral notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.history import History
from flows.status import StatusReport
from handlers.blocks.kit import Block, actions, button, context, escape, section, user, when
from handlers.blocks.words import outcome_words
from handlers.commands import USAGE


def help_message() -> dict[str, Any]:
    return {"text": "How to use /cco", "blocks": [section(USAGE)]}


def usage_message(problem: str) -> dict[str, Any]:
    return {"text": problem, "blocks": [section(f"⚠️ {problem}"), section(USAGE)]}


def notice(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def stale_button() -> dict[str, Any]:
    """A button whose card or request the app no longer knows (stale, forged or edited)."""
    return notice(
        "This button doesn't belong to a current card or request, so nothing was done. "
        "Run `/cco unlink` for a fresh list."
    )


def not_linked_message() -> dict[str, Any]:
    return notice(
        "This channel isn't linked to a Procore project yet. Run `/cco link <procore project id>` "
        "here first (the id is the number in the project's Procore URL)."
    )


def busy_message(
    cco_number: str,
    by_user: str | None,
    reference: str | None,
    done_at: datetime | None = None,
    unlinked: bool = True,
) -> dict[str, Any]:
    """The clicker's private answer when another attempt holds the CCO: in flight, or (with
    `done_at`) finished an instant before this click could claim it."""
    who = f" by {user(by_user)}" if by_user else ""
    ref = f" (ref `{reference}`)" if reference else ""
    if done_at is not None and unlinked:
        return notice(
            f"✅ CCO #{escape(cco_number)} was already unlinked{who} {when(done_at)}{ref}. "
            "The answer is in the card's thread; nothing more was done."
        )
    if done_at is not None:
        return notice(
            f"ℹ️ CCO #{escape(cco_number)} was just checked{who} {when(done_at)}{ref}, and it "
            "was not unlinked: the answer is in the card's thread. Nothing more was done; click "
            "Unlink again once its fix is made."
        )
    return notice(
        f"⏳ An unlink of CCO #{escape(cco_number)} is already in progress{who}{ref}. "
        "Its answer will appear in the card's thread."
    )


def status_message(report: StatusReport) -> dict[str, Any]:
    unknown = _not_found(report)
    if unknown is not None or report.user is None:
        return notice(unknown or "")
    who = f"You are *{escape(report.user.name)}* ({escape(report.email or '')}) in Procore" + (
        "" if report.user.is_active else " — *inactive*"
    )
    if report.project_name is None or not report.checks:
        return notice(f"{who}. Link this channel with `/cco link <project id>` to check rights.")
    lines = [f"{who}. For *{escape(report.project_name)}*:"]
    for check in report.checks:
        mark = "✓" if check.ok else "✗"
        lines.append(f"{mark} *{check.name}* — needs {check.required}, you have {check.actual}")
        if check.remedy:
            lines.append(f"      ↳ {escape(check.remedy)}")
    verdict = (
        "You can unlink CCOs here."
        if all(c.ok for c in report.checks)
        else "You can't unlink CCOs here until every ✗ is fixed."
    )
    source = (
        "your linked Procore account (the rights Procore itself reports for it)"
        if report.source == "linked"
        else "the company directory's permission templates (run `/cco connect` to use your own "
        "Procore account instead)"
    )
    blocks = [section("\n".join(lines)), context(f"{verdict} Read from {source}.")]
    return {"text": verdict, "blocks": blocks}


def _not_found(report: StatusReport) -> str | None:
    """Why the app could not tell who the asker is in Procore (None when it could)."""
    if report.not_linked is not None:
        return (
            "❌ This workspace requires a linked Procore account: run `/cco connect` and sign in "
            "to Procore."
        )
    if report.email is None:
        return (
            "❌ Your Slack profile shows no email address, so the app can't find you in Procore. "
            "Ask a Slack admin to make your email visible."
        )
    if report.user is None:
        return (
            f"❌ No Procore user has the email {escape(report.email)}. Ask a Procore company admin "
            "to add you to the Company Directory with that email."
        )
    return None


def history_message(project_name: str, found: History, erp_name: str = "the ERP") -> dict[str, Any]:
    narrowed = f" matching “{escape(found.query)}”" if found.query else ""
    lines = [f"*Latest unlink attempts{narrowed} — {escape(project_name)}*"]
    for a in found.attempts:
        lines.append(
            f"• CCO #{escape(a.cco_number)} · {user(a.slack_user_id)} · {when(a.created_at)} · "
            f"{outcome_words(a.outcome, erp_name)} · `{a.reference}`"
        )
    if not found.attempts and found.query and found.total:
        lines.append(
            f"None of the {found.total} attempts in this project match “{escape(found.query)}”. "
            "Try a CCO number (`/cco history 004`), words from its title, commitment or vendor, "
            "or `/cco history` for the latest."
        )
    elif not found.attempts:
        lines.append("No unlink attempts yet.")
    else:
        lines.append("`/cco history <reference>` shows one attempt or request step by step.")
    blocks: list[Block] = [section("\n".join(lines))]
    if found.csv_url:
        blocks.append(
            actions(
                button("Download the full audit (CSV)", "cco_audit_csv", "csv", url=found.csv_url)
            )
        )
        blocks.append(context("The link works for 15 minutes. Only approvers get it."))
    return {"text": f"Unlink history for {escape(project_name)}", "blocks": blocks}
