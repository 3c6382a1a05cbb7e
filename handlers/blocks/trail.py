"""One reference's trail as plain sentences in time order: the request and its decision, each
click, what the ERP said and how the attempt ended (what `/cco history <ref>` shows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from erp.base import ErpInfo
from flows.history import FAILED_EVENT, REFUSED_EVENT, Trail
from flows.views import AttemptView, EventView, RequestView
from handlers.blocks.kit import Block, context, escape, section, user, when
from handlers.blocks.words import outcome_words
from storage.states import RequestStatus

#: what the ERP said about its record, by `RecordState` value
_RECORD_STATES = {
    "present": "is still there",
    "deleted": "is deleted",
    "reversed": "is reversed",
    "voided": "is voided",
    "canceled": "is canceled",
    "not_synced_by_this_erp": "is not something it syncs",
    "unreachable": "could not be read (the ERP did not answer)",
}

Line = tuple[datetime, str]


def trail_message(found: Trail, erp: ErpInfo) -> dict[str, Any]:
    lines = sorted(_lines(found, erp), key=lambda line: line[0])
    text = "\n".join(f"• {when(at)} — {sentence}" for at, sentence in lines)
    blocks: list[Block] = [
        section(f"Trail of `{found.reference}`{_subject(found)}"),
        section(text or "Nothing was recorded under this reference."),
        context("Times are shown in your time zone."),
    ]
    return {"text": f"Trail of {found.reference}", "blocks": blocks}


def _subject(found: Trail) -> str:
    """ ": CCO #002 — Drywall board upgrade", from the request or the card row clicked."""
    if found.request is not None:
        number, title = found.request.cco_number, found.request.cco_title
    elif found.attempts:
        number, title = found.attempts[0].cco_number, found.row.title if found.row else ""
    else:
        return ""
    return f": CCO #{escape(number)}" + (f" — {escape(title)}" if title else "")


def _lines(found: Trail, erp: ErpInfo) -> list[Line]:
    """Unsorted, but ties keep this order (the sort is stable): the request, the events, then
    the decision (an approval is recorded with the end of the unlink it started)."""
    opened, decided = _request_lines(found.request, found.events) if found.request else ([], [])
    by_reference = {a.reference: a for a in found.attempts}
    events = [(e.at, _event_sentence(e, by_reference.get(e.reference), erp)) for e in found.events]
    return opened + events + decided


def _request_lines(
    request: RequestView, events: Sequence[EventView]
) -> tuple[list[Line], list[Line]]:
    """The request's opening, and its decision (or that it still waits)."""
    reason = f", saying “{escape(request.reason)}”" if request.reason else ""
    opened: list[Line] = [
        (
            request.created_at,
            f"{user(request.requester)} asked an approver to unlink CCO "
            f"#{escape(request.cco_number)}{reason} (request `{request.reference}`).",
        )
    ]
    lines: list[Line] = []
    at = request.decided_at or request.expires_at
    # an approval closes the request in the transaction that records the unlink's end, whose
    # audit row is stamped at commit: the decision reads after it
    ended = [e.at for e in events if e.reference == request.attempt_reference]
    at = max([at, *ended])
    if request.status == RequestStatus.APPROVED and request.decided_by:
        unlink = f" (unlink `{request.attempt_reference}`)" if request.attempt_reference else ""
        lines.append((at, f"{user(request.decided_by)} approved the request{unlink}."))
    elif request.status == RequestStatus.DENIED and request.decided_by:
        why = f": “{escape(request.decision_reason)}”" if request.decision_reason else "."
        lines.append((at, f"{user(request.decided_by)} denied the request{why}"))
    elif request.status == RequestStatus.EXPIRED:
        lines.append((at, "The request expired without a decision."))
    else:
        lines.append((at, "The request waits for an approver until then."))
    return opened, lines


def _event_sentence(event: EventView, attempt: AttemptView | None, erp: ErpInfo) -> str:
    who = user(event.slack_user_id)
    detail = event.detail or {}
    number = f"CCO #{escape(event.cco_number)}"
    if event.event == "claimed":
        if attempt is not None and attempt.request_id is not None:
            asked = f" {user(attempt.requested_by)}'s" if attempt.requested_by else " the"
            return f"{who} clicked Approve & unlink on{asked} request for {number}."
        return f"{who} clicked Unlink on {number}."
    if event.event == "erp_checked":
        return _erp_sentence(event, detail, erp)
    if event.event in ("finished", "reconciled"):
        return _finished_sentence(event, detail, erp)
    if event.event == "lease_lost":
        return "The process working on it stopped; another one took over. Nothing was changed."
    if event.event == "written_after_lease_lost":
        return "Procore's sync link was cleared after that process had lost its turn."
    if event.event == "channel_linked":
        name = escape(str(detail.get("to_project_name") or detail.get("to_project_id") or ""))
        return f"{who} linked this channel to the Procore project {name}."
    if event.event == "channel_link_moved":
        name = escape(str(detail.get("to_project_name") or detail.get("to_project_id") or ""))
        return f"{who} moved this channel's link to the Procore project {name}."
    if event.event == FAILED_EVENT:
        what = escape(str(detail.get("what") or "a command"))
        if what.startswith("/"):  # a slash command, shown as typed
            what = "`" + what.replace("`", "'") + "`"
        why = escape(str(detail.get("why") or "something went wrong on our side"))
        return f"{who} used {what}; it failed because {why}. Nothing was changed."
    if event.event == REFUSED_EVENT:  # `said` is the app's own answer, already mrkdwn
        what = "`" + str(detail.get("what") or "/cco").replace("`", "'") + "`"
        return f"{who} used {what}; the app refused: {detail.get('said') or 'no reason kept'}"
    return f"{who}: {escape(event.event.replace('_', ' '))}."


def _erp_sentence(event: EventView, detail: dict[str, Any], erp: ErpInfo) -> str:
    record = escape(str(detail.get("erp_reference") or ""))
    said = _RECORD_STATES.get(event.outcome or "", "answered")
    status = detail.get("erp_status")
    shown = f" (its status there: {escape(str(status))})" if status else ""
    return f"{erp.name} said its {erp.record_noun} {record} {said}{shown}.".replace("  ", " ")


def _finished_sentence(event: EventView, detail: dict[str, Any], erp: ErpInfo) -> str:
    words = outcome_words(event.outcome, erp.name)
    extra = ""
    missing = detail.get("missing")
    if isinstance(missing, list) and missing:
        extra = f" ({escape(', '.join(str(m) for m in missing))})"
    elif detail.get("system"):
        extra = f" ({escape(str(detail['system']))})"
    if event.outcome == "unlinked":
        return f"Procore's sync link was cleared: CCO #{escape(event.cco_number)} is unlinked."
    if event.outcome == "still_in_erp" and detail.get("erp_reference"):
        record = f"{erp.record_noun} {escape(str(detail['erp_reference']))}"
        status = detail.get("erp_status")
        shown = f" (its status there: {escape(str(status))})" if status else ""
        return f"It ended: {erp.name} still has its {record}{shown}, so nothing was changed."
    prefix = "Corrected" if event.event == "reconciled" else "It ended"
    return f"{prefix}: {words}{extra}."
