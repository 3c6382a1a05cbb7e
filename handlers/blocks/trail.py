"""One reference's trail as plain sentences in time order: the request and its decision, each
click, what the ERP said and how the attempt ended (what `/cco history <ref>` shows), in the
asker's words (`t`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from erp.base import ErpInfo
from flows.alerting import ALERTS_EVENT
from flows.history import FAILED_EVENT, REFUSED_EVENT, Trail
from flows.language import LANGUAGE_EVENT
from flows.views import AttemptView, EventView, RequestView
from handlers.blocks.kit import Block, context, escape, section, user
from handlers.blocks.words import outcome_words, tool_words
from i18n import N_, Words, words_for
from i18n import messages as m
from storage.states import RequestStatus

#: what the ERP said about its record, by `RecordState` value; `{record}` is e.g.
#: "change order CO-7"
_RECORD_STATES = {
    "present": N_("{erp} said its {record} is still there."),
    "deleted": N_("{erp} said its {record} is deleted."),
    "reversed": N_("{erp} said its {record} is reversed."),
    "voided": N_("{erp} said its {record} is voided."),
    "canceled": N_("{erp} said its {record} is canceled."),
    "not_synced_by_this_erp": N_("{erp} said its {record} is not something it syncs."),
    "unreachable": N_("{erp} could not read its {record} (the ERP did not answer)."),
}
_RECORD_ANSWERED = N_("{erp} answered about its {record}.")
#: each ERP's word for its record (`erp.*.INFO.record_noun`), translated where it is shown
RECORD_NOUNS = (
    N_("change order"),
    N_("contract change order"),
    N_("subcontract change order"),
    N_("purchase order lines"),
    N_("Supplier Contract Amendment"),
    N_("record"),
)
_STATUS_THERE = N_("Its status there: {status}.")
#: what a channel's `/cco alerts` setting tells it, by `AlertMode` value
_ALERTS_TOLD = {
    "on": N_("every CCO synced to {erp}, unlinked in Procore or deleted"),
    "synced": N_("CCOs synced to {erp}"),
    "unlinked": N_("CCOs unlinked in Procore or deleted"),
}
_A_COMMAND = N_("a command")
_OUR_SIDE = N_("something went wrong on our side")
_NO_REASON = N_("no reason kept")


def stored_words(t: Words, text: str) -> str:
    """A phrase stored in English (an audit row's `what`/`why`, an ERP's record noun) in the
    reader's words when the catalog has it, else as stored (never filled: it may hold braces
    someone typed)."""
    return str(t.catalog.gettext(text))


Line = tuple[datetime, str]


def trail_message(t: Words, found: Trail, erp: ErpInfo) -> dict[str, Any]:
    lines = sorted(_lines(t, found, erp), key=lambda line: line[0])
    text = "\n".join(f"• {t.when(at)} — {sentence}" for at, sentence in lines)
    title = t.gettext("Trail of `{reference}`", reference=found.reference)
    blocks: list[Block] = [
        section(title + _subject(t, found)),
        section(text or t.gettext("Nothing was recorded under this reference.")),
        context(t.gettext("Times are shown in your time zone.")),
    ]
    return {"text": t.gettext("Trail of {reference}", reference=found.reference), "blocks": blocks}


def _subject(t: Words, found: Trail) -> str:
    """ ": CCO #002 — Drywall board upgrade", from the request or the card row clicked."""
    if found.request is not None:
        number, title = found.request.cco_number, found.request.cco_title
    elif found.attempts:
        number, title = found.attempts[0].cco_number, found.row.title if found.row else ""
    else:
        return ""
    cco = t.gettext(m.CCO_LABEL, number=escape(number))
    return f": {cco}" + (f" — {escape(title)}" if title else "")


def _lines(t: Words, found: Trail, erp: ErpInfo) -> list[Line]:
    """Unsorted, but ties keep this order (the sort is stable): the request, the events, then
    the decision (an approval is recorded with the end of the unlink it started)."""
    opened, decided = _request_lines(t, found.request, found.events) if found.request else ([], [])
    by_reference = {a.reference: a for a in found.attempts}
    events = [
        (e.at, _event_sentence(t, e, by_reference.get(e.reference), erp)) for e in found.events
    ]
    return opened + events + decided


def _opened(t: Words, request: RequestView) -> str:
    values = {
        "user": user(request.requester),
        "cco": t.gettext(m.CCO_LABEL, number=escape(request.cco_number)),
        "request": request.reference,
    }
    if request.reason:
        return t.gettext(
            "{user} asked an approver to unlink {cco}, saying {reason} (request `{request}`).",
            reason=t.quote(escape(request.reason)),
            **values,
        )
    return t.gettext("{user} asked an approver to unlink {cco} (request `{request}`).", **values)


def _decision(t: Words, request: RequestView) -> str:
    if request.status == RequestStatus.APPROVED and request.decided_by:
        if request.attempt_reference:
            return t.gettext(
                "{user} approved the request (unlink `{reference}`).",
                user=user(request.decided_by),
                reference=request.attempt_reference,
            )
        return t.gettext("{user} approved the request.", user=user(request.decided_by))
    if request.status == RequestStatus.DENIED and request.decided_by:
        if request.decision_reason:
            return t.gettext(
                "{user} denied the request: {reason}",
                user=user(request.decided_by),
                reason=t.quote(escape(request.decision_reason)),
            )
        return t.gettext("{user} denied the request.", user=user(request.decided_by))
    if request.status == RequestStatus.EXPIRED:
        return t.gettext("The request expired without a decision.")
    return t.gettext("The request waits for an approver until then.")


def _request_lines(
    t: Words, request: RequestView, events: Sequence[EventView]
) -> tuple[list[Line], list[Line]]:
    """The request's opening, and its decision (or that it still waits)."""
    at = request.decided_at or request.expires_at
    # an approval closes the request in the transaction that records the unlink's end, whose
    # audit row is stamped at commit: the decision reads after it
    ended = [e.at for e in events if e.reference == request.attempt_reference]
    at = max([at, *ended])
    return [(request.created_at, _opened(t, request))], [(at, _decision(t, request))]


def _claimed(t: Words, event: EventView, attempt: AttemptView | None, cco: str) -> str:
    who = user(event.slack_user_id)
    if attempt is not None and attempt.request_id is not None:
        if attempt.requested_by:
            return t.gettext(
                "{user} clicked *Approve & unlink* on {requester}'s request for {cco}.",
                user=who,
                requester=user(attempt.requested_by),
                cco=cco,
            )
        return t.gettext(
            "{user} clicked *Approve & unlink* on the request for {cco}.", user=who, cco=cco
        )
    return t.gettext("{user} clicked *Unlink* on {cco}.", user=who, cco=cco)


def _linked(t: Words, event: EventView, detail: dict[str, Any]) -> str:
    name = escape(str(detail.get("to_project_name") or detail.get("to_project_id") or ""))
    who = user(event.slack_user_id)
    if event.event == "channel_linked":
        return t.gettext(
            "{user} linked this channel to the Procore project {project}.", user=who, project=name
        )
    return t.gettext(
        "{user} moved this channel's link to the Procore project {project}.",
        user=who,
        project=name,
    )


def _language_sentence(t: Words, event: EventView, detail: dict[str, Any]) -> str:
    who = user(event.slack_user_id)
    chosen = detail.get("to")
    if not isinstance(chosen, str) or not chosen:
        return t.gettext("{user} cleared this channel's language.", user=who)
    name = words_for(chosen).language_name
    return t.gettext("{user} set this channel's language to {language}.", user=who, language=name)


def _alerts_sentence(t: Words, event: EventView, detail: dict[str, Any], erp: str) -> str:
    """`/cco alerts …`: what the channel was told from then on (the audit's `to`)."""
    who = user(event.slack_user_id)
    stored = detail.get("to")
    to: dict[str, Any] = stored if isinstance(stored, dict) else {}
    told = _ALERTS_TOLD.get(str(to.get("mode")))
    if told is None:
        return t.gettext("{user} turned this channel's alerts off.", user=who)
    what = t.gettext(told, erp=erp)
    if not to.get("digest_at"):
        return t.gettext(
            "{user} set this channel's alerts to {told}, each told as it happens.",
            user=who,
            told=what,
        )
    return t.gettext(
        "{user} set this channel's alerts to {told}, in one message a day at {time} ({zone}).",
        user=who,
        told=what,
        time=escape(str(to.get("digest_at"))),
        zone=escape(str(to.get("digest_tz") or "UTC")),
    )


def _command_sentence(t: Words, event: EventView, detail: dict[str, Any]) -> str:
    """A command or click that failed, or that the app refused (`said`: its own answer, already
    mrkdwn, in the words of whoever it answered)."""
    who = user(event.slack_user_id)
    if event.event == REFUSED_EVENT:
        what = "`" + str(detail.get("what") or "/cco").replace("`", "'") + "`"
        said = str(detail.get("said") or t.gettext(_NO_REASON))
        return t.gettext(
            "{user} used {what}; the app refused: {said}", user=who, what=what, said=said
        )
    what = escape(stored_words(t, str(detail.get("what") or _A_COMMAND)))
    if what.startswith("/"):  # a slash command, shown as typed
        what = "`" + what.replace("`", "'") + "`"
    why = escape(stored_words(t, str(detail.get("why") or _OUR_SIDE)))
    return t.gettext(
        "{user} used {what}; it failed because {why}. Nothing was changed.",
        user=who,
        what=what,
        why=why,
    )


def _event_sentence(t: Words, event: EventView, attempt: AttemptView | None, erp: ErpInfo) -> str:
    detail = event.detail or {}
    if event.event == "claimed":
        cco = t.gettext(m.CCO_LABEL, number=escape(event.cco_number))
        return _claimed(t, event, attempt, cco)
    if event.event == "erp_checked":
        return _erp_sentence(t, event, detail, erp)
    if event.event in ("finished", "reconciled"):
        return _finished_sentence(t, event, detail, erp)
    if event.event == "lease_lost":
        return t.gettext(
            "The process working on it stopped; another one took over. Nothing was changed."
        )
    if event.event == "written_after_lease_lost":
        return t.gettext("Procore's sync link was cleared after that process had lost its turn.")
    if event.event in ("channel_linked", "channel_link_moved"):
        return _linked(t, event, detail)
    if event.event == LANGUAGE_EVENT:
        return _language_sentence(t, event, detail)
    if event.event in (FAILED_EVENT, REFUSED_EVENT):
        return _command_sentence(t, event, detail)
    if event.event == ALERTS_EVENT:
        return _alerts_sentence(t, event, detail, erp.name)
    return t.gettext(
        "{user}: {event}.",
        user=user(event.slack_user_id),
        event=escape(event.event.replace("_", " ")),
    )


def _record(t: Words, erp: ErpInfo, detail: dict[str, Any]) -> str:
    """The ERP's record as it names it: "change order CO-7"."""
    noun = stored_words(t, erp.record_noun)
    return f"{noun} {escape(str(detail.get('erp_reference') or ''))}".strip()


def _status_there(t: Words, detail: dict[str, Any]) -> str:
    status = detail.get("erp_status")
    return " " + t.gettext(_STATUS_THERE, status=escape(str(status))) if status else ""


def _erp_sentence(t: Words, event: EventView, detail: dict[str, Any], erp: ErpInfo) -> str:
    said = _RECORD_STATES.get(event.outcome or "", _RECORD_ANSWERED)
    return t.gettext(said, erp=erp.name, record=_record(t, erp, detail)) + _status_there(t, detail)


def _finished_sentence(t: Words, event: EventView, detail: dict[str, Any], erp: ErpInfo) -> str:
    if event.outcome == "unlinked":
        return t.gettext(
            "Procore's sync link was cleared: {cco} is unlinked.",
            cco=t.gettext(m.CCO_LABEL, number=escape(event.cco_number)),
        )
    if event.outcome == "still_in_erp" and detail.get("erp_reference"):
        ended = t.gettext(
            "It ended: {erp} still has its {record}, so nothing was changed.",
            erp=erp.name,
            record=_record(t, erp, detail),
        )
        return ended + _status_there(t, detail)
    words = outcome_words(t, event.outcome, erp.name)
    missing = detail.get("missing")
    if isinstance(missing, list) and missing:
        names = ", ".join(tool_words(t, str(name)) for name in missing)
        words += f" ({names})"
    elif detail.get("system"):
        words += f" ({escape(str(detail['system']))})"
    if event.event == "reconciled":
        return t.gettext("Corrected: {outcome}.", outcome=words)
    return t.gettext("It ended: {outcome}.", outcome=words)
