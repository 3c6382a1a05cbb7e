"""Applying Procore's recorded deliveries (flows.procore_events) against the Procore stand-in
over loopback, on SQLite and PostgreSQL: whose action a change was when deliveries of one
package arrive out of order."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from flows import index
from flows.procore_events import RESOURCE, apply_pending, read_delivery, record_delivery
from storage.models import ChannelLink
from storage.package_changes import PackageChange
from tests.e2e.test_index import COMPANY, PROJECT, World, add, world  # noqa: F401  (the fixture)


def body(event_id: int, package_id: int, user_id: int, timestamp: str) -> dict[str, Any]:
    """Procore's v2 delivery (research/procore_api.md §8)."""
    return {
        "id": event_id,
        "ulid": f"01J{event_id:023d}",
        "timestamp": timestamp,
        "user_id": user_id,
        "company_id": COMPANY,
        "project_id": PROJECT,
        "api_version": "v2",
        "event_type": "update",
        "resource_name": RESOURCE,
        "resource_id": package_id,
    }


async def test_the_latest_event_by_its_timestamp_names_who_changed_it(world: World) -> None:  # noqa: F811
    w = world
    package_id = add(w, 1, synced=False)
    async with w.svc.db.transaction() as s:
        s.add(
            ChannelLink(
                team_id="T1",
                channel_id="C1",
                company_id=COMPANY,
                project_id=PROJECT,
                project_name="Tower",
                linked_by="U1",
            )
        )
    await index.fill_project(w.svc, PROJECT)
    w.world.sync_package(PROJECT, package_id, "CO1")
    # the sync (by user 31, later) is delivered before an earlier edit (by user 30)
    later = read_delivery(body(501, package_id, 31, "2026-03-04T15:07:02.000000Z"))
    earlier = read_delivery(body(500, package_id, 30, "2026-03-04T15:07:00.000000Z"))
    assert await record_delivery(w.svc, later) and await record_delivery(w.svc, earlier)
    assert await apply_pending(w.svc) == 2
    async with w.svc.db.session() as s:
        changes = (await s.exec(select(PackageChange).order_by(col(PackageChange.id)))).all()
    assert [(c.package_id, c.by_user_id) for c in changes] == [(package_id, 31)]
