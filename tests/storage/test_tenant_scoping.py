"""The webhook machinery's rows kept to their tenant (issue 15 item 2): a tenant's claim of
webhook events, its due projects, a project's channels and the digest channels are those of its
Procore company only; without a company (single-company mode) every row, as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import alert_settings, links, package_changes
from storage import webhook_events as events
from storage.alert_settings import AlertSetting
from storage.db import Database
from storage.models import ChannelLink, utcnow
from storage.package_changes import PackageChange
from storage.states import ChangeKind
from storage.webhook_events import WebhookEvent

COMPANY_A, COMPANY_B = 11, 22
PROJECT_A, PROJECT_B = 101, 202
T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def _event(key: str, company: int | None, project: int) -> WebhookEvent:
    return WebhookEvent(
        event_key=key,
        company_id=company,
        project_id=project,
        resource_name="Change Order Packages",
        resource_id=7,
        event_type="update",
    )


def _link(team: str, channel: str, company: int, project: int) -> ChannelLink:
    return ChannelLink(
        team_id=team,
        channel_id=channel,
        company_id=company,
        project_id=project,
        project_name="P",
        linked_by="U1",
    )


async def _claim(db: Database, company: int | None) -> list[str]:
    async with db.transaction() as s:
        until = utcnow() + timedelta(seconds=30)
        found = await events.claim_pending(
            session=s, until=until, limit=10, max_tries=5, company_id=company
        )
    return sorted(e.event_key for e in found)


async def test_a_tenant_claims_only_its_companys_events(db: Database) -> None:
    async with db.transaction() as s:
        await events.record_event(session=s, event=_event("a-1", COMPANY_A, PROJECT_A))
        await events.record_event(session=s, event=_event("b-1", COMPANY_B, PROJECT_B))
        await events.record_event(session=s, event=_event("old", None, PROJECT_A))
    assert await _claim(db, COMPANY_B) == ["b-1"]
    assert await _claim(db, COMPANY_B) == []
    assert await _claim(db, COMPANY_A) == ["a-1"]
    assert await _claim(db, None) == ["old"]  # single-company mode takes every row


async def test_due_projects_channels_and_digests_are_the_tenants(db: Database) -> None:
    async with db.transaction() as s:
        for project in (PROJECT_A, PROJECT_B):
            change = PackageChange(
                project_id=project,
                package_id=project + 1,
                kind=ChangeKind.SYNCED,
                changed_at=T0,
                recorded_at=T0,
            )
            package_changes.add_change(session=s, change=change)
        both = (_link("TA", "CA", COMPANY_A, PROJECT_A), _link("TB", "CB", COMPANY_B, PROJECT_B))
        for row in both:
            await links.save_channel_link(session=s, link=row)
        for team, channel in (("TA", "CA"), ("TB", "CB")):
            setting = AlertSetting(team_id=team, channel_id=channel, digest_at="09:00")
            alert_settings.save_setting(session=s, setting=setting)
    later = T0 + timedelta(seconds=5)
    async with db.session() as s:
        due_a = await package_changes.due_projects(session=s, now=later, company_id=COMPANY_A)
        due_all = await package_changes.due_projects(session=s, now=later)
        of_b = await links.project_links(session=s, project_id=PROJECT_B, company_id=COMPANY_A)
        own_b = await links.project_links(session=s, project_id=PROJECT_B, company_id=COMPANY_B)
        digests_b = await alert_settings.digest_settings(session=s, company_id=COMPANY_B)
        digests = await alert_settings.digest_settings(session=s)
    assert (due_a, sorted(due_all)) == ([PROJECT_A], [PROJECT_A, PROJECT_B])
    assert (list(of_b), [link.channel_id for link in own_b]) == ([], ["CB"])
    assert [d.channel_id for d in digests_b] == ["CB"]
    assert sorted(d.channel_id for d in digests) == ["CA", "CB"]
