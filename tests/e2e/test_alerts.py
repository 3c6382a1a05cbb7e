"""Alerts (issue 14): what `flows.alerts` writes for recorded CCO changes and what the Slack
stand-in then shows. Changes are recorded as the index records them (storage), each pass runs
with a controlled clock, and delivery is the outbox's; no web app runs, so no background loop
races the passes (the watcher's own loop is H5's e2e test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime import Runtime, build_runtime
from flows.alerting import AlertChange, AlertsSet, set_alerts
from flows.alerts import alert_pass
from flows.outbox import deliver_pending
from flows.services import Services
from sandbox.slack.world import SlackMessage
from sandbox.stack import Stack, start_stack
from storage import alert_settings, cards, links, outbox, package_changes
from storage.alert_settings import AlertSetting
from storage.card_rows import CardRow
from storage.models import Card, ChannelLink, OutboxMessage
from storage.package_changes import PackageChange
from storage.states import AlertMode, ChangeKind
from tests.conftest import database_params, database_url, fresh_database
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, settings_for, text_of

OTHER_CHANNEL = "C0ALERTS2"
#: the stand-in workspace's team
TEAM = "T0CCOSBX"
#: the passes' clock: a weekday morning, in UTC
T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


@dataclass
class World:
    stack: Stack
    runtime: Runtime
    url: str

    @property
    def svc(self) -> Services:
        return self.runtime.services

    def channel(self, channel: str = TOWER_CHANNEL) -> list[SlackMessage]:
        return [m for m in self.stack.slack.channel_messages(channel) if m.user == self.bot]

    @property
    def bot(self) -> str:
        return self.stack.slack.bot_user_id


@pytest.fixture(params=database_params())
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    stack = await start_stack("acumatica")
    url = database_url(str(request.param), tmp_path)
    await (await fresh_database(url)).dispose()
    runtime = await build_runtime(settings_for(stack, url, public_url="http://127.0.0.1:9"))
    stack.slack.add_channel(OTHER_CHANNEL, "tower-a-office")
    try:
        await _link(runtime, TOWER_CHANNEL)
        yield World(stack, runtime, url)
    finally:
        await runtime.aclose()
        await stack.stop()


async def _link(runtime: Runtime, channel: str, locale: str | None = None) -> None:
    async with runtime.db.transaction() as s:
        link = ChannelLink(
            team_id=TEAM,
            channel_id=channel,
            company_id=runtime.services.policy.company_id,
            project_id=TOWER_A,
            project_name="Tower A",
            linked_by="U0ANA",
            locale=locale,
        )
        await links.save_channel_link(session=s, link=link)


async def _record(
    world: World, *changes: tuple[int, str, str, ChangeKind], at: datetime = T0
) -> None:
    async with world.runtime.db.transaction() as s:
        for package_id, number, title, kind in changes:
            change = PackageChange(
                project_id=TOWER_A,
                package_id=package_id,
                number=number,
                title=title,
                kind=kind,
                changed_at=at,
                recorded_at=at,
            )
            package_changes.add_change(session=s, change=change)


async def _set(world: World, channel: str, **values: object) -> None:
    async with world.runtime.db.transaction() as s:
        setting = await alert_settings.get_setting(
            session=s, team_id=TEAM, channel_id=channel
        ) or AlertSetting(team_id=TEAM, channel_id=channel)
        for name, value in values.items():
            setattr(setting, name, value)
        alert_settings.save_setting(session=s, setting=setting)


async def _pass(world: World, at: datetime) -> int:
    written = await alert_pass(world.svc, now=at)
    await deliver_pending(world.svc)
    return written


async def test_one_synced_cco_is_one_alert_in_the_channel(world: World) -> None:
    await _record(world, (4, "004", "Windows", ChangeKind.SYNCED))
    early = await _pass(world, T0 + timedelta(seconds=0.1))  # the burst may not be over yet
    written = await _pass(world, T0 + timedelta(seconds=0.5))
    again = await _pass(world, T0 + timedelta(seconds=5))
    (alert,) = world.channel()
    assert (early, written, again) == (0, 1, 0)
    assert alert.text == "CCO #004 “Windows” was synced to Acumatica"
    assert alert.thread_ts is None
    assert (alert.metadata or {}).get("event_type") == "cco_alert"


async def test_a_burst_of_200_is_one_summary(world: World) -> None:
    burst = [(n, f"{n:03d}", f"Item {n}", ChangeKind.SYNCED) for n in range(1, 201)]
    await _record(world, *burst)
    written = await _pass(world, T0 + timedelta(seconds=1))
    (summary,) = world.channel()
    assert written == 1
    assert "200 CCOs were synced to Acumatica: #001, #002" in summary.text
    assert "#010 and 190 more" in summary.text and "#011" not in summary.text


async def test_a_burst_longer_than_a_second_is_one_message_that_grows(world: World) -> None:
    """200 CCOs synced over 3 s: the first summary goes out as soon as it is due, then the same
    message is updated (chat.update) while the burst goes on; the channel sees one message."""
    burst = [(n, f"{n:03d}", f"Item {n}", ChangeKind.SYNCED) for n in range(1, 201)]
    written, seen = [], []
    for step in range(30):  # about 7 every 0.1 s
        at = T0 + timedelta(seconds=step * 0.1)
        await _record(world, *burst[step * 7 : 200 if step == 29 else (step + 1) * 7], at=at)
        written.append(await _pass(world, at + timedelta(seconds=0.05)))
        seen.append(len(world.channel()))
    written.append(await _pass(world, T0 + timedelta(seconds=4)))
    (summary,) = world.channel()
    assert seen.index(1) <= 11  # the first summary within ~1 s of the first change
    assert sum(written) >= 3  # the first message, then its updates
    assert "200 CCOs were synced to Acumatica: #001, #002" in summary.text
    assert "#010 and 190 more" in summary.text


async def test_a_change_of_another_kind_within_the_burst_is_a_message_of_its_own(
    world: World,
) -> None:
    await _record(world, (4, "004", "Windows", ChangeKind.SYNCED))
    await _pass(world, T0 + timedelta(seconds=0.5))
    later = T0 + timedelta(seconds=3)  # within the burst's window
    await _record(world, (4, "004", "Windows", ChangeKind.UNSYNCED), at=later)
    await _pass(world, later + timedelta(seconds=0.5))
    synced, unlinked = world.channel()
    assert synced.text == "CCO #004 “Windows” was synced to Acumatica"
    assert unlinked.text == "CCO #004 “Windows” was unlinked in Procore"


async def test_each_channel_gets_what_its_mode_wants_and_off_silences(world: World) -> None:
    await _link(world.runtime, OTHER_CHANNEL)
    await _set(world, TOWER_CHANNEL, mode=AlertMode.SYNCED)
    await _set(world, OTHER_CHANNEL, mode=AlertMode.UNLINKED)
    await _record(
        world,
        (4, "004", "Windows", ChangeKind.SYNCED),
        (5, "005", "Doors", ChangeKind.UNSYNCED),
        (6, "006", "Roof", ChangeKind.DELETED),
    )
    await _pass(world, T0 + timedelta(seconds=1))
    synced = [m.text for m in world.channel(TOWER_CHANNEL)]
    unlinked = [m.text for m in world.channel(OTHER_CHANNEL)]
    await _set(world, TOWER_CHANNEL, mode=AlertMode.OFF)
    await _set(world, OTHER_CHANNEL, mode=AlertMode.OFF)
    await _record(world, (7, "007", "Glass", ChangeKind.SYNCED), at=T0 + timedelta(seconds=2))
    silenced = await _pass(world, T0 + timedelta(seconds=3))
    assert synced == ["CCO #004 “Windows” was synced to Acumatica"]
    assert unlinked == ["CCO #005 “Doors” was unlinked in Procore", "CCO #006 “Roof” was deleted"]
    assert silenced == 0
    assert len(world.channel(TOWER_CHANNEL)) == 1 and len(world.channel(OTHER_CHANNEL)) == 2


async def test_an_unlinked_row_of_a_card_is_told_in_the_cards_thread(world: World) -> None:
    card_message = world.stack.slack.post(TOWER_CHANNEL, "the card")
    async with world.runtime.db.transaction() as s:
        card = Card(
            team_id=TEAM,
            channel_id=TOWER_CHANNEL,
            message_ts=card_message.ts,
            company_id=world.svc.policy.company_id,
            project_id=TOWER_A,
            rows=[CardRow(id=5, number="005", title="Doors")],
            listed=[5],
            created_by="U0ANA",
        )
        cards.add_card(session=s, card=card)
    await _record(
        world,
        (5, "005", "Doors", ChangeKind.UNSYNCED),
        (8, "008", "Stairs", ChangeKind.SYNCED),
    )
    await _pass(world, T0 + timedelta(seconds=1))
    replies = world.stack.slack.thread_replies(TOWER_CHANNEL, card_message.ts)
    top = [m.text for m in world.channel() if m.thread_ts is None and m.ts != card_message.ts]
    assert [r.text for r in replies] == ["CCO #005 “Doors” was unlinked in Procore"]
    assert top == ["CCO #008 “Stairs” was synced to Acumatica"]


async def test_a_digest_channel_gets_one_message_a_day_at_its_time(world: World) -> None:
    await _set(
        world,
        TOWER_CHANNEL,
        digest_at="09:00",
        digest_tz="Europe/Paris",  # 09:00 in Paris is 08:00 UTC in March
        digest_since=T0 - timedelta(hours=12),
    )
    await _record(
        world,
        (4, "004", "Windows", ChangeKind.SYNCED),
        (5, "005", "Doors", ChangeKind.DELETED),
        at=T0 - timedelta(hours=2),
    )
    before = await _pass(world, T0 - timedelta(minutes=30))  # 08:30 in Paris
    at_nine = await _pass(world, T0 + timedelta(minutes=1))
    later = await _pass(world, T0 + timedelta(hours=3))
    next_day = await _pass(world, T0 + timedelta(days=1, minutes=1))  # nothing changed since
    (digest,) = world.channel()
    assert (before, at_nine, later, next_day) == (0, 1, 0, 0)
    assert "1 CCO was synced to Acumatica: #004" in digest.text
    assert "1 CCO was deleted: #005" in digest.text


async def test_a_digest_after_a_restart_leaves_out_the_apps_own_changes(world: World) -> None:
    """The app's own Procore account is looked up by the digest pass too: after a restart no
    live alert pass has looked it up (the changes were gathered before it)."""
    app_user = (await world.svc.procore.service_account()).id
    await _set(world, TOWER_CHANNEL, digest_at="09:00", digest_tz="Europe/Paris")
    async with world.runtime.db.transaction() as s:
        for package_id, by in ((4, 31), (5, app_user)):
            change = PackageChange(
                project_id=TOWER_A,
                package_id=package_id,
                number=f"{package_id:03d}",
                title="Item",
                kind=ChangeKind.SYNCED,
                changed_at=T0 - timedelta(hours=2),
                recorded_at=T0 - timedelta(hours=2),
                by_user_id=by,
            )
            package_changes.add_change(session=s, change=change)
    assert await _pass(world, T0 - timedelta(minutes=30)) == 0  # gathered for the digest
    restarted = await build_runtime(
        settings_for(world.stack, world.url, public_url="http://127.0.0.1:9")
    )
    try:
        written = await alert_pass(restarted.services, now=T0 + timedelta(minutes=1))
        await deliver_pending(restarted.services)
    finally:
        await restarted.aclose()
    (digest,) = world.channel()
    assert written == 1
    assert "1 CCO was synced to Acumatica: #004" in digest.text and "#005" not in digest.text


async def test_leaving_digest_mode_writes_what_was_gathered_at_once(world: World) -> None:
    await _set(
        world,
        TOWER_CHANNEL,
        digest_at="23:00",
        digest_tz="UTC",
        digest_since=T0 - timedelta(hours=12),
    )
    await _record(world, (4, "004", "Windows", ChangeKind.SYNCED), at=T0 - timedelta(hours=2))
    assert await _pass(world, T0 - timedelta(hours=1)) == 0  # gathered for 23:00
    async with world.runtime.db.session() as s:
        link = await links.get_channel_link(session=s, team_id=TEAM, channel_id=TOWER_CHANNEL)
    assert link is not None
    result = await set_alerts(world.svc, link, "U0ANA", AlertChange(mode=AlertMode.ON), None)
    assert isinstance(result, AlertsSet) and result.view.digest_at is None
    await deliver_pending(world.svc)
    told = [m.text for m in world.channel() if "#004" in (m.text or "")]
    assert len(told) == 1 and "1 CCO was synced to Acumatica: #004" in told[0]
    assert await _pass(world, T0 + timedelta(hours=16)) == 0  # no digest follows


async def test_two_replicas_passing_at_once_post_each_alert_once(world: World) -> None:
    other = await build_runtime(
        settings_for(world.stack, world.url, public_url="http://127.0.0.1:9")
    )
    try:
        await _record(world, (4, "004", "Windows", ChangeKind.SYNCED))
        await _set(world, TOWER_CHANNEL)  # a row, so the digest pass reads settings too
        at = T0 + timedelta(seconds=1)
        written = await asyncio.gather(
            alert_pass(world.svc, now=at), alert_pass(other.services, now=at)
        )
        await asyncio.gather(deliver_pending(world.svc), deliver_pending(other.services))
    finally:
        await other.aclose()
    async with world.runtime.db.session() as s:
        owed: list[OutboxMessage] = list(await outbox.undelivered(session=s, max_tries=99))
    assert sorted(written) == [0, 1]
    assert [m.text for m in world.channel()] == ["CCO #004 “Windows” was synced to Acumatica"]
    assert owed == []


async def test_a_french_channel_reads_its_alert_in_french(world: World) -> None:
    await _link(world.runtime, OTHER_CHANNEL, locale="fr-CA")
    await _set(world, TOWER_CHANNEL, mode=AlertMode.OFF)
    await _record(world, (4, "004", "Fenêtres", ChangeKind.SYNCED))
    await _pass(world, T0 + timedelta(seconds=1))
    (alert,) = world.channel(OTHER_CHANNEL)
    assert alert.text == "ODCE #004 «\u00a0Fenêtres\u00a0» a été synchronisé avec Acumatica"


async def test_a_hostile_title_is_shown_as_text(world: World) -> None:
    await _record(world, (4, "<!channel>", "<@U0BEN> *now* & <http://x|y>", ChangeKind.DELETED))
    await _pass(world, T0 + timedelta(seconds=1))
    (alert,) = world.channel()
    shown = text_of(alert)
    assert "<!channel>" not in shown and "<@U0BEN>" not in shown and "<http" not in shown
    assert "&lt;!channel&gt;" in alert.text and "&lt;@U0BEN&gt;" in alert.text
