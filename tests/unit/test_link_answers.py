"""The `/cco link` and `/cco connect` answers escape every Procore-supplied name in mrkdwn."""

from __future__ import annotations

from flows.accounts import ConnectRefused
from flows.linking import Linked, NotOnProject, ProjectHidden
from flows.outcomes import UnknownUser
from handlers.accounts_io import refused_notice
from handlers.blocks.links import hidden_message, link_answer
from i18n import words_for
from storage.models import ChannelLink

HOSTILE = "<!channel> <https://x.example|open>"
EN = words_for("en-US")


def _link(name: str = HOSTILE) -> ChannelLink:
    return ChannelLink(
        team_id="T1",
        channel_id="C1",
        company_id=1,
        project_id=101,
        project_name=name,
        linked_by="U0ANA",
    )


def test_a_relink_announcement_escapes_both_project_names() -> None:
    message, response_type = link_answer(
        EN, Linked(202, HOSTILE, "R-ABCDEFGH", 101, HOSTILE + " old"), "U0BEN"
    )

    assert response_type == "in_channel"
    assert "<!channel>" not in message["text"] and "<https://" not in message["text"]
    assert message["text"].count("&lt;!channel&gt;") == 2
    assert "<@U0BEN> moved" in message["text"] and "ref `R-ABCDEFGH`" in message["text"]


def test_refusals_are_private_and_escape_names_and_emails() -> None:
    refusal = NotOnProject(101, 202, _link(), "R-ABCDEFGH")
    message, response_type = link_answer(EN, refusal, "U0BEN")
    hidden = hidden_message(EN, ProjectHidden(_link(), UnknownUser(f"{HOSTILE}@x"), "R-ABCDEFGH"))

    assert response_type == "ephemeral"
    for text in (message["text"], hidden["text"]):
        assert "<!channel>" not in text and "&lt;!channel&gt;" in text
        assert "ref `R-ABCDEFGH`" in text


def test_the_connect_refusal_dm_escapes_the_procore_name() -> None:
    refused = ConnectRefused("page", "U0CHLOE", "wrong_person", HOSTILE)
    taken = ConnectRefused("page", "U0BEN", "taken", HOSTILE, "U0ANA")

    for text in (refused_notice(EN, refused), refused_notice(EN, taken)):
        assert text is not None and "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<@U0ANA>" in str(refused_notice(EN, taken))
    assert refused_notice(EN, ConnectRefused("expired link")) is None
