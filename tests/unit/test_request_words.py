"""The request/approve/deny texts, App Home and the OAuth pages render in every locale: nothing
left in English in the pseudo-locale, no placeholder left unfilled, each language its own."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from bot.oauth_routes import _page, accept_language, connected_text, refused_text
from flows import requests as flows
from flows.accounts import (
    STATE_REFUSED,
    TAKEN,
    WRONG_PERSON,
    Connected,
    ConnectRefused,
)
from flows.home import HomeData
from flows.outcomes import NotLinked
from flows.unlink import Busy
from flows.views import AttemptView, RequestView
from handlers.blocks.home import home_view
from handlers.blocks.requests import (
    closed_words,
    denied_reply,
    deny_modal,
    request_button,
    request_message,
    request_modal,
    status_words,
)
from handlers.listeners.views import already_requested
from handlers.request_answers import answer_text, closed_text, no_longer_synced_text
from i18n import PSEUDO, Words, words_for
from i18n.pseudo import texts_of
from storage.models import UnlinkRequest
from storage.states import RequestStatus
from tests.unit.locale_sweep import AT, LOCALES, PROJECT, TITLE, same_as_english, untranslated_texts

REASON = "№ 42"


def view(status: RequestStatus = RequestStatus.PENDING, **more: Any) -> RequestView:
    values: dict[str, Any] = {
        "id": 7,
        "reference": "Q-7K2M",
        "channel_id": "C1",
        "project_name": PROJECT,
        "cco_number": "002",
        "cco_title": TITLE,
        "requester": "U0CHLOE",
        "reason": REASON,
        "status": status,
        "created_at": AT,
        "expires_at": AT,
        "decided_by": "U0ANA" if status != RequestStatus.PENDING else None,
        "decided_at": AT if status != RequestStatus.PENDING else None,
        "decision_reason": REASON if status == RequestStatus.DENIED else None,
    }
    return RequestView(**(values | more))


def stored(status: RequestStatus, decided_by: str | None = "U0ANA") -> UnlinkRequest:
    return UnlinkRequest(
        id=7,
        reference="Q-7K2M",
        team_id="T1",
        channel_id="C1",
        card_ts="1.1",
        company_id=1,
        project_id=2,
        project_name=PROJECT,
        cco_id=3,
        cco_number="002",
        cco_title=TITLE,
        requester="U0CHLOE",
        status=status,
        decided_by=decided_by,
    )


def gone(by: str | None, at: datetime | None) -> flows.NoLongerSynced:
    return flows.NoLongerSynced("002", by, at, "R-4F2A")


def payloads(t: Words) -> list[object]:
    """Every request payload and text a person reads, in `t`'s language."""
    found: list[object] = [request_button(t, 3), request_modal(t, {}, "CCO #002")]
    for status in RequestStatus:
        found += [request_message(t, view(status)), status_words(t, status)]
    found += [closed_words(t, view(RequestStatus.DENIED, decision_reason=None))]
    found += [denied_reply(t, view(RequestStatus.DENIED))]
    found += [denied_reply(t, view(RequestStatus.DENIED, decision_reason=None))]
    found += [deny_modal(t, view())]
    return found


def answers(t: Words) -> list[str]:
    """Every private answer to a request click, in `t`'s language."""
    request = stored(RequestStatus.APPROVED)
    texts = [
        no_longer_synced_text(t, gone(b, a), "Acumatica")
        for b in ("U0ANA", None)
        for a in (AT, None)
    ]
    texts += [
        answer_text(t, flows.Moot(request, gone("U0ANA", AT)), "Acumatica", "U0BEN"),
        answer_text(t, flows.SelfApproval(request), "Acumatica", "U0BEN"),
        answer_text(t, flows.NotAnApprover(request, NotLinked("required")), "Acumatica", "U0BEN"),
        answer_text(t, Busy("U0ANA", "R-4F2A"), "Acumatica", "U0BEN"),
        answer_text(t, Busy(None, None), "Acumatica", "U0BEN"),
        already_requested(t, request, "U0CHLOE"),
        already_requested(t, request, "U0BEN"),
    ]
    for status in RequestStatus:
        for by in ("U0ANA", None):
            texts += [
                closed_text(t, stored(status, by), "U0ANA"),
                closed_text(t, stored(status, by), "U0BEN"),
            ]
    return texts


def home(t: Words) -> list[object]:
    attempt = AttemptView("R-4F2A", 3, "002", "U0ANA", AT, AT, "unlinked")
    full = HomeData(
        own_requests=[view(s) for s in RequestStatus],
        approvable=[view(), view(reason="")],
        recent_unlinks=[attempt],
        approver_projects=[PROJECT],
    )
    return [
        home_view(t, full),
        home_view(t, HomeData(approver_projects=[PROJECT])),
        home_view(t, HomeData()),
    ]


def pages(t: Words) -> list[str]:
    refusals = [
        ConnectRefused(STATE_REFUSED),
        ConnectRefused(
            "x", message=WRONG_PERSON, values=(("slack_user", PROJECT), ("procore_user", TITLE))
        ),
        ConnectRefused("x", message=TAKEN, values=(("procore_user", TITLE),)),
    ]
    texts = [refused_text(t, r) for r in refusals]
    texts += [connected_text(t, Connected("T1", "U1", 9, TITLE, name)) for name in (PROJECT, "")]
    return texts


def all_texts(t: Words) -> list[str]:
    found: list[str] = []
    for item in [*payloads(t), *home(t)]:
        found += [item] if isinstance(item, str) else texts_of(item)
    return found + answers(t) + pages(t)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_renders_with_every_placeholder_filled(locale: str) -> None:
    for text in all_texts(words_for(locale)):
        outside_tokens = re.sub(r"<[^<>]*>", "", text)
        assert "{" not in outside_tokens and "}" not in outside_tokens, text


def test_the_pseudo_locale_shows_no_untranslated_text() -> None:
    assert untranslated_texts(all_texts(words_for(PSEUDO))) == {}


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR", "es-419", "de-DE"])
def test_each_language_says_it_in_its_own_words(locale: str) -> None:
    assert same_as_english(all_texts(words_for("en-US")), all_texts(words_for(locale))) == []


def test_french_and_german_approvers_read_procores_words() -> None:
    fr = texts_of(request_message(words_for("fr-CA"), view()))
    assert any("Peut transmettre à la comptabilité" in text for text in fr)
    assert any("Engagements" in text and "Intégrations ERP" in text for text in fr)
    de = texts_of(deny_modal(words_for("de-DE"), view()))
    assert "Anfrage ablehnen" in de and "Ablehnen" not in de[0]


def test_en_gb_says_cv() -> None:
    texts = answers(words_for("en-GB"))
    assert any("CV #002" in text for text in texts)
    assert not any(re.search(r"\bCCO\b", text) for text in texts)


def test_the_denial_names_both_people_and_the_modal_carries_its_language() -> None:
    reply = denied_reply(words_for("de-DE"), view(RequestStatus.DENIED))
    assert "<@U0ANA>" in reply["text"] and "<@U0CHLOE>" in reply["text"]
    assert '"locale": "de-DE"' in deny_modal(words_for("de-DE"), view())["private_metadata"]


def test_the_clicker_is_you_and_others_are_named() -> None:
    t = words_for("en-US")
    mine = closed_text(t, stored(RequestStatus.APPROVED), "U0ANA")
    theirs = closed_text(t, stored(RequestStatus.APPROVED), "U0BEN")
    assert mine.startswith("You already approved") and "<@U0ANA>" not in mine
    assert "already approved by <@U0ANA>" in theirs and "nothing was done" in theirs
    assert already_requested(t, stored(RequestStatus.PENDING), "U0CHLOE").startswith("You already")


def test_one_emoji_per_headline() -> None:
    emoji = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
    for status in RequestStatus:
        headline = request_message(words_for("en-US"), view(status))["blocks"][0]["text"]["text"]
        assert len(emoji.findall(headline)) == 1, headline


def test_the_browser_language_is_negotiated() -> None:
    assert accept_language("de-CH,de;q=0.9,en;q=0.5") == "de-DE"
    assert accept_language("ja-JP, es-MX;q=0.8, fr;q=0.9") == "fr-FR"
    assert accept_language("ja, *;q=0.1") is None
    assert accept_language("fr-CA;q=0, en-GB") == "en-GB"
    assert accept_language("") is None


def test_the_page_escapes_every_value_and_names_its_language() -> None:
    t = words_for("fr-CA")
    hostile = "<script>alert(1)</script>"
    page = _page(
        t,
        t.gettext("Link Procore to {user}", user=hostile),
        connected_text(t, Connected("T1", "U1", 9, hostile, hostile)),
        200,
        ("https://x.example/?a=1&b='2'", hostile),
    )
    body = page.text or ""
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "lang='fr-CA'" in body and "Lier Procore à" in body and "&#x27;2&#x27;" in body
