"""A card row's state from its latest attempt and the index (`handlers.slack_io.row_state`):
a change made in Procore after the row was listed shows, our own unlink is not taken for one,
and a CCO synced again gets its buttons back; the row's words in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.listing import CardPage
from flows.outcomes import CcoGone
from flows.views import AttemptView
from handlers.blocks.card import RowState, card_message
from handlers.blocks.replies import outcome_message
from handlers.slack_io import row_state
from i18n import SUPPORTED, words_for
from i18n import messages as m
from storage.card_rows import CardRow
from storage.models import UnlinkAttempt
from storage.packages import PackageNow
from storage.states import AttemptState
from tests.unit.test_replies import ERP

LISTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROW = CardRow(id=7, number="004", title="Windows", amount="10.00", listed_at=LISTED)


def at(minutes: int) -> datetime:
    return LISTED + timedelta(minutes=minutes)


def indexed(synced: bool, changed: int, read: int, deleted: bool = False) -> PackageNow:
    return PackageNow(7, synced, deleted, at(changed), at(read))


def unlinked_here(finished: int) -> UnlinkAttempt:
    return UnlinkAttempt(
        reference="R-1", team_id="T", channel_id="C", card_ts="1.0", company_id=1,
        project_id=101, cco_id=7, cco_number="004", slack_user_id="U1",
        state=AttemptState.UNLINKED, outcome="unlinked", created_at=at(finished),
        finished_at=at(finished),
    )  # fmt: skip


def test_unlinked_or_deleted_in_procore_after_the_listing() -> None:
    assert row_state(None, ROW, indexed(False, 1, 2)).kind == "unlinked_in_procore"
    deleted = row_state(None, ROW, indexed(False, 3, 3, deleted=True))
    assert deleted == RowState("deleted_in_procore", at=at(3))
    # Procore's change came before the listing but its delivery after it: still news
    assert row_state(None, ROW, indexed(False, -1, 2)).kind == "unlinked_in_procore"


def test_an_index_read_before_the_listing_is_not_this_rows_news() -> None:
    assert row_state(None, ROW, indexed(False, -5, -4)).kind == "idle"
    assert row_state(None, ROW, None).kind == "idle"


def test_our_own_unlink_is_not_taken_for_a_change_in_procore() -> None:
    # Procore's updated_at of our write comes just before we finish; the delivery after it
    state = row_state(unlinked_here(5), ROW, indexed(False, 5, 6))
    assert state.kind == "unlinked" and state.user_id == "U1"


def test_unlinked_here_then_synced_again_then_unlinked_in_procore() -> None:
    assert row_state(unlinked_here(5), ROW, indexed(True, 8, 8)).kind == "idle"
    assert row_state(unlinked_here(5), ROW, indexed(False, 12, 12)).kind == "unlinked_in_procore"
    assert row_state(unlinked_here(5), ROW, indexed(True, 2, 8)).kind == "unlinked"  # stale


@pytest.mark.parametrize("locale", sorted(SUPPORTED))
def test_the_rows_say_it_without_buttons_in_every_language(locale: str) -> None:
    t = words_for(locale)
    other = CardRow(id=8, number="005", title="Doors", amount="1.00", listed_at=LISTED)
    view = CardPage("Tower A", ERP, "", 1, 1, 2, [ROW, other])
    states = {7: RowState("unlinked_in_procore", at=at(1))}
    blocks = card_message(t, view, states)["blocks"]
    ids = [b.get("block_id") for b in blocks]
    assert "act:7" not in ids and "act:8" in ids
    row = next(b["text"]["text"] for b in blocks if b.get("block_id") == "cco:7")
    assert "⚠️ " in row and "<!date^" in row
    deleted = card_message(t, view, {8: RowState("deleted_in_procore", at=at(2))})["blocks"]
    assert "🗑️ " in next(b["text"]["text"] for b in deleted if b.get("block_id") == "cco:8")
    if not locale.startswith("en"):
        assert "Unlinked in Procore" not in row  # translated


@pytest.mark.parametrize("locale", sorted(SUPPORTED))
def test_a_click_on_a_cco_procore_no_longer_has_says_what_its_row_says(locale: str) -> None:
    t = words_for(locale)
    attempt = unlinked_here(1)
    attempt.state, attempt.outcome = AttemptState.REFUSED, "cco_gone"
    reply = outcome_message(t, CcoGone("004"), AttemptView.of(attempt), ERP)
    assert reply["attachments"][0]["color"] == "warning"
    assert str(reply["text"]).startswith("ℹ️ ")
    gone = t.gettext(m.GONE_HEADLINE, cco="")
    assert gone.strip(" —*") in str(reply["text"])
    assert t.gettext(m.NOT_UNLINKED_HEADLINE, erp="Acumatica", cco="") not in str(reply)
    row_state_ = row_state(attempt, ROW)
    assert row_state_.kind == "gone" and row_state_.outcome == "cco_gone"
    view = CardPage("Tower A", ERP, "", 1, 1, 1, [ROW])
    blocks = card_message(t, view, {7: row_state_})["blocks"]
    row = next(b["text"]["text"] for b in blocks if b.get("block_id") == "cco:7")
    said = t.gettext(m.ROW_GONE, user="", when="", reference="").split(":")[0].strip()
    assert said in row and "act:7" not in [b.get("block_id") for b in blocks]
