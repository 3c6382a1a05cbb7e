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
    typed,
    user,
)
from handlers.blocks.replies import not_erp_integrated_text, system_name
from handlers.blocks.requests import request_button
from handlers.blocks.words import outcome_words
from i18n import Words
from i18n import messages as m
from storage.card_rows import CardRow, RowStatus

UNLINK_ACTION = "cco_unlink"
#: the pager buttons share this prefix (action ids must differ within one actions block)
PAGE_ACTION = "cco_page"


@dataclass(frozen=True)
class RowState:
    """What the card shows next to a row, from the CCO's latest attempt or, when the CCO was
    changed in Procore itself since, from the index (`handlers.slack_io.row_state`)."""

    kind: RowStatus
    user_id: str | None = None
    at: datetime | None = None
    reference: str | None = None
    outcome: str | None = None


#: the currency of a row stored before rows kept theirs: the app showed US dollars then
LEGACY_CURRENCY = "USD"


def money(t: Words, amount: str, currency: str) -> str:
    """`amount` in `currency` (ISO 4217) as the reader's locale writes money."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        return escape(amount)
    return t.amount(value, currency)


#: row states whose CCO is no longer synced: no buttons, and not counted as synced
DONE: tuple[RowStatus, ...] = ("unlinked", "gone", "unlinked_in_procore", "deleted_in_procore")
#: a row whose CCO was changed in Procore itself: its emoji (the alert's) and its words
_IN_PROCORE: dict[RowStatus, tuple[str, str]] = {
    "unlinked_in_procore": ("⚠️", m.ROW_UNLINKED_IN_PROCORE),
    "deleted_in_procore": ("🗑️", m.ROW_DELETED_IN_PROCORE),
}


def card_message(t: Words, view: CardPage, states: dict[int, RowState]) -> dict[str, Any]:
    """The card in the language it was posted in (`Card.locale`): its refreshes keep it."""
    done = sum(1 for row in view.rows if _state(states, row).kind in DONE)
    project = escape(view.project_name)
    blocks: list[Block] = [header(t.gettext(m.CARD_HEADER, project=view.project_name))]
    blocks.append(_summary(t, view, done))
    for row in view.rows:
        blocks.append(divider())
        blocks.extend(_row(t, row, view.erp, _state(states, row)))
    pager = _pager(t, view)
    if pager:
        blocks.append(pager)
    fallback = t.ngettext(*m.CARD_FALLBACK, view.total, project=project)
    return {"text": fallback, "blocks": blocks}


def empty_message(t: Words, project_name: str, erp: ErpInfo, query: str) -> dict[str, Any]:
    values = {"project": escape(project_name), "erp": system_name(t, erp.name)}
    if query:
        text = t.gettext(m.CARD_NOTHING_MATCHING, query=typed(query), **values)
    else:
        text = t.gettext(m.CARD_NOTHING, **values)
    return {"text": text, "blocks": [section(text)]}


def not_integrated_message(t: Words, project_name: str) -> dict[str, Any]:
    """Instead of a card when Procore says the project is not ERP-integrated: no buttons."""
    text = not_erp_integrated_text(t, project_name)
    return {"text": text, "blocks": [section(text)]}


def _state(states: dict[int, RowState], row: CardRow) -> RowState:
    return states.get(row.id, RowState("idle"))


def _summary(t: Words, view: CardPage, done: int) -> Block:
    """The count of CCOs still synced: those unlinked since the card was listed are not."""
    synced = max(view.total - done, 0)
    parts = [t.ngettext(*m.CARD_SYNCED, synced, erp=system_name(t, view.erp.name))]
    if done:
        parts.append(t.ngettext(*m.CARD_DONE, done))
    if view.query:
        parts.append(t.gettext(m.CARD_MATCHING, query=typed(view.query)))
    if view.pages > 1:
        parts.append(t.gettext(m.CARD_PAGE, page=t.number(view.page), pages=t.number(view.pages)))
    parts.append(t.gettext(m.CARD_HINT))
    return context(" · ".join(parts))


def _row(t: Words, row: CardRow, erp: ErpInfo, state: RowState) -> list[Block]:
    title = f"*{t.gettext(m.CARD_ROW_TITLE, number=escape(row.number), title=escape(row.title))}*"
    commitment = " · ".join(escape(part) for part in (row.commitment, row.vendor) if part)
    facts = [money(t, row.amount, row.currency or LEGACY_CURRENCY)]
    if row.synced_at:
        facts.append(t.gettext(m.SYNCED_AT, when=t.when(row.synced_at)))
    lines = [title, commitment or t.gettext(m.COMMITMENT_NOT_READABLE), " · ".join(facts)]
    status = _status_line(t, state, erp)
    if status:
        lines.append(status)
    row_blocks = [section("\n".join(lines), block_id=f"cco:{row.id}")]
    if state.kind not in (*DONE, "checking"):
        buttons = (_unlink_button(t, row, erp), request_button(t, row.id))
        row_blocks.append(actions(*buttons, block_id=f"act:{row.id}"))
    return row_blocks


def _status_line(t: Words, state: RowState, erp: ErpInfo) -> str | None:
    """What happened to the row last, one emoji first; "someone" when Slack named nobody."""
    who = user(state.user_id) if state.user_id else t.gettext(m.SOMEONE)
    at = t.when(state.at) if state.at else ""
    ref = state.reference or ""
    if state.kind == "checking":
        return "⏳ " + t.gettext(m.ROW_CHECKING, user=who)
    if state.kind == "unlinked":
        return "✅ " + t.gettext(m.ROW_UNLINKED, user=who, when=at)
    if state.kind == "gone":
        found = m.ROW_GONE if state.outcome == "cco_gone" else m.ROW_ALREADY
        return "✅ " + t.gettext(found, user=who, when=at, reference=ref)
    if state.kind in _IN_PROCORE:
        emoji, words = _IN_PROCORE[state.kind]
        return f"{emoji} " + t.gettext(words, when=at)
    if state.kind == "refused":
        reason = outcome_words(t, state.outcome, system_name(t, erp.name))
        return "❌ " + t.gettext(m.ROW_REFUSED, user=who, when=at, reason=reason, reference=ref)
    return None


def _unlink_button(t: Words, row: CardRow, erp: ErpInfo) -> Block:
    label = t.gettext(m.BUTTON_UNLINK)
    return button(
        label,
        UNLINK_ACTION,
        str(row.id),
        style="danger",
        confirm=confirm_dialog(
            t.gettext(m.CONFIRM_TITLE, number=row.number),
            t.gettext(m.CONFIRM_TEXT, erp=system_name(t, erp.name)),
            label,
            t.gettext(m.BUTTON_CANCEL),
        ),
    )


def _pager(t: Words, view: CardPage) -> Block | None:
    elements: list[Block] = []
    if view.page > 1:
        previous = t.gettext(m.BUTTON_PREVIOUS)
        elements.append(button(previous, f"{PAGE_ACTION}_prev", str(view.page - 1)))
    if view.page < view.pages:
        more = t.gettext(m.BUTTON_MORE)
        elements.append(button(more, f"{PAGE_ACTION}_next", str(view.page + 1)))
    return actions(*elements, block_id="cco_pager") if elements else None
