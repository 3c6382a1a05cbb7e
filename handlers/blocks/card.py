"""The `/cco unlink` card: one row per synced CCO with an Unlink button, paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from erp.base import ErpInfo
from flows.listing import CardPage
from handlers.blocks.kit import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    section,
    user,
    when,
)
from handlers.blocks.replies import not_erp_integrated_text
from handlers.blocks.requests import request_button
from handlers.blocks.words import outcome_words
from storage.card_rows import CardRow, RowStatus

UNLINK_ACTION = "cco_unlink"
#: the pager buttons share this prefix (action ids must differ within one actions block)
PAGE_ACTION = "cco_page"


@dataclass(frozen=True)
class RowState:
    """What the card shows next to a row, from the CCO's latest attempt."""

    kind: RowStatus
    user_id: str | None = None
    at: datetime | None = None
    reference: str | None = None
    outcome: str | None = None


def money(amount: str) -> str:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        return amount
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


#: row states whose CCO is no longer synced: no buttons, and not counted as synced
DONE: tuple[RowStatus, ...] = ("unlinked", "gone")


def card_message(view: CardPage, states: dict[int, RowState]) -> dict[str, Any]:
    done = sum(1 for row in view.rows if _state(states, row).kind in DONE)
    blocks: list[Block] = [
        header(f"ERP-synced CCOs — {view.project_name}"),
        _summary(view, done),
    ]
    for row in view.rows:
        blocks.append(divider())
        blocks.extend(_row(row, view.erp, _state(states, row)))
    pager = _pager(view)
    if pager:
        blocks.append(pager)
    fallback = f"{view.total} ERP-synced CCOs in {escape(view.project_name)}"
    return {"text": fallback, "blocks": blocks}


def empty_message(project_name: str, erp: ErpInfo, query: str) -> dict[str, Any]:
    narrowed = f" matching “{escape(query)}”" if query else ""
    text = (
        f"No CCOs in *{escape(project_name)}* are synced with {erp.name}{narrowed}, "
        "so there is nothing to unlink."
    )
    return {"text": text, "blocks": [section(text)]}


def not_integrated_message(project_name: str) -> dict[str, Any]:
    """Instead of a card when Procore says the project is not ERP-integrated: no buttons."""
    text = not_erp_integrated_text(project_name)
    return {"text": text, "blocks": [section(text)]}


def _state(states: dict[int, RowState], row: CardRow) -> RowState:
    return states.get(row.id, RowState("idle"))


def _summary(view: CardPage, done: int) -> Block:
    """The count of CCOs still synced: those unlinked since the card was listed are not."""
    parts = [f"{max(view.total - done, 0)} synced with *{view.erp.name}*"]
    if done:
        parts.append(f"{done} unlinked since this list was made")
    if view.query:
        parts.append(f"matching “{escape(view.query)}”")
    if view.pages > 1:
        parts.append(f"page {view.page} of {view.pages}")
    parts.append(
        "Unlink checks your Procore rights and the ERP first; without the rights, Request unlink "
        "asks an approver"
    )
    return context(" · ".join(parts))


def _row(row: CardRow, erp: ErpInfo, state: RowState) -> list[Block]:
    title = f"*CCO #{escape(row.number)} — {escape(row.title)}*"
    commitment = " · ".join(escape(part) for part in (row.commitment, row.vendor) if part)
    facts = [money(row.amount)]
    if row.synced_at:
        facts.append(f"synced {when(row.synced_at)}")
    lines = [title, commitment or "_commitment not readable_", " · ".join(facts)]
    status = _status_line(state, erp)
    if status:
        lines.append(status)
    row_blocks = [section("\n".join(lines), block_id=f"cco:{row.id}")]
    if state.kind not in (*DONE, "checking"):
        buttons = (_unlink_button(row, erp), request_button(row.id))
        row_blocks.append(actions(*buttons, block_id=f"act:{row.id}"))
    return row_blocks


def _status_line(state: RowState, erp: ErpInfo) -> str | None:
    who = user(state.user_id) if state.user_id else "someone"
    at = f" {when(state.at)}" if state.at else ""
    if state.kind == "checking":
        return f"⏳ checking… ({who})"
    if state.kind == "unlinked":
        return f"✅ Unlinked by {who}{at}"
    if state.kind == "gone":
        found = "No longer in Procore" if state.outcome == "cco_gone" else "Already unlinked"
        return f"✅ {found}: nothing left to do (found by {who}{at}, ref {state.reference})"
    if state.kind == "refused":
        reason = outcome_words(state.outcome, erp.name)
        return f"❌ Last try by {who}{at}: {reason} (ref {state.reference})"
    return None


def _unlink_button(row: CardRow, erp: ErpInfo) -> Block:
    number = row.number
    return button(
        "Unlink",
        UNLINK_ACTION,
        str(row.id),
        style="danger",
        confirm=confirm_dialog(
            f"Unlink CCO #{number}?",
            f"The app checks {erp.name} first. If the {erp.record_noun} is gone there, it clears "
            "the ERP sync link in Procore so the CCO can be edited or deleted.",
            "Unlink",
        ),
    )


def _pager(view: CardPage) -> Block | None:
    elements: list[Block] = []
    if view.page > 1:
        elements.append(button("◀ Previous", f"{PAGE_ACTION}_prev", str(view.page - 1)))
    if view.page < view.pages:
        elements.append(button("More ▶", f"{PAGE_ACTION}_next", str(view.page + 1)))
    return actions(*elements, block_id="cco_pager") if elements else None
