"""The thread replies and the card, as pure Block Kit builders."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from erp.base import ErpInfo, ErpRecord, RecordState
from flows.listing import PAGE_SIZE, CardPage
from flows.outcomes import (
    Failed,
    Interrupted,
    Misconfigured,
    NotLinked,
    Outcome,
    ParentUnknownInErp,
    PermissionDenied,
    ProcoreRefused,
    StillInErp,
    UnknownUser,
    Unlinked,
    Unreachable,
)
from flows.views import AttemptView
from handlers.blocks.card import RowState, card_message
from handlers.blocks.replies import outcome_message
from i18n import words_for
from procore.models import Cco
from procore.permissions import PermissionCheck
from storage.card_rows import CardRow
from storage.models import UnlinkAttempt

ERP = ErpInfo(
    key="acumatica",
    name="Acumatica",
    record_noun="change order",
    fix_template="Reverse change order {reference} in Acumatica",
    gone_states=frozenset({RecordState.DELETED, RecordState.REVERSED}),
)
CCO = Cco(7, 101, 3, "004", "Drywall <changes> & more", "approved", Decimal("12.5"), "CO1")
ATTEMPT = AttemptView.of(
    UnlinkAttempt(
        reference="R-ABCDEFGH",
        team_id="T",
        channel_id="C",
        card_ts="1.0",
        company_id=1,
        project_id=101,
        cco_id=7,
        cco_number="004",
        slack_user_id="U1",
    )
)
MISSING = PermissionCheck(
    "Can Push to Accounting",
    "enabled",
    "not enabled",
    False,
    "'Can Push to Accounting' must be enabled by Procore for your account.",
)

T = words_for("en-US")


def reply(outcome: Outcome, attempt: AttemptView = ATTEMPT) -> dict[str, object]:
    return outcome_message(T, outcome, attempt, ERP)


RED: list[Outcome] = [
    StillInErp(CCO, ERP, ErpRecord(RecordState.PRESENT, "CO000101", "Open")),
    PermissionDenied("Ana", "Tower A", (MISSING,)),
    UnknownUser(None),
    UnknownUser("dan@example.com"),
    UnknownUser("dan@example.com", inactive=True),
    NotLinked(),
    NotLinked(reconnect=True),
    Unreachable("Acumatica"),
    Unreachable("Procore", retry_after=240),
    Misconfigured("Acumatica", "ERP_PASSWORD was refused"),
    ProcoreRefused(CCO, "item is locked"),
    ParentUnknownInErp(ERP, "SC-001 (SC000501)", "Tower A (TOWERA)"),
    Interrupted("004"),
    Failed(),
]


def flat(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


@pytest.mark.parametrize("outcome", RED, ids=lambda o: o.kind)
def test_every_red_reply_is_red_and_carries_the_reference(outcome: Outcome) -> None:
    message = reply(outcome, ATTEMPT)
    assert message["attachments"][0]["color"] == "danger"  # type: ignore[index]
    assert "R-ABCDEFGH" in flat(message)
    assert str(message["text"]).startswith("❌")


def test_green_reply_says_successfully_unlinked_and_what_the_erp_said() -> None:
    outcome = Unlinked(CCO, ERP, ErpRecord(RecordState.REVERSED, "CO000101", "Open, Reversed"))
    message = reply(outcome, ATTEMPT)
    shown = flat(message)
    assert message["attachments"][0]["color"] == "good"  # type: ignore[index]
    assert "Successfully unlinked* CCO #004 from Acumatica" in shown
    assert "Acumatica record CO000101: reversed" in shown
    assert "&lt;changes&gt; &amp; more" in shown  # user text escaped for mrkdwn


def test_still_in_erp_names_the_fix_first() -> None:
    message = reply(RED[0], ATTEMPT)
    assert (
        "Reverse change order CO000101 in Acumatica, then click Unlink again. CCO #004 is still "
        "in Acumatica (status: Open), so nothing was changed in Procore." in str(message["text"])
    )
    assert str(message["text"]).startswith("❌ Still in Acumatica — CCO #004")


def test_a_red_approval_names_the_requester_and_says_the_request_stays_open() -> None:
    approval = replace(ATTEMPT, slack_user_id="U0ANA", requested_by="U0BEN")
    shown = json.dumps(reply(RED[0], approval), ensure_ascii=False)
    assert "Requested by <@U0BEN>, approved by <@U0ANA>" in shown
    assert "The request stays open" in shown
    # the approver is told to approve again, never to "click Unlink again"
    assert "click *Approve & unlink* again" in shown and "Unlink* again" not in shown


def test_an_erp_that_knows_no_parent_says_so_and_never_unlinked() -> None:
    hinted = ErpInfo(
        "acumatica",
        "Acumatica",
        "change order",
        "Reverse {reference}",
        settings_hint="ERP_BASE_URL and ERP_TENANT",
    )
    outcome = ParentUnknownInErp(hinted, "SC-001 (SC000501)", "<!channel> TOWERA")
    shown = flat(reply(outcome, ATTEMPT))
    assert (
        "Acumatica doesn't know commitment SC-001 (SC000501) or project &lt;!channel&gt; TOWERA."
        in shown
    )
    assert "the app may be pointed at the wrong company. Nothing was changed." in shown
    assert "check ERP_BASE_URL and ERP_TENANT" in shown
    assert "unlinked" not in shown.lower()
    unlabelled = flat(reply(ParentUnknownInErp(hinted, None, None), ATTEMPT))
    assert "doesn't know its commitment or project either" in unlabelled


def test_unreachable_says_nothing_was_changed_and_when_to_retry() -> None:
    text = str(reply(Unreachable("Procore", retry_after=240), ATTEMPT)["text"])
    assert "Procore could not be reached — nothing was changed" in text
    assert "about 4 minutes." in text
    one = str(reply(Unreachable("Procore", retry_after=50), ATTEMPT)["text"])
    assert "about 1 minute." in one and "(s)" not in one + text


def test_a_full_card_page_stays_within_slack_limits() -> None:
    rows = [
        CardRow(
            id=i,
            number=f"{i:03d}",
            title="t" * 400,
            amount="1.00",
            commitment="SC-1 x",
            vendor="v",
            synced_at=None,
        )
        for i in range(PAGE_SIZE)
    ]
    view = CardPage("Tower A", ERP, "", 1, 3, 25, rows)
    states = {0: RowState("checking", "U1"), 1: RowState("unlinked", "U2")}
    message = card_message(T, view, states)
    blocks = message["blocks"]
    assert len(blocks) <= 50
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    action_rows = [b for b in blocks if str(b.get("block_id", "")).startswith("act:")]
    assert len(action_rows) == PAGE_SIZE - 2  # no buttons while checking or once unlinked
    assert "⏳ checking… (<@U1>)" in flat(message)
    pager = blocks[-1]
    assert [e["text"]["text"] for e in pager["elements"]] == ["More ▶"]
