"""The final thread reply for each unlink outcome: green for success, red with the fix otherwise,
in the language decided at the click (`t`, from the attempt's stored locale).

Every reply names the reference id, which is also in the audit log and the server log. A reply
to an approval names the requester, and tells the approver to click *Approve & unlink* (the
request stays open), never *Unlink*.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erp import http_bridge
from erp.base import ErpInfo
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
from handlers.blocks.kit import Block, actions, colored, context, escape, section, user
from handlers.blocks.requests import request_button
from handlers.blocks.words import missing_line
from i18n import Words
from i18n import messages as m

#: outcomes that found nothing to unlink (said in blue, not red): the CCO is already unsynced,
#: no longer in Procore, or not something the app unlinks
Neutral = NotSynced | NotApplicable | NotErpIntegrated | NotCommitmentCco | CcoGone

#: systems whose display name is not a proper noun: said in the reader's words
_PLAIN_NAMES = {http_bridge.INFO.name: m.YOUR_ERP}


def system_name(t: Words, name: str) -> str:
    """An ERP's or a system's name as the reader reads it ("Acumatica", « votre ERP »)."""
    plain = _PLAIN_NAMES.get(name)
    return t.gettext(plain) if plain is not None else escape(name)


def cco_label(t: Words, number: str, title: str | None = None) -> str:
    if title:
        return t.gettext(m.CCO_LABEL_TITLED, number=escape(number), title=escape(title))
    return t.gettext(m.CCO_LABEL, number=escape(number))


def reference(t: Words, attempt: AttemptView) -> str:
    return t.gettext(m.REFERENCE, reference=attempt.reference)


def outcome_message(
    t: Words, outcome: Outcome, attempt: AttemptView, erp: ErpInfo
) -> dict[str, Any]:
    """`erp` is the app's ERP: a red headline names it, as the green one does."""
    if isinstance(outcome, Unlinked):
        return _green(t, outcome, attempt)
    label = cco_label(t, attempt.cco_number)
    if isinstance(outcome, Neutral):
        text = _neutral_text(t, outcome, attempt)
        gone = isinstance(outcome, CcoGone)  # says what the card row says: no longer in Procore
        headline = t.gettext(m.GONE_HEADLINE if gone else m.NOTHING_TO_UNLINK_HEADLINE, cco=label)
        by = t.gettext(m.CLICKED_BY, user=user(attempt.slack_user_id))
        blocks = [section(text), context(f"{by} · {reference(t, attempt)}")]
        return colored("warning", f"ℹ️ {headline}", _fallback("ℹ️", headline, text), blocks)
    text = _red_text(t, outcome, attempt)
    lines = [section(text), *_red_details(t, outcome, attempt)]
    if isinstance(outcome, PermissionDenied) and attempt.request_id is None:
        lines.append(actions(request_button(t, attempt.cco_id), block_id="ask"))
    headline = _red_title(t, outcome, attempt, system_name(t, erp.name))
    return colored("danger", f"❌ {headline}", _fallback("❌", headline, text), lines)


def _red_details(t: Words, outcome: Outcome, attempt: AttemptView) -> list[Block]:
    """Who clicked (on an approval, whose request it was: they are told the outcome too), the
    reference, and a vendor's own words when there are some (as a code span: not translated)."""
    clicker = user(attempt.slack_user_id)
    if attempt.requested_by and not isinstance(outcome, PermissionDenied):
        by = t.gettext(
            m.APPROVED_STILL_OPEN, requester=user(attempt.requested_by), approver=clicker
        )
    else:  # a refused approver's text names the requester already
        by = t.gettext(m.CLICKED_BY, user=clicker)
    blocks = [context(f"{by} · {reference(t, attempt)}")]
    said = outcome.reason if isinstance(outcome, Misconfigured | ProcoreRefused) else None
    if said:
        blocks.append(context(f"`{escape(said).replace('`', chr(39))}`"))
    return blocks


def _red_title(t: Words, outcome: Outcome, attempt: AttemptView, erp: str) -> str:
    """A write Procore took but does not show applied never reads "unlinked", not even "not"."""
    cco = cco_label(t, attempt.cco_number)
    if isinstance(outcome, PermissionDenied) and not attempt.requested_by:
        return t.gettext(m.NOT_ALLOWED_HEADLINE, cco=cco)
    if isinstance(outcome, StillInErp):
        return t.gettext(m.STILL_IN_ERP_HEADLINE, erp=system_name(t, outcome.erp.name), cco=cco)
    if isinstance(outcome, UnlinkUnconfirmed):
        title = m.STILL_SYNCED_HEADLINE if outcome.still_synced else m.NOT_CONFIRMED_HEADLINE
        return t.gettext(title, cco=cco)
    if isinstance(outcome, ParentUnknownInErp):
        return t.gettext(m.NOTHING_CHANGED_HEADLINE, cco=cco)
    return t.gettext(m.NOT_UNLINKED_HEADLINE, erp=erp, cco=cco)


def _green(t: Words, outcome: Unlinked, attempt: AttemptView) -> dict[str, Any]:
    cco, record = outcome.cco, outcome.record
    erp = system_name(t, outcome.erp.name)
    text = t.gettext(m.UNLINKED_TEXT, cco=cco_label(t, cco.number, cco.title), erp=erp)
    if attempt.requested_by:
        text += " " + t.gettext(
            m.UNLINKED_FOR_REQUESTER,
            requester=user(attempt.requested_by),
            approver=user(attempt.slack_user_id),
        )
    found = t.gettext(
        m.UNLINKED_EVIDENCE,
        erp=erp,
        reference=escape(record.reference),
        state=t.gettext(m.RECORD_STATES.get(record.state, record.state.value)),
    )
    found = found[:1].upper() + found[1:]  # "Your ERP record …" opens the line
    by = t.gettext(m.UNLINKED_BY, user=user(attempt.slack_user_id))
    blocks: list[Block] = [section(text), context(f"{found} · {by} · {reference(t, attempt)}")]
    note = outcome.erp.note_for(record.state)
    if note:
        blocks.append(context(t.gettext(note)))
    headline = t.gettext(m.UNLINKED_HEADLINE, cco=cco_label(t, cco.number), erp=erp)
    return colored("good", f"✅ {headline}", _fallback("✅", headline, text), blocks)


def _neutral_text(
    t: Words,
    outcome: Neutral,
    attempt: AttemptView,
) -> str:
    if isinstance(outcome, CcoGone):
        return t.gettext(m.CCO_GONE, cco=cco_label(t, attempt.cco_number))
    if isinstance(outcome, NotApplicable):
        return t.gettext(m.NOT_SYNCED_BY_ERP, erp=system_name(t, outcome.erp.name))
    if isinstance(outcome, NotErpIntegrated):
        return not_erp_integrated_text(t, outcome.project_name)
    if isinstance(outcome, NotCommitmentCco):
        return t.gettext(m.NOT_COMMITMENT_CCO, cco=cco_label(t, outcome.cco_number))
    label = cco_label(t, outcome.cco.number, outcome.cco.title)
    parts = [t.gettext(m.ALREADY_UNLINKED, cco=label, erp=system_name(t, outcome.erp.name))]
    at = outcome.unlinked_at
    if outcome.unlinked_by and at:
        parts.append(
            t.gettext(m.ALREADY_UNLINKED_BY, user=user(outcome.unlinked_by), when=t.when(at))
        )
    elif at:
        parts.append(t.gettext(m.ALREADY_UNLINKED_AT, when=t.when(at)))
    parts.append(t.gettext(m.ALREADY_UNLINKED_EDIT))
    return " ".join(parts)


def retry_button(t: Words, attempt: AttemptView) -> str:
    """The button to click again: *Unlink*, or on an approval *Approve & unlink* (the request
    stays open; an approver is never told to click *Unlink*)."""
    label = m.BUTTON_APPROVE if attempt.requested_by else m.BUTTON_UNLINK
    return f"*{t.gettext(label)}*"


def _red_text(t: Words, outcome: Outcome, attempt: AttemptView) -> str:
    """The red reply's words, by the kind of refusal or failure (`_RED_TEXTS`)."""
    write = _RED_TEXTS[type(outcome)]
    return write(t, outcome, attempt)


def _still_in_erp_text(t: Words, outcome: StillInErp, attempt: AttemptView) -> str:
    record = outcome.record
    fix = t.gettext(outcome.erp.fix_template, reference=escape(record.reference))
    shown = record.status_text
    status = t.gettext(m.STILL_IN_ERP_STATUS, status=escape(shown)) if shown else ""
    return t.gettext(
        m.STILL_IN_ERP_TEXT,
        fix=fix,
        button=retry_button(t, attempt),
        cco=cco_label(t, attempt.cco_number),
        erp=system_name(t, outcome.erp.name),
        status=status,
    )


def _denied_text(t: Words, outcome: PermissionDenied, attempt: AttemptView) -> str:
    project = escape(outcome.project_name)
    lines = "\n".join(f"• {missing_line(t, check, project)}" for check in outcome.missing)
    cco = cco_label(t, attempt.cco_number)
    if attempt.requested_by:
        asked = t.gettext(
            m.APPROVER_NOT_ALLOWED_TEXT, requester=user(attempt.requested_by), cco=cco
        )
        return f"{asked}\n{lines}\n{t.gettext(m.APPROVER_REQUEST_OPEN)}"
    return f"{t.gettext(m.NOT_ALLOWED_TEXT)}\n{lines}\n{t.gettext(m.NOT_ALLOWED_ASK)}"


def _not_linked_text(t: Words, outcome: NotLinked, attempt: AttemptView) -> str:
    return t.gettext(m.NOT_LINKED_REVOKED if outcome.reconnect else m.NOT_LINKED_REQUIRED)


def _unreachable_text(t: Words, outcome: Unreachable, attempt: AttemptView) -> str:
    system = system_name(t, outcome.system)
    retry = retry_hint(t, outcome.retry_after, attempt, system)
    if outcome.unreadable:
        said = t.gettext(m.UNREADABLE_TEXT, system=system)
        return f"{said} {retry} {t.gettext(m.IF_IT_REPEATS)}"
    return f"{t.gettext(m.UNREACHABLE_TEXT, system=system)} {retry}"


def _misconfigured_text(t: Words, outcome: Misconfigured, attempt: AttemptView) -> str:
    return t.gettext(m.MISCONFIGURED, system=system_name(t, outcome.system))


def _procore_refused_text(t: Words, outcome: ProcoreRefused, attempt: AttemptView) -> str:
    return t.gettext(m.PROCORE_REFUSED, cco=cco_label(t, attempt.cco_number))


def _interrupted_text(t: Words, outcome: Interrupted, attempt: AttemptView) -> str:
    return t.gettext(m.INTERRUPTED, button=retry_button(t, attempt))


def _failed_text(t: Words, outcome: Failed, attempt: AttemptView) -> str:
    cco = cco_label(t, attempt.cco_number)
    return t.gettext(m.FAILED, button=retry_button(t, attempt), cco=cco)


def _unconfirmed_text(t: Words, outcome: UnlinkUnconfirmed, attempt: AttemptView) -> str:
    """Procore took the write but does not show its effect: never reported as a success."""
    cco = cco_label(t, attempt.cco_number)
    if outcome.still_synced:
        return t.gettext(m.STILL_SYNCED, cco=cco, button=retry_button(t, attempt))
    return t.gettext(m.UNCONFIRMED, cco=cco)


#: the red reply's words for each refusal or failure: (words, outcome, attempt) -> text
_RED_TEXTS: dict[type[Any], Callable[[Words, Any, AttemptView], str]] = {
    StillInErp: _still_in_erp_text,
    PermissionDenied: _denied_text,
    UnknownUser: lambda t, outcome, attempt: _unknown_user_text(t, outcome, attempt),
    NotLinked: _not_linked_text,
    Unreachable: _unreachable_text,
    Misconfigured: _misconfigured_text,
    ParentUnknownInErp: lambda t, outcome, attempt: parent_unknown_text(
        t, outcome, cco_label(t, attempt.cco_number)
    ),
    ProcoreRefused: _procore_refused_text,
    UnlinkUnconfirmed: _unconfirmed_text,
    Interrupted: _interrupted_text,
    Failed: _failed_text,
}


def not_erp_integrated_text(t: Words, project_name: str) -> str:
    """Said in the listing and on a click when the project is not ERP-integrated in Procore."""
    return t.gettext(m.NOT_ERP_INTEGRATED, project=escape(project_name))


def parent_unknown_text(t: Words, outcome: ParentUnknownInErp, cco: str) -> str:
    """The ERP has no record of the CCO and knows neither its commitment nor its project: the
    lookup itself is suspect, so the absence proves nothing (never reads "unlinked")."""
    erp = system_name(t, outcome.erp.name)
    fix = t.gettext(m.PARENT_UNKNOWN, settings=escape(outcome.erp.settings_hint), cco=cco, erp=erp)
    commitment, project = outcome.commitment, outcome.project
    if commitment and project:
        detail = t.gettext(
            m.PARENT_UNKNOWN_BOTH, erp=erp, commitment=escape(commitment), project=escape(project)
        )
    elif commitment:
        detail = t.gettext(m.PARENT_UNKNOWN_COMMITMENT, erp=erp, commitment=escape(commitment))
    elif project:
        detail = t.gettext(m.PARENT_UNKNOWN_PROJECT, erp=erp, project=escape(project))
    else:
        return fix
    return f"{fix} {detail}"


def _unknown_user_text(t: Words, outcome: UnknownUser, attempt: AttemptView) -> str:
    if outcome.email is None:
        return t.gettext(m.NO_EMAIL, button=retry_button(t, attempt))
    # The thread is the channel's: the address itself goes to the clicker only (`email_notice`).
    return t.gettext(m.INACTIVE_USER if outcome.inactive else m.UNKNOWN_USER)


def retry_hint(t: Words, retry_after: float | None, attempt: AttemptView, system: str) -> str:
    button = retry_button(t, attempt)
    if retry_after is None:
        return t.gettext(m.RETRY_SOON, button=button)
    minutes = max(1, round(retry_after / 60))
    return t.ngettext(*m.RETRY_IN, minutes, system=system, button=button)


def _fallback(emoji: str, headline: str, text: str) -> str:
    """The notification text (and what screen readers say): the headline, then the details."""
    return f"{emoji} {_plain(headline)}\n{_plain(text)}"


def _plain(text: str) -> str:
    return text.replace("*", "")
