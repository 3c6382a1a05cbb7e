"""Package changes and alert settings (issue 14): when a project's changes are due, one claim
takes them, alerted ones are not taken again; a channel's digest is claimed once per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import alert_settings, package_changes
from storage.alert_settings import AlertSetting
from storage.db import Database
from storage.package_changes import PackageChange
from storage.states import ChangeKind

T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def _change(project_id: int, package_id: int, at: datetime) -> PackageChange:
    return PackageChange(
        project_id=project_id,
        package_id=package_id,
        number=f"{package_id:03d}",
        title="Windows",
        kind=ChangeKind.SYNCED,
        changed_at=at,
        recorded_at=at,
    )


async def test_changes_are_due_once_quiet_or_once_the_oldest_waited(db: Database) -> None:
    async with db.transaction() as s:
        package_changes.add_change(session=s, change=_change(1, 1, T0))
        # project 2: a stream that never pauses 0.3 s, the oldest 1 s old at T0 + 1 s
        for tick in range(6):
            at = T0 + timedelta(seconds=0.2 * tick)
            package_changes.add_change(session=s, change=_change(2, 10 + tick, at))
    async with db.session() as s:
        at_once = await package_changes.due_projects(session=s, now=T0 + timedelta(seconds=0.1))
        quiet = await package_changes.due_projects(session=s, now=T0 + timedelta(seconds=0.3))
        waited = await package_changes.due_projects(session=s, now=T0 + timedelta(seconds=1))
    assert (at_once, quiet, sorted(waited)) == ([], [1], [1, 2])


async def test_one_claim_takes_a_projects_changes_and_alerted_ones_stay_taken(
    db: Database,
) -> None:
    now = T0 + timedelta(seconds=2)
    async with db.transaction() as s:
        package_changes.add_change(session=s, change=_change(1, 1, T0))
        package_changes.add_change(session=s, change=_change(1, 2, T0))
    async with db.transaction() as s:
        first = await package_changes.claim_project(
            session=s, project_id=1, until=now + timedelta(seconds=30), now=now
        )
    async with db.transaction() as s:
        second = await package_changes.claim_project(
            session=s, project_id=1, until=now + timedelta(seconds=30), now=now
        )
        await package_changes.mark_alerted(session=s, changes=first, at=now)
    later = now + timedelta(minutes=5)  # the claim has run out, but they were alerted
    async with db.transaction() as s:
        third = await package_changes.claim_project(
            session=s, project_id=1, until=later + timedelta(seconds=30), now=later
        )
        due = await package_changes.due_projects(session=s, now=later)
        listed = await package_changes.changes_between(
            session=s, project_id=1, since=T0 - timedelta(seconds=1), until=later
        )
    assert [c.package_id for c in first] == [1, 2]
    assert (list(second), list(third), due) == ([], [], [])
    assert len(listed) == 2  # a digest still lists them


async def test_a_digest_is_claimed_once_per_day(db: Database) -> None:
    async with db.transaction() as s:
        setting = AlertSetting(team_id="T1", channel_id="C1", digest_at="09:00", digest_tz="UTC")
        alert_settings.save_setting(session=s, setting=setting)
    async with db.session() as s:
        (stored,) = await alert_settings.digest_settings(session=s)
    assert stored.id is not None
    until = datetime.now(UTC) + timedelta(seconds=30)
    claims = []
    for day in ("2026-03-04", "2026-03-04", "2026-03-05"):
        async with db.transaction() as s:
            claimed = await alert_settings.claim_digest(
                session=s, setting_id=stored.id, day=day, until=until
            )
            if claimed:
                await alert_settings.digest_done(
                    session=s, setting_id=stored.id, day=day, through=T0
                )
            claims.append(claimed)
    assert claims == [True, False, True]
