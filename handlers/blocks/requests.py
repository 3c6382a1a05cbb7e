"""Requests and approvals: the request message in the card's thread, the two modals, the denial."""

from __future__ import annotations

import json
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
    when,
)
from storage.states import RequestStatus

REQUEST_ACTION = "cco_request"
APPROVE_ACTION = "cco_approve"
DENY_ACTION = "cco_deny"
REQUEST_VIEW = "cco_request_modal"
DENY_VIEW = "cco_deny_modal"
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"

APPROVER_RIGHTS = (
    "Approvers need Admin on Commitments, Standard or Admin on ERP Integrations, and Can Push "
    "to Accounting"
)


def cco_words(request: RequestView) -> str:
    title = f" “{escape(request.cco_title)}”" if request.cco_title else ""
    return f"CCO #{escape(request.cco_number)}{title}"


def request_message(request: RequestView) -> dict[str, Any]:
    reason = f"\n>{escape(request.reason)}" if request.reason else ""
    lines: list[Block] = [
        section(
            f"🙋 {user(request.requester)} asks an approver to unlink *{cco_words(request)}* "
            f"in {escape(request.project_name)}.{reason}"
        )
    ]
    if request.status == RequestStatus.PENDING:
        lines.append(
            context(
                f"{APPROVER_RIGHTS} · expires {when(request.expires_at)} · `{request.reference}`"
            )
        )
        lines.append(decision_buttons(request))
    else:
        lines.append(context(f"{_closed_words(request)} · `{request.reference}`"))
    return {"text": f"Unlink request for CCO #{escape(request.cco_number)}", "blocks": lines}


#: a request's status in words, where the status is shown on its own (App Home, answers)
_STATUS_WORDS = {
    RequestStatus.MOOT: "closed: already unlinked",
    RequestStatus.UNPOSTED: "withdrawn: Slack did not take it",
}


def status_words(status: RequestStatus) -> str:
    return _STATUS_WORDS.get(status, status)


def decision_buttons(request: RequestView) -> Block:
    value = str(request.id)
    return actions(
        button(
            "Approve & unlink",
            APPROVE_ACTION,
            value,
            style="primary",
            confirm=confirm_dialog(
                f"Approve and unlink CCO #{request.cco_number}?",
                "Your own Procore permissions are checked, then the ERP; Procore changes only "
                "if both pass.",
                "Approve & unlink",
            ),
        ),
        button("Deny", DENY_ACTION, value, style="danger"),
        block_id=f"request:{request.id}",
    )


def _closed_words(request: RequestView) -> str:
    at = f" {when(request.decided_at)}" if request.decided_at else ""
    if request.status == RequestStatus.APPROVED:
        return f"✅ Approved by {user(request.decided_by or '')}{at} — unlinked"
    if request.status == RequestStatus.DENIED:
        reason = f": {escape(request.decision_reason)}" if request.decision_reason else ""
        return f"🚫 Denied by {user(request.decided_by or '')}{at}{reason}"
    if request.status == RequestStatus.MOOT:
        ref = f" (`{request.attempt_reference}`)" if request.attempt_reference else ""
        return f"✔️ Closed{at}: the CCO was already unlinked{ref}, nothing left to approve"
    if request.status == RequestStatus.UNPOSTED:
        return "Withdrawn: Slack did not take this request"
    return f"⌛ Expired{at} — nobody decided in time; ask again if it is still needed"


def denied_reply(request: RequestView) -> dict[str, Any]:
    text = (
        f"🚫 {user(request.decided_by or '')} denied {user(request.requester)}'s request to unlink "
        f"{cco_words(request)}: {escape(request.decision_reason or '')}"
    )
    return {"text": text, "blocks": [section(text), context(f"`{request.reference}`")]}


def request_button(cco_id: int) -> Block:
    return button("Request unlink", REQUEST_ACTION, str(cco_id))


def request_modal(metadata: dict[str, Any], cco_label: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REQUEST_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": plain("Request unlink", 24),
        "submit": plain("Send request", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(
                f"Ask an approver to unlink *{escape(cco_label)}*. {APPROVER_RIGHTS}; the request "
                "is posted in the card's thread for them."
            ),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": plain("Why?", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 1000,
                },
            },
        ],
    }


def deny_modal(request: RequestView) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": DENY_VIEW,
        "private_metadata": json.dumps(
            {"request_id": request.id, "channel_id": request.channel_id}
        ),
        "title": plain("Deny request", 24),
        "submit": plain("Deny", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(
                f"Deny {user(request.requester)}'s request to unlink *{cco_words(request)}*? "
                "They will see your reason in the thread."
            ),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain("Reason", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                    "max_length": 1000,
                },
            },
        ],
    }
