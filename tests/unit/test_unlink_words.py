"""The unlink path's texts (every thread reply, the card and its confirm dialog, the empty and
not-integrated answers, the card's refusals, outcome words) render in every locale: nothing left
in English in the pseudo-locale, no placeholder unfilled, each language its own words."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from erp.base import ErpInfo, ErpRecord, RecordState
from erp.http_bridge import INFO as BRIDGE
from flows.listing import CardPage
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
from handlers.blocks.card import RowState, card_message, empty_message, not_integrated_message
from handlers.blocks.replies import outcome_message
from handlers.blocks.words import outcome_words
from handlers.cards import _not_in_channel
from i18n import PSEUDO, SUPPORTED, Words, words_for
from i18n import messages as m
from i18n.pseudo import texts_of, untranslated
from procore.models import Cco
from procore.permissions import CAN_PUSH, COMMITMENTS, ERP_INTEGRATIONS, PermissionCheck
from storage.card_rows import CardRow
from tests.unit.locale_sweep import AT, LOCALES, PROJECT, TITLE

VENDOR = "Ŵåļļ Ĉö"
ERP = ErpInfo(
    key="acumatica",
    name="Acumatica",
    record_noun="change order",
    fix_template=m.ERP_FIXES[0],
    gone_states=frozenset({RecordState.DELETED, RecordState.REVERSED}),
    settings_hint="ERP_BASE_URL",
)
CMIC = ErpInfo(
    key="cmic",
    name="CMiC",
    record_noun="subcontract change order",
    fix_template="Delete or void subcontract change order {reference} in CMiC",
    gone_states=frozenset({RecordState.DELETED, RecordState.VOIDED}),
    state_notes=(
        (
            RecordState.VOIDED,
            "Procore's CMiC guidance says to delete the subcontract change order; it was "
            "voided instead, which this company accepts.",
        ),
    ),
)
CCO = Cco(7, 101, 3, "004", TITLE, "approved", Decimal("12500"), "CO1")
RECORD = ErpRecord(RecordState.PRESENT, "CO000101", "Ōƥéñ")
ATTEMPT = AttemptView("R-ABCDEFGH", 7, "004", "U1", AT)
APPROVAL = replace(ATTEMPT, request_id=3, requested_by="U2")
CHECKS = (
    PermissionCheck(COMMITMENTS, "Admin", "Standard", False, None),
    PermissionCheck(ERP_INTEGRATIONS, "Standard or Admin", "Read Only", False, None),
    PermissionCheck(CAN_PUSH, "Enabled", "Not enabled", False, None),
)
OUTCOMES: list[Outcome] = [
    Unlinked(CCO, ERP, ErpRecord(RecordState.REVERSED, "CO000101", None)),
    Unlinked(CCO, CMIC, ErpRecord(RecordState.VOIDED, "SCO-7", None)),
    Unlinked(CCO, BRIDGE, ErpRecord(RecordState.CANCELED, "R7", None)),
    StillInErp(CCO, ERP, RECORD),
    StillInErp(CCO, BRIDGE, ErpRecord(RecordState.PRESENT, "R7", "Ƥŕéšéñţ")),
    PermissionDenied("Ana", PROJECT, CHECKS),
    UnknownUser(None),
    UnknownUser("dan@example.com"),
    UnknownUser("dan@example.com", inactive=True),
    NotLinked(),
    NotLinked(reconnect=True),
    NotSynced(CCO, ERP, "U3", AT),
    NotSynced(CCO, ERP, None, AT),
    NotSynced(CCO, ERP),
    CcoGone("004"),
    NotApplicable(ERP),
    Unreachable("Acumatica"),
    Unreachable("Procore", retry_after=240),
    Unreachable("Procore", retry_after=50, unreadable=True),
    Unreachable(BRIDGE.name),
    Misconfigured("Acumatica", "ƤÅŠŠŴÖŔÐ"),
    ParentUnknownInErp(ERP, "SC-1", "TOWERA"),
    ParentUnknownInErp(ERP, "SC-1", None),
    ParentUnknownInErp(ERP, None, "TOWERA"),
    ParentUnknownInErp(ERP, None, None),
    ProcoreRefused(CCO, "ĻÖÇĶÉÐ"),
    NotErpIntegrated(PROJECT),
    NotCommitmentCco("004"),
    UnlinkUnconfirmed(CCO, ERP, RECORD),
    UnlinkUnconfirmed(CCO, ERP, RECORD, still_synced=False),
    Interrupted("004"),
    Failed(),
]
ROWS = [
    CardRow(id=i, number=f"00{i}", title=TITLE, amount="12500.5", vendor=VENDOR, synced_at=AT)
    for i in range(1, 6)
]
STATES = {
    1: RowState("checking", "U1", AT, "R-1"),
    2: RowState("unlinked", "U1", AT, "R-2", "unlinked"),
    3: RowState("gone", "U1", AT, "R-3", "cco_gone"),
    4: RowState("gone", None, AT, "R-4", "not_synced"),
    5: RowState("refused", "U1", AT, "R-5", "still_in_erp"),
}
#: data values the builders show as they are (numbers, codes): not text to translate
DATA = re.compile(r"\bCO\d+|\bSC-1\b|\bSCO-7\b|\bR7\b|TOWERA|\bERP_BASE_URL\b|\bPM308000\b")


def leftovers(payload: Any) -> list[str]:
    """English words in `payload` outside any message (the pseudo-locale's brackets)."""
    return [word for text in texts_of(payload) for word in untranslated(DATA.sub(" ", text))]


def unfilled(payload: Any) -> list[str]:
    """Placeholders left in the text (a Slack token's `{date_short_pretty}` is Slack's own)."""
    texts = [re.sub(r"<[^<>]*>", " ", text) for text in texts_of(payload)]
    return [text for text in texts if re.search(r"\{[a-z_]+\}", text)]


def payloads(t: Words) -> list[Any]:
    """Everything the unlink path posts or answers, rendered in `t`."""
    found: list[Any] = []
    for outcome in OUTCOMES:
        found += [outcome_message(t, outcome, attempt, ERP) for attempt in (ATTEMPT, APPROVAL)]
    page = CardPage(PROJECT, ERP, "ñö 7", 2, 3, 12, ROWS)
    found.append(card_message(t, page, STATES))
    found.append(card_message(t, replace(page, query="", page=1, pages=1), {}))
    found += [empty_message(t, PROJECT, ERP, ""), empty_message(t, PROJECT, ERP, "ñö 7")]
    found.append(not_integrated_message(t, PROJECT))
    for code in ("not_in_channel", "msg_too_long"):
        error = SlackApiError("no", {"ok": False, "error": code})
        found.append({"text": _not_in_channel(t, error).message})
    found.append({"text": t.gettext(m.CARD_NOT_CURRENT)})
    kinds = [*m.OUTCOME_WORDS, "something_new", None]
    found += [{"text": outcome_words(t, kind, "Acumatica")} for kind in kinds]
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_unlink_text_renders_with_no_placeholder_left(locale: str) -> None:
    for payload in payloads(words_for(locale)):
        assert unfilled(payload) == [], payload


def test_the_pseudo_locale_finds_no_text_outside_the_catalog() -> None:
    left = {word for payload in payloads(words_for(PSEUDO)) for word in leftovers(payload)}
    assert left == set()


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED if not loc.startswith("en")])
def test_each_language_reads_its_own_words(locale: str) -> None:
    english = [texts_of(p) for p in payloads(words_for("en-US"))]
    translated = [texts_of(p) for p in payloads(words_for(locale))]
    same = [a for a, b in zip(english, translated, strict=True) if a == b]
    # only the outcome words of an unknown kind and the bare ERP name could read the same
    assert len(same) <= 1, same[:3]


def test_french_green_and_red_use_procores_french() -> None:
    t = words_for("fr-CA")
    green = str(outcome_message(t, OUTCOMES[0], ATTEMPT, ERP)["text"])
    red = str(outcome_message(t, OUTCOMES[3], ATTEMPT, ERP)["text"])
    assert "Dissociation réussie" in green and "ODCE #004" in green
    assert "toujours dans Acumatica" in red
    assert "Contre-passez l'ordre de changement CO000101" in red or "CO000101" in red
    assert "*Dissocier*" not in green


def test_one_emoji_per_headline_and_the_red_headline_names_the_erp() -> None:
    t = words_for("en-US")
    for outcome in OUTCOMES:
        message = outcome_message(t, outcome, ATTEMPT, ERP)
        headline = message["blocks"][0]["text"]["text"]
        emoji = [c for c in headline if ord(c) > 0x2600 and c not in "—“”’…"]
        assert len(emoji) == 1, headline
        assert " )" not in str(message) and "(s)" not in str(message)
    red = outcome_message(t, Unreachable("Procore"), ATTEMPT, ERP)["blocks"][0]["text"]["text"]
    assert red == "❌ *Not unlinked from Acumatica* — CCO #004"


def test_the_bridge_is_your_erp_without_stacked_brackets() -> None:
    t = words_for("en-US")
    shown = str(outcome_message(t, OUTCOMES[4], ATTEMPT, BRIDGE))
    assert "still in your ERP (status: Ƥŕéšéñţ)" in shown
    assert "integration bridge" not in shown and ") (" not in shown


def test_an_approvers_reply_names_the_requester_and_never_says_click_unlink_again() -> None:
    t = words_for("en-US")
    for outcome in OUTCOMES:
        shown = str(outcome_message(t, outcome, APPROVAL, ERP))
        assert "*Unlink* again" not in shown and "click Unlink" not in shown, outcome
        neutral = (
            Unlinked | NotSynced | NotApplicable | NotErpIntegrated | NotCommitmentCco | CcoGone
        )
        if not isinstance(outcome, neutral):
            assert "<@U2>" in shown, outcome
    green = str(outcome_message(t, OUTCOMES[0], APPROVAL, ERP))
    assert "<@U2> asked for this unlink and <@U1> approved it." in green


def test_the_card_amounts_follow_the_locale() -> None:
    page = CardPage(PROJECT, ERP, "", 1, 1, 1, ROWS[:1])
    french = json.dumps(card_message(words_for("fr-CA"), page, {}), ensure_ascii=False)
    assert "12\u00a0500,50\u00a0$\u00a0US" in french
    assert "$12,500.50" in str(card_message(words_for("en-US"), page, {}))
