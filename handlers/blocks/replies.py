"""The final thread reply for each unlink outcome: green for success, red with the fix otherwise.

Every reply names the reference id, which is also in the audit log and the server log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.outcomes import (
    CcoGone,
    Failed,
    Interrupted,
    Misconfigured,
    NotApplicable,
    NotCommitmentCco,
    NotErpIntegrated,
    NotLinked,
    NotSynced,
    Outcome,
    ParentUnknownInErp,
    PermissionDenied,
    ProcoreRefused,
    StillInErp,
    UnknownUser,
    Unlinked,
    UnlinkUnconfirmed,
    Unreachable,
)
from flows.views import AttemptView
from handlers.blocks.kit import Block, actions, colored, context, escape, section, user, when
from handlers.blocks.requests import request_button


def cco_label(number: str, title: str | None = None) -> str:
    label = f"CCO #{escape(number)}"
    return f"{label} “{escape(title)}”" if title else label


def outcome_message(outcome: Outcome, attempt: AttemptView) -> dict[str, Any]:
    ref = f"ref `{attempt.reference}`"
    clicker = user(attempt.slack_user_id)
    label = cco_label(attempt.cco_number)
    if isinstance(outcome, Unlinked):
        return _green(outcome, attempt, clicker, ref)
    if isinstance(outcome, NotSynced | NotApplicable | NotErpIntegrated | NotCommitmentCco):
        text = _neutral_text(outcome, attempt)
        blocks = [section(text), context(f"{clicker} · {ref}")]
        return colored("warning", f"ℹ️ *Nothing to unlink* — {label}", _plain(text), blocks)
    text = _red_text(outcome, attempt)
    lines = [section(f"❌ {text}"), context(f"{_red_by(outcome, attempt, clicker)} · {ref}")]
    if isinstance(outcome, PermissionDenied) and attempt.request_id is None:
        lines.append(actions(request_button(attempt.cco_id), block_id="ask"))
    return colored("danger", f"❌ *{_red_title(outcome)}* — {label}", _plain(f"❌ {text}"), lines)


def _red_by(outcome: Outcome, attempt: AttemptView, clicker: str) -> str:
    """Who clicked; on an approval, also whose request it was (they are told the outcome too)."""
    if not attempt.requested_by or isinstance(outcome, PermissionDenied):
        return f"Clicked by {clicker}"  # a refused approver's text names the requester already
    return (
        f"Requested by {user(attempt.requested_by)}, approved by {clicker}; the request stays "
        "open, so it can be approved again once this is fixed"
    )


def _red_title(outcome: Outcome) -> str:
    """A write Procore took but does not show applied never reads "unlinked", not even "not"."""
    if isinstance(outcome, UnlinkUnconfirmed):
        return "Still synced in Procore" if outcome.still_synced else "Not confirmed by Procore"
    if isinstance(outcome, ParentUnknownInErp):
        return "Nothing changed"
    return "Not unlinked"


def _green(outcome: Unlinked, attempt: AttemptView, clicker: str, ref: str) -> dict[str, Any]:
    cco, erp, record = outcome.cco, outcome.erp, outcome.record
    asked = (
        f" Requested by {user(attempt.requested_by)}, approved by {clicker}."
        if attempt.requested_by
        else ""
    )
    text = (
        f"✅ Successfully unlinked {cco_label(cco.number, cco.title)} from {erp.name} — "
        f"it can now be edited or deleted in Procore.{asked}"
    )
    found = f"{erp.name} {erp.record_noun} {escape(record.reference)}: {record.state.value}"
    note = erp.note_for(record.state)
    blocks: list[Block] = [section(text), context(f"{found} · unlinked by {clicker} · {ref}")]
    if note:
        blocks.append(context(escape(note)))
    headline = f"✅ *Unlinked* — {cco_label(cco.number)} from {erp.name}"
    return colored("good", headline, _plain(text), blocks)


def _neutral_text(
    outcome: NotSynced | NotApplicable | NotErpIntegrated | NotCommitmentCco,
    attempt: AttemptView,
) -> str:
    if isinstance(outcome, NotApplicable):
        return f"CCOs aren't synced with {outcome.erp.name}, so there is nothing to unlink."
    if isinstance(outcome, NotErpIntegrated):
        return not_erp_integrated_text(outcome.project_name)
    if isinstance(outcome, NotCommitmentCco):
        return (
            f"{cco_label(outcome.cco_number)} is not a commitment change order (it belongs to a "
            "prime contract, or to no subcontract or purchase order the app can read), so the "
            "app does not unlink it. Nothing was changed."
        )
    by = f" by {user(outcome.unlinked_by)}" if outcome.unlinked_by else ""
    at = f" {when(outcome.unlinked_at)}" if outcome.unlinked_at else ""
    return (
        f"{cco_label(outcome.cco.number, outcome.cco.title)} is no longer synced with "
        f"{outcome.erp.name} — it was already unlinked{by}{at}. It can be edited in Procore; "
        "nothing was changed."
    )


def _red_text(outcome: Outcome, attempt: AttemptView) -> str:
    """The red reply's words, by the kind of refusal or failure (`_RED_TEXTS`)."""
    write = _RED_TEXTS[type(outcome)]
    return write(outcome, cco_label(attempt.cco_number), attempt.requested_by)


def _still_in_erp_text(outcome: StillInErp, cco: str, requested_by: str | None) -> str:
    fix = escape(outcome.erp.fix(outcome.record))  # it names the ERP's own reference
    shown = outcome.record.status_text
    status = f" ({escape(shown)})" if shown else ""
    return (
        f"{cco} is still in {outcome.erp.name}{status}. {fix}, then click Unlink again. "
        "Nothing was changed in Procore."
    )


def _denied_text(outcome: PermissionDenied, cco: str, requested_by: str | None) -> str:
    lines = "\n".join(f"• *{c.name}* — {escape(c.remedy or '')}" for c in outcome.missing)
    if requested_by:
        return (
            f"You can't approve {user(requested_by)}'s request to unlink {cco}: "
            f"Procore requires all three permissions of the approver. Missing:\n{lines}\n"
            "The request stays open for another approver."
        )
    return (
        f"You can't unlink {cco} yet: Procore requires Admin on Commitments, Standard or "
        f"Admin on ERP Integrations, and Can Push to Accounting. Missing:\n{lines}\n"
        "Click *Request unlink* to ask an approver instead."
    )


def _not_linked_text(outcome: NotLinked, cco: str, requested_by: str | None) -> str:
    if outcome.reconnect:
        return (
            "Procore no longer accepts your linked account (it was revoked or expired). "
            "Run `/cco connect` to link it again, then click again."
        )
    return (
        "This workspace requires you to link your own Procore account before you unlink or "
        "approve. Run `/cco connect`, sign in to Procore, then click again."
    )


def _unreachable_text(outcome: Unreachable, cco: str, requested_by: str | None) -> str:
    retry = _retry_hint(outcome.retry_after)
    if outcome.unreadable:
        return (
            f"{outcome.system} answered with something the app couldn't read — nothing was "
            f"changed. {retry} If it repeats, give the reference below to your admin."
        )
    return f"{outcome.system} could not be reached — nothing was changed. {retry}"


def _misconfigured_text(outcome: Misconfigured, cco: str, requested_by: str | None) -> str:
    return (
        f"The app's {outcome.system} connection needs attention: {escape(outcome.reason)}. "
        "Nothing was changed. Ask whoever installed cco-bot to check its settings."
    )


def _procore_refused_text(outcome: ProcoreRefused, cco: str, requested_by: str | None) -> str:
    return (
        f"Procore refused to clear the sync link of {cco}: {escape(outcome.reason)}. "
        "Nothing was changed."
    )


def _gone_text(outcome: CcoGone, cco: str, requested_by: str | None) -> str:
    return (
        f"{cco} is no longer in Procore (or the app can no longer see it). "
        "Run `/cco unlink` for a fresh list."
    )


def _interrupted_text(outcome: Interrupted, cco: str, requested_by: str | None) -> str:
    return (
        f"The unlink of {cco} was interrupted (the app restarted) before Procore was changed "
        "— nothing was changed. Click Unlink again."
    )


def _failed_text(outcome: Failed, cco: str, requested_by: str | None) -> str:
    return (
        f"Something went wrong on our side while unlinking {cco} — nothing was changed in "
        "Procore. Click Unlink again; if it repeats, give the reference below to your admin."
    )


#: the red reply's words for each refusal or failure: (outcome, CCO label, requester) -> text
_RED_TEXTS: dict[type[Any], Callable[[Any, str, str | None], str]] = {
    StillInErp: _still_in_erp_text,
    PermissionDenied: _denied_text,
    UnknownUser: lambda outcome, cco, requested_by: _unknown_user_text(outcome),
    NotLinked: _not_linked_text,
    Unreachable: _unreachable_text,
    Misconfigured: _misconfigured_text,
    ParentUnknownInErp: lambda outcome, cco, requested_by: parent_unknown_text(outcome, cco),
    ProcoreRefused: _procore_refused_text,
    UnlinkUnconfirmed: lambda outcome, cco, requested_by: _unconfirmed_text(outcome, cco),
    CcoGone: _gone_text,
    Interrupted: _interrupted_text,
    Failed: _failed_text,
}


def not_erp_integrated_text(project_name: str) -> str:
    """Said in the listing and on a click when the project is not ERP-integrated in Procore."""
    return (
        f"*{escape(project_name)}* is not ERP-integrated in Procore, so its CCOs are not synced "
        "with an ERP and there is nothing to unlink. A Procore admin turns ERP integration on "
        "for the project in Procore. Nothing was changed."
    )


def _unconfirmed_text(outcome: UnlinkUnconfirmed, cco: str) -> str:
    """Procore took the write but does not show its effect: never reported as a success."""
    if outcome.still_synced:
        return (
            f"Procore accepted the request but still shows {cco} as synced — nothing else was "
            "changed. Ask a Procore admin to check the CCO in Procore's ERP Integrations tool, "
            "then click Unlink again."
        )
    return (
        f"Procore accepted the request to clear the sync link of {cco}, but the app could not "
        "read the CCO back to confirm it — nothing else was changed. Check the CCO in Procore "
        "(or run `/cco unlink` for a fresh list) before clicking again."
    )


def parent_unknown_text(outcome: ParentUnknownInErp, cco: str) -> str:
    """The ERP has no record of the CCO and knows neither its commitment nor its project: the
    lookup itself is suspect, so the absence proves nothing (never reads "unlinked")."""
    parents = [
        f"{kind} {escape(label)}"
        for kind, label in (("commitment", outcome.commitment), ("project", outcome.project))
        if label
    ]
    unknown = " or ".join(parents) or "this CCO's commitment or project"
    name = outcome.erp.name
    return (
        f"{cco} is not in {name}, but {name} doesn't know {unknown} either — the app may be "
        "pointed at the wrong company; nothing was changed. Ask whoever installed cco-bot to "
        f"check {outcome.erp.settings_hint}."
    )


def _unknown_user_text(outcome: UnknownUser) -> str:
    if outcome.email is None:
        return (
            "Your Slack profile shows no email address, so the app can't find you in Procore. "
            "Ask a Slack admin to make your email visible, then click Unlink again."
        )
    # The thread is the channel's: the address itself goes to the clicker only (`email_notice`).
    if outcome.inactive:
        return (
            "Your Procore account (the email in your Slack profile) is inactive in the Company "
            "Directory. Ask a Procore company admin to reactivate it."
        )
    return (
        "No Procore user has the email address in your Slack profile (sent to you privately). "
        "Ask a Procore company admin to add you to the Company Directory with that email (or use "
        "the email Procore has in Slack)."
    )


def email_notice(outcome: UnknownUser) -> str | None:
    """The private note naming the address Procore did not match (never posted in the channel)."""
    if outcome.email is None:
        return None
    state = "is inactive in Procore" if outcome.inactive else "matches no Procore user"
    return f"The email in your Slack profile, {escape(outcome.email)}, {state} (only you see this)."


def _retry_hint(retry_after: float | None) -> str:
    if retry_after is None:
        return "Click Unlink again in a minute."
    minutes = max(1, round(retry_after / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"It asked the app to wait; click Unlink again in about {minutes} {unit}."


def _plain(text: str) -> str:
    return text.replace("*", "")
