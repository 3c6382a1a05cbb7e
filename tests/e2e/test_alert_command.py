"""`/cco alerts` through signed Slack requests (issue 14): shown to the asker, changed by
someone allowed to link the channel and announced to it, a bad time refused with nothing
changed, and why no alerts come when PUBLIC_URL is unset."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from storage import alert_settings
from storage.alert_settings import AlertSetting
from storage.models import AuditEvent
from storage.states import AlertMode
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, start_rig, stop_rig, text_of


async def _ephemeral(rig: Rig, user: str, words: str) -> str:
    await rig.until(lambda: any(words in text_of(m) for m in rig.stack.slack.ephemerals_for(user)))
    return next(text_of(m) for m in rig.stack.slack.ephemerals_for(user) if words in text_of(m))


async def _in_channel(rig: Rig, words: str) -> str:
    def posted() -> list[str]:
        return [text_of(m) for m in rig.stack.slack.channel_messages(TOWER_CHANNEL)]

    await rig.until(lambda: any(words in text for text in posted()))
    return next(text for text in posted() if words in text)


async def _setting(rig: Rig) -> AlertSetting | None:
    async with rig.runtime.db.session() as s:
        return await alert_settings.get_setting(
            session=s, team_id=rig.stack.slack.team_id, channel_id=TOWER_CHANNEL
        )


async def test_the_channels_alerts_are_shown_and_changed(rig: Rig) -> None:
    await rig.link()
    await rig.command("alerts")
    shown = await _ephemeral(rig, "U0ANA", "This channel is told when CCOs are synced to")
    assert "as it happens" in shown and "`/cco alerts on`" in shown

    rig.stack.slack.users["U0ANA"].tz = "America/Toronto"
    await rig.command("alerts digest 7:30")
    said = await _in_channel(rig, "changed this channel's alerts")
    assert "<@U0ANA>" in said and "07:30 (America/Toronto)" in said and "ref `R-" in said
    setting = await _setting(rig)
    assert setting is not None
    assert (setting.mode, setting.digest_at, setting.digest_tz) == (
        AlertMode.ON,
        "07:30",
        "America/Toronto",
    )

    await rig.command("alerts digest 25:00")
    refused = await _ephemeral(rig, "U0ANA", "is not a time of day")
    assert "Nothing was changed" in refused
    await rig.command("alertes off")
    await _in_channel(rig, "Alerts are off in this channel")
    setting = await _setting(rig)
    assert setting is not None and setting.mode == AlertMode.OFF
    assert setting.digest_at == "07:30"  # a bad time changed nothing
    async with rig.runtime.db.session() as s:
        events = (await s.exec(select(AuditEvent))).all()
    changes = [e.detail for e in events if e.event == "channel_alerts_set"]
    assert [c["to"]["mode"] for c in changes] == ["on", "off"]


async def test_someone_outside_the_project_cannot_change_them(rig: Rig) -> None:
    await rig.link()
    rig.stack.procore.world.remove_membership(TOWER_A, rig.stack.index.users["ben"])
    await rig.command("alerts off", user="U0BEN")
    refused = await _ephemeral(rig, "U0BEN", "Only someone allowed to link this channel")
    assert "change its alerts" in refused and "ref `R-" in refused
    assert await _setting(rig) is None


async def test_without_public_url_the_answer_says_why_no_alerts_come(tmp_path: Path) -> None:
    rig = await start_rig("sqlite", tmp_path, public_url=None)
    try:
        await rig.link()
        await rig.command("alerts")
        shown = await _ephemeral(rig, "U0ANA", "No alerts can come yet")
        assert "no public web address" in shown and "whoever runs the app" in shown
        assert "PUBLIC_URL" not in shown  # a setting's name means nothing in Slack
    finally:
        await stop_rig(rig)
