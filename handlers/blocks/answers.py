"""Answers to `/cco help | status | history` and the short ephemeral notices, in the reader's
words (`t`: `i18n.words_for` of the person who asked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.history import History
from flows.status import StatusReport
from flows.views import AttemptView
from handlers.blocks.kit import Block, actions, button, context, escape, section, typed, user
from handlers.blocks.words import level_words, missing_line, outcome_words, tool_words
from handlers.commands import usage
from i18n import Words
from i18n import messages as m
from procore.permissions import CAN_PUSH, PermissionCheck


def help_message(t: Words) -> dict[str, Any]:
    return {"text": t.gettext(m.HELP_FALLBACK), "blocks": [section(usage(t))]}


def usage_message(t: Words, problem: str) -> dict[str, Any]:
    """`problem`: why the text was not understood, already in the reader's words
    (`commands.Usage.in_words(t)`)."""
    return {"text": problem, "blocks": [section(f"⚠️ {problem}"), section(usage(t))]}


def notice(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def stale_button(t: Words) -> dict[str, Any]:
    """A button whose card or request the app no longer knows (stale, forged or edited)."""
    return notice(t.gettext(m.STALE_BUTTON))


def not_linked_message(t: Words) -> dict[str, Any]:
    return notice(t.gettext(m.CHANNEL_NOT_LINKED))


def busy_message(
    t: Words,
    cco_number: str,
    by_user: str | None,
    reference: str | None,
    done_at: datetime | None = None,
    unlinked: bool = True,
) -> dict[str, Any]:
    """The clicker's private answer when another attempt holds the CCO: in flight, or (with
    `done_at`) finished an instant before this click could claim it."""
    cco = t.gettext(m.CCO_LABEL, number=escape(cco_number))
    if done_at is not None and unlinked:
        text = "✅ " + t.gettext(m.BUSY_DONE, cco=cco, when=t.when(done_at))
    elif done_at is not None:
        text = "ℹ️ " + t.gettext(m.BUSY_REFUSED, cco=cco, when=t.when(done_at))
    else:
        text = "⏳ " + t.gettext(m.BUSY_RUNNING, cco=cco)
    if by_user:
        text += " " + t.gettext(m.BUSY_BY, user=user(by_user))
    if reference:
        text += " " + t.gettext(m.REFERENCE, reference=reference)
    return notice(text)


def _check_line(t: Words, check: PermissionCheck, project: str) -> str:
    if not check.ok:
        return "✗ " + missing_line(t, check, project)
    tool = tool_words(t, check.name)
    if check.name == CAN_PUSH:
        return "✓ " + t.gettext("*{permission}*: enabled on your Procore account.", permission=tool)
    actual = level_words(t, check.actual)
    return "✓ " + t.gettext("*{permission}*: you have {level}.", permission=tool, level=actual)


def _who(t: Words, report: StatusReport) -> str:
    assert report.user is not None
    values = {"name": escape(report.user.name), "email": escape(report.email or "")}
    if report.user.is_active:
        return t.gettext("You are *{name}* ({email}) in Procore.", **values)
    return t.gettext(
        "You are *{name}* ({email}) in Procore, and your Procore account is inactive.", **values
    )


def status_message(t: Words, report: StatusReport) -> dict[str, Any]:
    unknown = _not_found(t, report)
    if unknown is not None or report.user is None:
        return notice(unknown or "")
    who = _who(t, report)
    if report.project_name is None or not report.checks:
        fix = t.gettext(
            "Run `/cco link <procore project id>` in a channel to check your Procore "
            "permissions on its project."
        )
        return notice(f"{who} {fix}")
    project = escape(report.project_name)
    lines = [who, t.gettext("Your Procore permissions on *{project}*:", project=project)]
    lines += [_check_line(t, check, project) for check in report.checks]
    if all(c.ok for c in report.checks):
        verdict = t.gettext("You can unlink CCOs here.")
    else:
        verdict = t.gettext("You can unlink CCOs here once every ✗ is fixed.")
    if report.source == "linked":
        source = t.gettext("Read from your linked Procore account.")
    else:
        source = t.gettext(
            "Read from the Company Directory's permission templates. Run `/cco connect` to use "
            "your own Procore account instead."
        )
    blocks = [section("\n".join(lines)), context(f"{verdict} {source}")]
    return {"text": verdict, "blocks": blocks}


def _not_found(t: Words, report: StatusReport) -> str | None:
    """Why the app could not tell who the asker is in Procore (None when it could)."""
    if report.not_linked is not None:
        return "❌ " + t.gettext(
            "Run `/cco connect` and sign in to Procore: this workspace requires you to link "
            "your own Procore account."
        )
    if report.email is None:
        return "❌ " + t.gettext(
            "Ask a Slack admin to make your email visible: your Slack profile shows no email "
            "address, so the app can't find you in Procore."
        )
    if report.user is None:
        return "❌ " + t.gettext(
            "Ask a Procore company admin to add you to the Company Directory with the email "
            "{email}: no Procore user has it.",
            email=escape(report.email),
        )
    return None


def _history_line(t: Words, a: AttemptView, erp_name: str) -> str:
    cco = t.gettext(m.CCO_LABEL, number=escape(a.cco_number))
    said = outcome_words(t, a.outcome, erp_name)
    return f"• {cco} · {user(a.slack_user_id)} · {t.when(a.created_at)} · {said} · `{a.reference}`"


def _history_end(t: Words, found: History) -> str:
    if not found.attempts and found.query and found.total:
        return t.ngettext(
            "None of the {count} attempt in this project matches {query}. Try a CCO number "
            "(`/cco history 004`), words from its title, commitment or vendor, or "
            "`/cco history` for the latest.",
            "None of the {count} attempts in this project match {query}. Try a CCO number "
            "(`/cco history 004`), words from its title, commitment or vendor, or "
            "`/cco history` for the latest.",
            found.total,
            query=typed(found.query),
        )
    if not found.attempts:
        return t.gettext("No unlink attempts yet.")
    return t.gettext("`/cco history <reference>` shows one attempt or request step by step.")


def history_message(
    t: Words, project_name: str, found: History, erp_name: str = "the ERP"
) -> dict[str, Any]:
    project = escape(project_name)
    if found.query:
        title = t.gettext(
            "*Latest unlink attempts matching {query} — {project}*",
            query=typed(found.query),
            project=project,
        )
    else:
        title = t.gettext("*Latest unlink attempts — {project}*", project=project)
    lines = [title, *(_history_line(t, a, erp_name) for a in found.attempts)]
    lines.append(_history_end(t, found))
    blocks: list[Block] = [section("\n".join(lines))]
    if found.csv_url:
        label = t.gettext("Download the full audit (CSV)")
        blocks.append(actions(button(label, "cco_audit_csv", "csv", url=found.csv_url)))
        blocks.append(context(t.gettext("Only approvers get this link. It works for 15 minutes.")))
    return {
        "text": t.gettext("Latest unlink attempts in {project}", project=project),
        "blocks": blocks,
    }
