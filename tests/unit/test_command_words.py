"""Everything a person reads in answer to a slash command (help, usage, `/cco status`,
`/cco history` and its trail and CSV headers, `/cco link`, `/cco language`, `/cco connect`,
the failure answer and the short notices) renders in every locale with every placeholder
filled, and the pseudo-locale shows no text that skipped the catalogs (issue 13)."""

from __future__ import annotations

import re

import pytest

from erp.registry import info_for
from flows.accounts import ConnectRefused
from flows.alerting import ALERTS_EVENT
from flows.history import CSV_COLUMNS, FAILED_EVENT, REFUSED_EVENT, History, Trail
from flows.language import LANGUAGE_EVENT, LanguageSet
from flows.linking import (
    NO_SUCH_PROJECT,
    OTHER_COMPANY,
    LinkChangedMeanwhile,
    Linked,
    LinkRefused,
    NotIdentified,
    NotOnProject,
    ProjectHidden,
)
from flows.outcomes import NotLinked, UnknownUser
from flows.status import StatusReport
from flows.unlink import Finished
from flows.views import AttemptView, EventView, LinkView, RequestView
from handlers import commands
from handlers.accounts_io import connect_message, connected_notice, refused_notice
from handlers.blocks import answers
from handlers.blocks.language import (
    language_not_linked,
    language_refused,
    language_set,
    language_shown,
)
from handlers.blocks.links import hidden_message, link_answer
from handlers.blocks.trail import trail_message
from handlers.failures import failure_notice
from handlers.notes import private_note
from i18n import PSEUDO, Words, words_for
from i18n.pseudo import texts_of
from procore.errors import ProcoreUnreachable
from procore.models import PermissionSnapshot, ProcoreUser
from procore.permissions import DEFAULT_KEYS, evaluate
from storage.models import UnlinkAttempt
from storage.states import RequestStatus
from tests.unit.locale_sweep import AT, LOCALES, PROJECT, TITLE, same_as_english, untranslated_texts

#: values without English words, so the pseudo-locale shows only what a message left out
NAME, EMAIL = "Åñå Ŕîñ", "åñå@é.ŧ"
ERP = info_for("acumatica")
ATTEMPT = UnlinkAttempt(
    reference="R-1",
    team_id="T1",
    channel_id="C1",
    card_ts="1.1",
    company_id=1,
    project_id=12,
    cco_id=2,
    cco_number="002",
    slack_user_id="U0ANA",
)
#: proper names a pseudo run shows as they are: the ERP's, and each language's own name
NAMES = re.compile(r"Acumatica|\w[\w ]*\([\w ]+\)")


def _user(active: bool = True) -> ProcoreUser:
    return ProcoreUser(7, NAME, EMAIL, active, True, 1)


def _reports() -> list[StatusReport]:
    ok = PermissionSnapshot(_user(), 12, 4, 3, True)
    bad = PermissionSnapshot(_user(), 12, 2, 0, False)
    return [
        StatusReport(None, None, PROJECT, (), not_linked=NotLinked()),
        StatusReport(None, None, PROJECT, ()),
        StatusReport(EMAIL, None, PROJECT, ()),
        StatusReport(EMAIL, _user(active=False), None, ()),
        StatusReport(EMAIL, _user(), PROJECT, tuple(evaluate(ok, DEFAULT_KEYS, PROJECT)), "linked"),
        StatusReport(EMAIL, _user(), PROJECT, tuple(evaluate(bad, DEFAULT_KEYS, PROJECT))),
    ]


def _attempts() -> list[AttemptView]:
    kinds = ("unlinked", "still_in_erp", "permission_denied", "unreachable", None, "new_kind")
    return [
        AttemptView(f"R-{i}", i, "00" + str(i), "U0ANA", AT, AT, kind)
        for i, kind in enumerate(kinds)
    ]


def _histories() -> list[History]:
    return [
        History(_attempts(), "https://x/audit/1.csv", "", 6),
        History(_attempts()[:1], None, "004 `*x*`", 6),
        History([], None, "zz", 1),
        History([], None, "zz", 3),
        History([], None, "", 0),
    ]


def _request(status: RequestStatus, reason: str = "№ 42") -> RequestView:
    decided = status != RequestStatus.PENDING
    return RequestView(
        1, "Q-7K2M", "C1", PROJECT, "002", TITLE, "U0CHLOE", reason, status, AT, AT,
        decided_by="U0ANA" if decided else None,
        decided_at=AT if decided else None,
        decision_reason="№ 9" if status == RequestStatus.DENIED else None,
        attempt_reference="R-2" if status == RequestStatus.APPROVED else None,
    )  # fmt: skip


PROCORE_SLOW = "Procore did not answer in time (it may be down or busy)"


def _events() -> list[EventView]:
    def event(name: str, outcome: str | None = None, **detail: object) -> EventView:
        return EventView(AT, "R-2", name, "U0ANA", "002", outcome, dict(detail))

    states = ("present", "deleted", "reversed", "voided", "canceled", "unreachable", "other")
    return [
        event("claimed"),
        *(event("erp_checked", state, erp_reference="№-7", erp_status="Öþéñ") for state in states),
        event("finished", "unlinked"),
        event("finished", "still_in_erp", erp_reference="№-7", erp_status="Öþéñ"),
        event("finished", "permission_denied", missing=["Commitments", "Can Push to Accounting"]),
        event("reconciled", "unreachable", system="Procore"),
        event("lease_lost"),
        event("written_after_lease_lost"),
        event("channel_linked", to_project_name=PROJECT),
        event("channel_link_moved", to_project_id=12),
        event(FAILED_EVENT, what="the Unlink button", why=PROCORE_SLOW),
        event(FAILED_EVENT, what="/cco unlink {x}", why="of an error on our side"),
        event(REFUSED_EVENT, what="/cco link 9", said="❌ №"),
        event(LANGUAGE_EVENT, to="fr-CA"),
        event(LANGUAGE_EVENT, to=None),
        *(event(ALERTS_EVENT, to=to) for to in _ALERT_SETTINGS),
    ]  # fmt: skip


_ALERT_SETTINGS = [
    {"mode": "on", "digest_at": None, "digest_tz": None},
    {"mode": "synced", "digest_at": "07:30", "digest_tz": "America/Toronto"},
    {"mode": "unlinked", "digest_at": None, "digest_tz": None},
    {"mode": "off", "digest_at": None, "digest_tz": None},
]


def test_a_channels_alert_setting_has_its_own_sentence_in_the_trail() -> None:
    t = words_for("en-US")
    events = [e for e in _events() if e.event == ALERTS_EVENT]
    shown = texts_of(trail_message(t, Trail("R-9", [], None, events), ERP))
    said = " ".join(shown)
    assert "channel alerts set" not in said  # not the generic fallback
    assert "set this channel's alerts to every CCO synced to " in said
    assert "CCOs synced to " in said and "in one message a day at 07:30 (America/Toronto)" in said
    assert "CCOs unlinked in Procore or deleted, each told as it happens" in said
    assert "turned this channel's alerts off" in said


def _trails() -> list[Trail]:
    approval = AttemptView("R-2", 2, "002", "U0ANA", AT, AT, "unlinked", 1, "U0CHLOE")
    return [
        Trail("R-2", [approval], _request(RequestStatus.APPROVED), _events()[:10]),
        Trail("R-2", [approval], None, _events()[10:]),
        Trail("Q-7K2M", [], _request(RequestStatus.DENIED, ""), []),
        Trail("Q-7K2M", [], _request(RequestStatus.EXPIRED), []),
        Trail("Q-7K2M", [], _request(RequestStatus.PENDING), []),
        Trail("R-3", [AttemptView("R-3", 3, "003", "U0ANA", AT)], None, _events()[:1]),
        Trail("R-4"),
    ]


def _links(t: Words) -> list[dict[str, object]]:
    link = LinkView(12, PROJECT, "U0BEN")
    results = [
        Linked(12, PROJECT, "R-1"),
        Linked(12, PROJECT, "R-1", 11, TITLE),
        Linked(12, PROJECT, unchanged=True),
        LinkRefused(NO_SUCH_PROJECT, "R-1", 12),
        LinkRefused(OTHER_COMPANY, "R-1", 12),
        LinkChangedMeanwhile(12),
        NotIdentified(UnknownUser(None), 12, "R-1"),
        NotIdentified(UnknownUser(EMAIL, inactive=True), 12, "R-1"),
        NotIdentified(UnknownUser(EMAIL), 12, "R-1"),
        NotOnProject(12, 12, None, "R-1"),
        NotOnProject(11, 12, link, "R-1"),
    ]
    found = [link_answer(t, result, "U0ANA")[0] for result in results]
    for who in (None, UnknownUser(None), UnknownUser(EMAIL, inactive=True), UnknownUser(EMAIL)):
        found.append(hidden_message(t, ProjectHidden(link, who, "R-1")))
    return found


def _accounts(t: Words) -> list[object]:
    refusals = [
        ConnectRefused("x", "U0ANA", "wrong_person", NAME),
        ConnectRefused("x", "U0ANA", "no_email", NAME),
        ConnectRefused("x", "U0ANA", "taken", NAME, "U0BEN"),
        ConnectRefused("x", "U0ANA", "taken", NAME),
    ]
    return [
        connect_message(t, "https://x/connect", None),
        connect_message(t, "https://x/connect", NAME),
        connected_notice(t, NAME),
        *(refused_notice(t, refused) for refused in refusals),
        private_note(t, Finished(ATTEMPT, UnknownUser(EMAIL))),
        private_note(t, Finished(ATTEMPT, UnknownUser(EMAIL, inactive=True))),
    ]


def _messages(t: Words) -> list[object]:
    unknown = commands.parse("dissocer")
    assert isinstance(unknown, commands.Usage)
    return [
        answers.help_message(t),
        answers.usage_message(t, unknown.in_words(t)),
        answers.stale_button(t),
        answers.not_linked_message(t),
        answers.busy_message(t, "002", "U0ANA", "R-1"),
        answers.busy_message(t, "002", None, None, AT, unlinked=True),
        answers.busy_message(t, "002", "U0ANA", "R-1", AT, unlinked=False),
        *(answers.status_message(t, report) for report in _reports()),
        *(answers.history_message(t, PROJECT, found, ERP.name) for found in _histories()),
        *(trail_message(t, found, ERP) for found in _trails()),
        *_links(t),
        language_shown(t, "fr-CA", "en-US"),
        language_not_linked(t),
        language_set(t, LanguageSet("de-DE", "R-1"), "U0ANA", "en-US"),
        language_set(t, LanguageSet(None, "R-1"), "U0ANA", "en-US"),
        language_refused(t, "R-1"),
        failure_notice(t, ProcoreUnreachable("down"), "R-1"),
        failure_notice(t, RuntimeError("boom"), "R-1"),
        *_accounts(t),
        [t.gettext(column) for column in CSV_COLUMNS],
    ]


def all_texts(t: Words) -> list[str]:
    found: list[str] = []
    for item in _messages(t):
        if item is None:
            continue
        found += [item] if isinstance(item, str) else texts_of(item)
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_answer_renders_with_every_placeholder_filled(locale: str) -> None:
    texts = all_texts(words_for(locale))
    assert texts
    for text in texts:
        outside = re.sub(r"<[^<>]*>|`[^`]*`", "", text)
        assert "{" not in outside and "}" not in outside, text


def test_the_pseudo_locale_shows_no_untranslated_text() -> None:
    assert untranslated_texts(all_texts(words_for(PSEUDO)), NAMES) == {}


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR", "es-419", "de-DE"])
def test_each_language_says_it_in_its_own_words(locale: str) -> None:
    same = same_as_english(all_texts(words_for("en-US")), all_texts(words_for(locale)))
    assert [s for s in same if s not in ("detail",)] == []


def test_status_names_permissions_with_procores_words() -> None:
    report = _reports()[-1]
    fr = " ".join(texts_of(answers.status_message(words_for("fr-CA"), report)))
    assert "Engagements" in fr and "Intégrations ERP" in fr
    assert "Peut transmettre à la comptabilité" in fr
    en = " ".join(texts_of(answers.status_message(words_for("en-US"), report)))
    assert "*Commitments*" in en and "ERP Integrations" in en and "Can Push to Accounting" in en


def test_what_the_asker_typed_is_never_echoed_as_formatting() -> None:
    shown = " ".join(
        texts_of(answers.history_message(words_for("en-US"), PROJECT, _histories()[1]))
    )
    assert "`004 '*x*'`" in shown


def test_csv_headers_are_in_the_readers_language_and_the_source_keeps_its_names() -> None:
    assert [words_for("en-US").gettext(c) for c in CSV_COLUMNS] == list(CSV_COLUMNS)
    spanish = [words_for("es-419").gettext(c) for c in CSV_COLUMNS]
    assert spanish[:4] == ["fecha", "referencia", "evento", "resultado"]
