"""Each person's Slack locale: the stand-in's `users.info` shows it with `include_locale=true`
(as Slack's method reference says), and the app's directory remembers it from the answer it
reads anyway (`handlers/reader_locale.py`)."""

from __future__ import annotations

from handlers.slack_io import SlackDirectory
from tests.adapters.slack_fixtures import ANA, BEN, Slack, slack

__all__ = ["slack"]


async def test_users_info_shows_the_locale_only_when_asked(slack: Slack) -> None:
    slack.workspace.users[ANA].locale = "fr-CA"
    client = slack.client()
    assert "locale" not in (await client.users_info(user=ANA))["user"]
    asked = (await client.users_info(user=ANA, include_locale=True))["user"]
    assert asked["locale"] == "fr-CA"
    # every stand-in user has one: en-US unless a test sets another
    assert (await client.users_info(user=BEN, include_locale=True))["user"]["locale"] == "en-US"


async def test_the_directory_reads_the_locale_with_the_email_in_one_call(slack: Slack) -> None:
    slack.workspace.users[ANA].locale = "de-DE"
    directory = SlackDirectory(slack.client())
    team = slack.workspace.team_id
    before = slack.workspace.recorder.count("GET", "users.info")
    assert await directory.locale_of(team, ANA) == "de-DE"
    assert await directory.email_of(ANA) == "Ana.Ruiz@example.com"  # the same answer, once
    assert await directory.locale_of(team, ANA) == "de-DE"  # remembered: no call
    assert slack.workspace.recorder.count("GET", "users.info") - before == 1
    # a later email read asks Slack again (an email is never served from the locale cache)
    assert await directory.email_of(ANA) == "Ana.Ruiz@example.com"
    assert slack.workspace.recorder.count("GET", "users.info") - before == 2


async def test_an_email_read_fills_the_locale_too(slack: Slack) -> None:
    slack.workspace.users[BEN].locale = "es-419"
    directory = SlackDirectory(slack.client())
    await directory.email_of(BEN)
    assert directory.locales.get(slack.workspace.team_id, BEN) == "es-419"


async def test_an_unknown_person_has_no_locale(slack: Slack) -> None:
    directory = SlackDirectory(slack.client())
    assert await directory.locale_of(slack.workspace.team_id, "U0NOBODY") is None
