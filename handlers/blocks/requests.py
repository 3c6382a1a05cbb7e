"""Requests and approvals: the request message in the card's thread, the two modals, the denial.

Every builder takes the reader's `Words` first: the request message and the denial are seen by
the whole channel (`words_for_channel`), a modal by the person who opened it (`words_for`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flows.views import RequestView
from handlers.blocks.kit import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    escape,
    plain,
    section,
    user,
)
from i18n import N_, Words
from i18n import messages as m
from storage.states import RequestStatus

REQUEST_ACTION = "cco_request"
APPROVE_ACTION = "cco_approve"
DENY_ACTION = "cco_deny"
REQUEST_VIEW = "cco_request_modal"
DENY_VIEW = "cco_deny_modal"
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"

APPROVER_RIGHTS = N_(
    "Approvers need Admin on Commitments, Standard or Admin on ERP Integrations, and Can Push "
    "to Accounting."
)


def cco_name(t: Words, number: str, title: str = "") -> str:
    """A CCO as people name it ("CCO #004 “Drywall”"), values escaped; "this CCO" unnamed."""
    if not number:
        return t.gettext("this CCO")
    if title:
        return t.gettext(m.CCO_LABEL_TITLED, number=escape(number), title=escape(title))
    return t.gettext(m.CCO_LABEL, number=escape(number))


def cco_words(t: Words, request: RequestView) -> str:
    return cco_name(t, request.cco_number, request.cco_title)


def request_message(t: Words, request: RequestView) -> dict[str, Any]:
    """The request in the card's thread (the whole channel reads it)."""
    asks = t.gettext(
        "{requester} asks an approver to unlink *{cco}* in {project}.",
        requester=user(request.requester),
        cco=cco_words(t, request),
        project=escape(request.project_name),
    )
    reason = f"\n>{escape(request.reason)}" if request.reason else ""
    lines: list[Block] = [section(f"🙋 {asks}{reason}")]
    if request.status == RequestStatus.PENDING:
        expires = t.gettext("Expires {when}.", when=t.when(request.expires_at))
        lines.append(context(f"{t.gettext(APPROVER_RIGHTS)} {expires} · `{request.reference}`"))
        lines.append(decision_buttons(t, request))
    else:
        lines.append(context(f"{closed_words(t, request)} · `{request.reference}`"))
    fallback = t.gettext("Request to unlink {cco}", cco=cco_name(t, request.cco_number))
    return {"text": fallback, "blocks": lines}


#: a request's status in words, where the status is shown on its own (App Home)
_STATUS_WORDS = {
    RequestStatus.PENDING: N_("pending"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.DENIED: N_("denied"),
    RequestStatus.EXPIRED: N_("expired"),
    RequestStatus.MOOT: N_("closed: already unlinked"),
    RequestStatus.UNPOSTED: N_("withdrawn: Slack did not take it"),
}


def status_words(t: Words, status: RequestStatus) -> str:
    found = _STATUS_WORDS.get(status)
    return t.gettext(found) if found else escape(str(status))


def decision_buttons(t: Words, request: RequestView) -> Block:
    value = str(request.id)
    approve = t.gettext(m.BUTTON_APPROVE)
    return actions(
        button(
            approve,
            APPROVE_ACTION,
            value,
            style="primary",
            confirm=confirm_dialog(
                t.gettext("Approve and unlink {cco}?", cco=cco_name(t, request.cco_number)),
                t.gettext(
                    "Your own Procore permissions are checked, then the ERP; Procore changes "
                    "only if both pass."
                ),
                approve,
                t.gettext(m.BUTTON_CANCEL),
            ),
        ),
        button(t.gettext(m.BUTTON_DENY), DENY_ACTION, value, style="danger"),
        block_id=f"request:{request.id}",
    )


def _decided_at(request: RequestView) -> datetime:
    return request.decided_at or request.expires_at


def closed_words(t: Words, request: RequestView) -> str:
    """How a closed request ended, with one emoji."""
    at = t.when(_decided_at(request))
    by = user(request.decided_by or "")
    if request.status == RequestStatus.APPROVED:
        return "✅ " + t.gettext("Approved by {user} {when}: unlinked.", user=by, when=at)
    if request.status == RequestStatus.DENIED:
        if request.decision_reason:
            reason = escape(request.decision_reason)
            text = t.gettext("Denied by {user} {when}: {reason}", user=by, when=at, reason=reason)
        else:
            text = t.gettext("Denied by {user} {when}.", user=by, when=at)
        return f"🚫 {text}"
    if request.status == RequestStatus.MOOT:
        return "✔️ " + t.gettext(
            "Closed {when}: the CCO was already unlinked, so there is nothing left to approve.",
            when=at,
        )
    if request.status == RequestStatus.UNPOSTED:
        return t.gettext("Withdrawn: Slack did not take this request.")
    return "⌛ " + t.gettext(
        "Expired {when}: nobody decided in time. Ask again if it is still needed.", when=at
    )


def denied_reply(t: Words, request: RequestView) -> dict[str, Any]:
    """The denial in the card's thread (the whole channel reads it; it names both people)."""
    values = {
        "approver": user(request.decided_by or ""),
        "requester": user(request.requester),
        "cco": cco_words(t, request),
    }
    if request.decision_reason:
        said = t.gettext(
            "{approver} denied {requester}'s request to unlink {cco}: {reason}",
            reason=escape(request.decision_reason),
            **values,
        )
    else:
        said = t.gettext("{approver} denied {requester}'s request to unlink {cco}.", **values)
    text = f"🚫 {said}"
    return {"text": text, "blocks": [section(text), context(f"`{request.reference}`")]}


def request_button(t: Words, cco_id: int) -> Block:
    return button(t.gettext(m.BUTTON_REQUEST), REQUEST_ACTION, str(cco_id))


def _reason_input(label: str, *, optional: bool) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": REASON_INPUT,
        "multiline": True,
        "max_length": 1000,
    }
    if not optional:
        element["min_length"] = 3
    block: dict[str, Any] = {"type": "input", "block_id": REASON_BLOCK, "label": plain(label, 2000)}
    if optional:
        block["optional"] = True
    return block | {"element": element}


def request_modal(t: Words, metadata: dict[str, Any], cco_label: str) -> dict[str, Any]:
    """The Request unlink form, in the requester's language; `cco_label` is escaped already
    (`cco_name`)."""
    ask = t.gettext(
        "Ask an approver to unlink *{cco}*. The request is posted in the card's thread for them.",
        cco=cco_label,
    )
    return {
        "type": "modal",
        "callback_id": REQUEST_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": plain(t.gettext(m.BUTTON_REQUEST), 24),
        "submit": plain(t.gettext("Send request"), 24),
        "close": plain(t.gettext(m.BUTTON_CANCEL), 24),
        "blocks": [
            section(f"{ask} {t.gettext(APPROVER_RIGHTS)}"),
            _reason_input(t.gettext("Why?"), optional=True),
        ],
    }


def deny_modal(t: Words, request: RequestView) -> dict[str, Any]:
    """The Deny form, in the approver's language."""
    ask = t.gettext(
        "Deny {requester}'s request to unlink *{cco}*? They will see your reason in the thread.",
        requester=user(request.requester),
        cco=cco_words(t, request),
    )
    return {
        "type": "modal",
        "callback_id": DENY_VIEW,
        "private_metadata": json.dumps(
            {"request_id": request.id, "channel_id": request.channel_id, "locale": t.locale}
        ),
        "title": plain(t.gettext("Deny request"), 24),
        "submit": plain(t.gettext(m.BUTTON_DENY), 24),
        "close": plain(t.gettext(m.BUTTON_CANCEL), 24),
        "blocks": [section(ask), _reason_input(t.gettext("Reason"), optional=False)],
    }
