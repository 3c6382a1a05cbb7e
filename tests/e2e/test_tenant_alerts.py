"""Alerts with two tenants (issue 15 item 2), end to end with the stand-ins in many-workspace
mode: the demo workspace (tenant A, the demo Procore company) and Bravo (tenant B, a second
Procore company) are installed and set up, each links a channel to a project of its own company.
A CCO synced in A's Procore company is alerted in A's channel only, and B's in B's only; an
event of A's company never touches B's index or changes. Procore delivers through the Hooks
each link made (`ProcoreWorld.sync_package`), naming the project's company."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from flows.services import Services
from flows.watching import watch_project
from storage import links
from storage.models import ChannelLink
from storage.package_changes import PackageChange
from storage.packages import IndexedPackage
from storage.tenants import TenantSetup
from storage.webhook_events import WebhookEvent
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, stop_rig
from tests.e2e.test_alerts_e2e import alerts, unsynced_packages
from tests.e2e.test_slack_install import BRAVO, HOME, install, start_many

COMPANY_B, PROJECT_B, BETA_CHANNEL = 990001, 990101, "C0BETAYD"


@pytest.fixture(params=database_params())
async def two(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await start_many(request.param, tmp_path)
    try:
        yield rig
    finally:
        await stop_rig(rig)


def seed_company_b(rig: Rig) -> int:
    """A second Procore company where the app is installed: one ERP-integrated project with an
    unsynced CCO on a commitment. Returns the CCO's package id."""
    world = rig.stack.procore.world
    world.add_company("Beta Builders", id=COMPANY_B)
    for client in world.clients.values():
        if client.company_ids is not None:
            client.company_ids.add(COMPANY_B)
    world.add_project(COMPANY_B, "Beta Yard", is_erp_integrated=True, id=PROJECT_B)
    contract = world.add_commitment(PROJECT_B, "SC-B1", "Beta steel", vendor_name="Beta Steel")
    package = world.add_package(PROJECT_B, contract.id, "B-001", "Beta change", grand_total="5.00")
    rig.stack.slack.add_channel(BETA_CHANNEL, "beta-yard", members=["U0ANA"])
    return package.id


async def set_up(rig: Rig, team: str, company: int) -> Services:
    """The workspace installed by OAuth and set up (as App Home's Save stores it)."""
    assert (await install(rig, team)).status_code == 200
    env = rig.stack.app_env()
    erp = {
        "base_url": env["ERP_BASE_URL"],
        "username": env["ERP_USERNAME"],
        "password": env["ERP_PASSWORD"],
        "tenant": env["ERP_TENANT"],
    }
    tenants = rig.runtime.tenants
    assert tenants is not None and tenants.many
    await tenants.save(TenantSetup(team, team, None, company, "acumatica", erp, "U0ANA"))
    svc = await tenants.for_request(team, None)
    assert svc is not None and svc.policy.company_id == company
    return svc


async def link(svc: Services, team: str, channel: str, project: int) -> None:
    """The channel linked to the project in the tenant's company, then watched (its Hook made,
    its index filled), as `/cco link`'s after-ack work does."""
    row = ChannelLink(
        team_id=team,
        channel_id=channel,
        company_id=svc.policy.company_id,
        project_id=project,
        project_name=f"P{project}",
        linked_by="U0ANA",
    )
    async with svc.db.transaction() as s:
        await links.save_channel_link(session=s, link=row)
    await watch_project(svc, project)


async def rows_of(rig: Rig, model: type[IndexedPackage | PackageChange], project: int) -> int:
    async with rig.runtime.db.session() as s:
        found = await s.exec(select(model).where(model.project_id == project))
        return len(found.all())


async def test_each_tenants_procore_changes_alert_its_own_channel_only(two: Rig) -> None:
    rig = two
    package_b = seed_company_b(rig)
    company_a = int(rig.stack.app_env()["PROCORE_COMPANY_ID"])
    a = await set_up(rig, HOME, company_a)
    b = await set_up(rig, BRAVO, COMPANY_B)
    await link(a, HOME, TOWER_CHANNEL, TOWER_A)
    await link(b, BRAVO, BETA_CHANNEL, PROJECT_B)
    index_b = await rows_of(rig, IndexedPackage, PROJECT_B)
    assert index_b == 1

    (number_a, package_a), *_ = unsynced_packages(rig)
    world = rig.stack.procore.world
    world.sync_package(TOWER_A, package_a)  # Procore delivers with A's company_id
    await rig.until(lambda: len(alerts(rig, TOWER_CHANNEL)) >= 1, limit=5)
    await world.deliveries_idle()
    (told_a,) = alerts(rig, TOWER_CHANNEL)
    assert f"#{number_a}" in (told_a.text or "")
    assert alerts(rig, BETA_CHANNEL) == []
    # A's event was recorded as A's company's, applied by A; B's index and changes untouched
    async with rig.runtime.db.session() as s:
        events = (await s.exec(select(WebhookEvent))).all()
    assert {(e.company_id, e.project_id) for e in events} == {(company_a, TOWER_A)}
    assert all(e.applied_at is not None for e in events)
    assert await rows_of(rig, IndexedPackage, PROJECT_B) == index_b
    assert await rows_of(rig, PackageChange, PROJECT_B) == 0

    world.sync_package(PROJECT_B, package_b)  # and B's company's change
    await rig.until(lambda: len(alerts(rig, BETA_CHANNEL)) >= 1, limit=5)
    await world.deliveries_idle()
    (told_b,) = alerts(rig, BETA_CHANNEL)
    assert "#B-001" in (told_b.text or "")
    assert len(alerts(rig, TOWER_CHANNEL)) == 1  # A's channel heard nothing of B's
