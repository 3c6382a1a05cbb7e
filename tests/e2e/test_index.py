"""The package index (flows.index) against the Procore stand-in over loopback, on SQLite and
PostgreSQL: the fill, each transition a delivery's re-read finds, the reconciliation that catches
a missed event, and the card served from the index (the same page as the live read, 0 calls)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from erp.xero import INFO as XERO_INFO
from flows import index, watching
from flows.hooks import ensure_hook
from flows.linking import project_hidden
from flows.listing import synced_page
from flows.services import Policy, Services, WebhookConfig
from procore.client import ProcoreClient
from sandbox.faults import FaultRule
from sandbox.procore.app import ProcoreSandbox, start_procore
from sandbox.procore.wire import hook_json, package_json
from sandbox.procore.world import ProcoreWorld
from storage import audit, packages
from storage.db import Database
from storage.models import ChannelLink, UnlinkAttempt, utcnow
from storage.package_changes import PackageChange
from storage.states import AttemptState, ChangeKind
from tests.e2e.rig import Rig

COMPANY = 4242
CLIENT_ID, SECRET = "index-client", "index-secret"
PROJECT = 77
HOOKS = WebhookConfig(
    url="http://127.0.0.1:9/procore/webhooks", namespace="cco-bot", authorization="x"
)


class Clock:
    """Procore's clock: ours, moved by `offset` seconds."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclasses.dataclass
class World:
    procore: ProcoreSandbox
    clock: Clock
    svc: Services
    contracts: list[int]

    @property
    def world(self) -> ProcoreWorld:
        return self.procore.world

    def reads(self) -> int:
        return self.procore.recorder.count("GET", r"^/rest/")

    async def changes(self) -> list[tuple[int, ChangeKind]]:
        async with self.svc.db.session() as s:
            rows = (await s.exec(_all_changes())).all()
        return [(c.package_id, c.kind) for c in rows]

    async def row(self, package_id: int) -> packages.IndexedPackage | None:
        async with self.svc.db.session() as s:
            return await packages.get_package(session=s, project_id=PROJECT, package_id=package_id)


def _all_changes() -> Any:
    from sqlmodel import col, select

    return select(PackageChange).order_by(col(PackageChange.id))


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    clock = Clock()
    procore_world = ProcoreWorld(clock=clock)
    procore_world.add_company("Acme", id=COMPANY)
    procore_world.add_client(CLIENT_ID, SECRET, company_ids={COMPANY})
    procore_world.add_project(COMPANY, "Tower", is_erp_integrated=True, id=PROJECT)
    work = procore_world.add_commitment(
        PROJECT, "SC-001", "Drywall & framing", vendor_name="Acme Drywall"
    )
    purchase = procore_world.add_commitment(
        PROJECT, "PO-7", "Windows", vendor_name="Glass Co", type="PurchaseOrderContract"
    )
    sandbox = await start_procore(procore_world)
    async with httpx.AsyncClient(timeout=10) as http:
        client = ProcoreClient(
            api_url=sandbox.url,
            login_url=sandbox.url + "/",
            client_id=CLIENT_ID,
            client_secret=SECRET,
            company_id=COMPANY,
            http=http,
        )
        nothing = cast(Any, None)
        svc = Services(
            db=db,
            procore=client,
            erp=cast(Any, SimpleNamespace(info=XERO_INFO)),
            keys=nothing,
            directory=nothing,
            messenger=nothing,
            policy=Policy(company_id=COMPANY, currency="CAD"),
            webhooks=HOOKS,
        )
        try:
            yield World(sandbox, clock, svc, [work.id, purchase.id])
        finally:
            await sandbox.stop()


def add(w: World, number: int, *, synced: bool, contract: int = 0, title: str = "") -> int:
    package = w.world.add_package(
        PROJECT,
        w.contracts[contract],
        f"{number:03d}",
        title or f"Change {number}",
        grand_total=f"{number}000.5",
        origin_id=f"CO{number}" if synced else None,
        currency=None if number % 2 else "USD",
    )
    return package.id


async def test_fill_then_each_transition_is_recorded_once(world: World) -> None:
    w = world
    synced, draft, gone = add(w, 1, synced=True), add(w, 2, synced=False), add(w, 3, synced=True)
    assert await index.fill_project(w.svc, PROJECT) == 3
    assert await w.changes() == []  # the first reading is no change

    w.world.sync_package(PROJECT, draft, "CO2")
    w.world.unsync_package(PROJECT, synced)
    w.world.delete_package(PROJECT, gone)
    for package_id in (draft, synced, gone):
        await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=9)
    expected = [
        (draft, ChangeKind.SYNCED),
        (synced, ChangeKind.UNSYNCED),
        (gone, ChangeKind.DELETED),
    ]
    assert await w.changes() == expected

    for package_id in (draft, synced, gone):  # a repeated delivery: nothing changed since
        await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=9)
    assert await w.changes() == expected
    row = await w.row(gone)
    assert row is not None and row.deleted


async def test_a_new_synced_package_is_news_and_a_new_draft_is_not(world: World) -> None:
    w = world
    await index.fill_project(w.svc, PROJECT)
    fresh, draft = add(w, 5, synced=True, contract=1), add(w, 6, synced=False)
    await index.refresh_package(w.svc, PROJECT, fresh, by_user_id=None)
    await index.refresh_package(w.svc, PROJECT, draft, by_user_id=None)
    assert await w.changes() == [(fresh, ChangeKind.SYNCED)]
    row = await w.row(fresh)
    assert row is not None and (row.contract_type, row.commitment, row.vendor) == (
        "PurchaseOrderContract",
        "PO-7 Windows",
        "Glass Co",
    )


async def test_an_older_reading_than_the_rows_is_ignored(world: World) -> None:
    w = world
    w.clock.offset = -120
    package_id = add(w, 1, synced=True)
    w.clock.offset = -60
    w.world.set_origin(package_id, "CO1-again")  # the row will know this newer state
    await index.fill_project(w.svc, PROJECT)
    w.clock.offset = -90  # a reading stamped before what the row knows
    w.world.unsync_package(PROJECT, package_id)
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    row = await w.row(package_id)
    assert row is not None and row.synced and row.origin_id == "CO1-again"
    assert await w.changes() == []


async def test_our_own_unlink_is_not_recorded_again(world: World) -> None:
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.world.unsync_package(PROJECT, package_id)
    async with w.svc.db.transaction() as s:  # what flows.unlink.record_outcome does
        s.add(_finished_attempt(package_id))
        await packages.mark_unsynced(
            session=s, project_id=PROJECT, package_id=package_id, at=utcnow()
        )
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await w.changes() == []


async def test_an_unsync_seen_while_our_unlink_finishes_is_ours(world: World) -> None:
    """The delivery can be applied before the unlink's transaction: the attempt still runs."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.world.unsync_package(PROJECT, package_id)
    async with w.svc.db.transaction() as s:
        s.add(_finished_attempt(package_id, finished=False))
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await w.changes() == []
    row = await w.row(package_id)
    assert row is not None and not row.synced


def _finished_attempt(cco_id: int, finished: bool = True) -> UnlinkAttempt:
    return UnlinkAttempt(
        reference=f"R-IDX{cco_id:05d}"[:16],
        team_id="T1",
        channel_id="C1",
        card_ts="1.1",
        company_id=COMPANY,
        project_id=PROJECT,
        cco_id=cco_id,
        cco_number="001",
        slack_user_id="U1",
        state=AttemptState.UNLINKED if finished else AttemptState.UNLINKING,
        finished_at=datetime.now(UTC) if finished else None,
    )


async def test_reconciliation_catches_a_missed_event_and_a_deletion(world: World) -> None:
    w = world
    missed, gone, quiet = add(w, 1, synced=False), add(w, 2, synced=True), add(w, 3, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.world.sync_package(PROJECT, missed, "CO1")  # no delivery reaches the app
    w.world.delete_package(PROJECT, gone)
    assert await index.reconcile_project(w.svc, PROJECT) == 2
    assert await w.changes() == [(missed, ChangeKind.SYNCED), (gone, ChangeKind.DELETED)]
    lists = [
        r.query for r in w.procore.recorder.requests if r.path.endswith("/change_order_packages")
    ]
    assert "filters[updated_at]" in lists[-1] and lists[-1]["filters[include_deleted]"] == "with"
    assert await index.reconcile_project(w.svc, PROJECT) == 0  # nothing more to find
    row = await w.row(quiet)
    assert row is not None and row.synced


async def test_the_card_from_the_index_is_the_live_card_and_asks_procore_nothing(
    world: World,
) -> None:
    w = world
    for n in range(1, 31):
        add(w, n, synced=n % 3 != 0, contract=n % 2, title="Drywall patch" if n % 4 == 0 else "")
    prime = w.world.add_prime_contract(PROJECT, "PC-1", "Prime")
    w.world.add_package(PROJECT, prime.id, "099", "Owner change", origin_id="P99")
    link = ChannelLink(
        team_id="T1",
        channel_id="C1",
        company_id=COMPANY,
        project_id=PROJECT,
        project_name="Tower",
        linked_by="U1",
    )
    live_svc = dataclasses.replace(w.svc, webhooks=None)
    await index.fill_project(w.svc, PROJECT)
    queries = [("", 1), ("", 2), ("", 9), ("drywall", 1), ("acme", 1), ("#4 010", 1)]
    for query, page in [*queries, ("po-7 windows", 1), ("099", 1), ("nothing", 1)]:
        live = await synced_page(live_svc, link, query, page)
        before = w.reads()
        indexed = await synced_page(w.svc, link, query, page)
        assert w.reads() == before, f"{query!r}: the indexed card asked Procore"
        assert _comparable(indexed) == _comparable(live), (query, page)
    assert (await synced_page(w.svc, link, "", 1)).total == 20


def _comparable(page: Any) -> Any:
    rows = [dataclasses.replace(r, listed_at=None) for r in page.rows]
    return dataclasses.replace(page, rows=rows)


async def test_without_webhooks_the_card_is_read_live(world: World) -> None:
    w = world
    add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    link = ChannelLink(
        team_id="T1",
        channel_id="C1",
        company_id=COMPANY,
        project_id=PROJECT,
        project_name="Tower",
        linked_by="U1",
    )
    before = w.reads()
    await synced_page(dataclasses.replace(w.svc, webhooks=None), link, "", 1)
    assert w.reads() > before
    assert index.index_ready(w.svc, None) is False


async def test_forgetting_drops_the_index(world: World) -> None:
    w = world
    add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    await index.forget_project(w.svc, PROJECT)
    async with w.svc.db.session() as s:
        assert await packages.get_project(session=s, project_id=PROJECT) is None


class _Emails:
    async def email_of(self, user_id: str) -> str | None:
        return f"{user_id.lower()}@example.com"


async def test_a_member_is_remembered_a_while_and_a_refusal_never(world: World) -> None:
    """The card from the index asks Procore nothing, not even who may see it (within
    MEMBER_REMEMBERED of the last check); someone not in the Directory is asked about each time."""
    w = world
    svc = dataclasses.replace(w.svc, directory=cast(Any, _Emails()))
    template = w.world.add_template(COMPANY, "Project Manager")
    ana = w.world.add_user(COMPANY, "Ana", "u0ana@example.com")
    w.world.add_user(COMPANY, "Ben", "u0ben@example.com")
    w.world.add_membership(PROJECT, ana.id, template.id)
    link = ChannelLink(
        team_id="T1",
        channel_id="C1",
        company_id=COMPANY,
        project_id=PROJECT,
        project_name="Tower",
        linked_by="U0ANA",
    )
    assert await project_hidden(svc, "U0ANA", link) is None
    before = w.reads()
    assert await project_hidden(svc, "U0ANA", link) is None
    assert w.reads() == before  # remembered
    for _ in range(2):
        assert await project_hidden(svc, "U0BEN", link) is not None
    assert w.reads() == before + 4  # each refusal asked Procore again (user, then Directory)


async def test_a_delivery_before_the_fill_is_stored_but_is_no_news(world: World) -> None:
    """Hooks exist before the fill has stored the project: an event about a CCO synced long
    ago is not told as newly synced."""
    w = world
    old = add(w, 1, synced=True)
    await index.refresh_package(w.svc, PROJECT, old, by_user_id=None)
    assert await w.changes() == []
    row = await w.row(old)
    assert row is not None and row.synced
    await index.fill_project(w.svc, PROJECT)
    fresh = add(w, 2, synced=True)
    await index.refresh_package(w.svc, PROJECT, fresh, by_user_id=None)
    assert await w.changes() == [(fresh, ChangeKind.SYNCED)]


async def test_a_reading_taken_before_our_unlink_does_not_bring_the_synced_state_back(
    world: World,
) -> None:
    """An update event's re-read shows "synced"; our unlink then finishes (its confirming
    re-read is newer); the refresh that read first commits last: the row stays unsynced and no
    change is recorded (the channel would read "#001 was synced" right after "unlinked")."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    read_at = datetime.now(UTC)
    before = await w.svc.procore.get_cco(PROJECT, package_id)  # the event's re-read: synced
    w.clock.offset = 2  # Procore's clock moves on before our unlink's write
    w.world.unsync_package(PROJECT, package_id)
    fresh = await w.svc.procore.get_cco(PROJECT, package_id)  # our unlink's confirming re-read
    async with w.svc.db.transaction() as s:  # what flows.unlink.record_outcome does
        s.add(_finished_attempt(package_id))
        await packages.mark_unsynced(
            session=s,
            project_id=PROJECT,
            package_id=package_id,
            at=utcnow(),
            updated_at=fresh.updated_at,
        )
    row = await w.row(package_id)
    assert row is not None and row.updated_at == fresh.updated_at
    async with w.svc.db.transaction() as s:  # the event's refresh commits now
        await index._apply(w.svc, s, PROJECT, package_id, before, {}, None, read_at)
    row = await w.row(package_id)
    assert row is not None and not row.synced
    assert await w.changes() == []


async def test_the_same_updated_at_read_before_the_row_was_written_loses(world: World) -> None:
    """Even when Procore's `updated_at` did not move (or the unlink had no re-read to store),
    a reading taken before `mark_unsynced` wrote the row loses to it."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    read_at = datetime.now(UTC)
    before = await w.svc.procore.get_cco(PROJECT, package_id)
    async with w.svc.db.transaction() as s:
        s.add(_finished_attempt(package_id))
        await packages.mark_unsynced(
            session=s, project_id=PROJECT, package_id=package_id, at=utcnow()
        )
    async with w.svc.db.transaction() as s:
        await index._apply(w.svc, s, PROJECT, package_id, before, {}, None, read_at)
    row = await w.row(package_id)
    assert row is not None and not row.synced
    assert await w.changes() == []


def _show(package_id: int) -> str:
    return rf"/rest/v1\.0/change_order_packages/{package_id}$"


async def test_a_404_the_list_does_not_confirm_is_retried_not_recorded(world: World) -> None:
    """A 404 also means the app may not read the package (research/procore_api.md §9): without
    the list showing it deleted, nothing is recorded and the refresh fails (to be retried)."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.procore.faults.add(
        FaultRule(path=_show(package_id), method="GET", status=404, body={"errors": "no access"})
    )
    with pytest.raises(index.DeletionUnconfirmed):
        await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    row = await w.row(package_id)
    assert row is not None and not row.deleted and row.synced
    assert await w.changes() == []
    confirm = w.procore.recorder.matching("GET", r"/change_order_packages$")[-1].query
    assert confirm["filters[id]"] == str(package_id)
    assert confirm["filters[include_deleted]"] == "with"


async def test_a_404_the_list_shows_deleted_and_a_200_with_deleted_at_are_deletions(
    world: World,
) -> None:
    w = world
    gone, also_gone = add(w, 1, synced=True), add(w, 2, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.world.delete_package(PROJECT, gone)
    await index.refresh_package(w.svc, PROJECT, gone, by_user_id=3)  # 404, list confirms
    w.world.delete_package(PROJECT, also_gone)
    package = w.world.packages[also_gone]  # a show answering 200 with `deleted_at`
    body = package_json(package, full=True, type=w.world.package_type(package))
    w.procore.faults.add(FaultRule(path=_show(also_gone), method="GET", status=200, body=body))
    await index.refresh_package(w.svc, PROJECT, also_gone, by_user_id=3)
    assert await w.changes() == [(gone, ChangeKind.DELETED), (also_gone, ChangeKind.DELETED)]
    for package_id in (gone, also_gone):
        row = await w.row(package_id)
        assert row is not None and row.deleted


async def test_a_package_deleted_while_the_fill_reads_stays_deleted(world: World) -> None:
    """The delete is applied before the fill stores its older reading: a tombstone is written
    and the fill does not bring the package back."""
    w = world
    package_id = add(w, 1, synced=True)
    w.procore.faults.add(FaultRule(path=r"_contracts/", method="GET", delay=0.3, times=1))
    fill = asyncio.create_task(index.fill_project(w.svc, PROJECT))
    # the fill has read the packages and now reads the commitments
    await Rig.until(lambda: bool(w.procore.recorder.matching("GET", r"_contracts/")), 5.0)
    w.clock.offset = 1
    w.world.delete_package(PROJECT, package_id)
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await fill == 1
    row = await w.row(package_id)
    assert row is not None and row.deleted
    async with w.svc.db.session() as s:
        listed = await packages.listed_packages(session=s, project_id=PROJECT)
    assert listed == []


async def test_our_unlink_that_failed_after_its_write_landed_is_ours(world: World) -> None:
    """The write landed but the confirming re-read timed out: the attempt ends failed, the
    channel was told; the delivery that follows is not announced as an unlink in Procore."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    attempt = _finished_attempt(package_id)
    attempt.state = AttemptState.FAILED
    async with w.svc.db.transaction() as s:
        s.add(attempt)
        audit.add_event(session=s, event=audit.audit_for(attempt, index.WRITE_NEXT))
    w.world.unsync_package(PROJECT, package_id)
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await w.changes() == []


async def test_a_stuck_attempt_does_not_hide_a_later_unlink_in_procore(world: World) -> None:
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    stuck = _finished_attempt(package_id, finished=False)
    stuck.created_at = utcnow() - timedelta(hours=1)
    stuck.lease_until = utcnow() - timedelta(minutes=50)
    async with w.svc.db.transaction() as s:
        s.add(stuck)
    w.world.unsync_package(PROJECT, package_id)
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await w.changes() == [(package_id, ChangeKind.UNSYNCED)]


async def test_unlinked_here_synced_again_then_unlinked_in_procore_is_told(world: World) -> None:
    """All within the 30 s skew: the second unsync comes after a sync that followed ours."""
    w = world
    package_id = add(w, 1, synced=True)
    await index.fill_project(w.svc, PROJECT)
    w.world.unsync_package(PROJECT, package_id)
    fresh = await w.svc.procore.get_cco(PROJECT, package_id)
    async with w.svc.db.transaction() as s:
        s.add(_finished_attempt(package_id))
        await packages.mark_unsynced(
            session=s,
            project_id=PROJECT,
            package_id=package_id,
            at=utcnow(),
            updated_at=fresh.updated_at,
        )
    w.clock.offset = 2
    w.world.sync_package(PROJECT, package_id, "CO1-again")
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    w.clock.offset = 4
    w.world.unsync_package(PROJECT, package_id)
    await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert await w.changes() == [(package_id, ChangeKind.SYNCED), (package_id, ChangeKind.UNSYNCED)]


# -- flows.watching on the index --------------------------------------------------------------


def _package_lists(w: World) -> list[dict[str, str]]:
    return [r.query for r in w.procore.recorder.matching("GET", r"/change_order_packages$")]


async def test_a_second_link_reconciles_instead_of_filling_again(world: World) -> None:
    w = world
    add(w, 1, synced=True)
    await watching.watch_project(w.svc, PROJECT)
    first = [q.get("filters[updated_at]") for q in _package_lists(w)]
    # the fill reads every package; the reconciliation after the hook only what changed since
    assert len(first) == 2 and first[0] is None and first[1] is not None
    await watching.watch_project(w.svc, PROJECT)  # another channel links the project
    lists = _package_lists(w)
    assert len(lists) == 3 and "filters[updated_at]" in lists[-1]


async def test_a_link_made_while_the_project_is_unwatched_keeps_it_watched(world: World) -> None:
    """A moves away from the project while B links it: the hooks removal runs while B's link
    is stored; the project ends with its hook and its index."""
    w = world
    add(w, 1, synced=True)
    await watching.watch_project(w.svc, PROJECT)
    w.procore.faults.add(FaultRule(path=r"/webhooks/hooks$", method="GET", delay=0.3, times=1))
    listed = w.procore.recorder.count("GET", r"/webhooks/hooks$")
    unwatch = asyncio.create_task(watching.unwatch_project(w.svc, PROJECT))
    await Rig.until(lambda: w.procore.recorder.count("GET", r"/webhooks/hooks$") > listed, 5.0)
    async with w.svc.db.transaction() as s:  # B's link, stored while the hooks are listed
        s.add(_link())
    assert await unwatch is False
    assert [h for h in w.world.hooks.values() if h.project_id == PROJECT]
    async with w.svc.db.session() as s:
        project = await packages.get_project(session=s, project_id=PROJECT)
    assert project is not None and project.filled_at is not None


def _link() -> ChannelLink:
    return ChannelLink(
        team_id="T1",
        channel_id="C2",
        company_id=COMPANY,
        project_id=PROJECT,
        project_name="Tower",
        linked_by="U2",
    )


async def test_ensure_hook_waits_for_another_replica_making_the_hook(world: World) -> None:
    """Two replicas starting together: the second waits for the first's lease, then finds
    its hook instead of creating another (every event would be delivered twice)."""
    w = world
    async with w.svc.db.transaction() as s:  # the other replica is making the hook
        assert await packages.claim_hooks(session=s, project_id=PROJECT, hold=timedelta(seconds=30))
    ensuring = asyncio.create_task(ensure_hook(w.svc, PROJECT))
    await asyncio.sleep(0.3)
    assert not ensuring.done() and w.world.hooks == {}
    theirs = await w.svc.procore.hooks.create_hook(
        PROJECT, HOOKS.namespace, HOOKS.url, HOOKS.authorization
    )
    async with w.svc.db.transaction() as s:
        await packages.release_hooks(session=s, project_id=PROJECT)
    ours = await ensuring
    assert ours is not None and ours.id == theirs.id
    assert [h.id for h in w.world.hooks.values()] == [theirs.id]


async def test_a_hook_procore_shows_disabled_is_made_again(world: World) -> None:
    w = world
    first = await ensure_hook(w.svc, PROJECT)
    assert first is not None
    shown = hook_json(w.world.hooks[first.id]) | {"status": "disabled"}  # v2 hooks' status
    w.procore.faults.add(
        FaultRule(path=r"/webhooks/hooks$", method="GET", status=200, body=[shown], times=1)
    )
    again = await ensure_hook(w.svc, PROJECT)
    assert again is not None and again.id != first.id
    assert list(w.world.hooks) == [again.id]


async def test_ccos_synced_while_the_first_fill_runs_are_told_once(world: World) -> None:
    """A 10k-package fill takes a while: a CCO synced before the fill read it, and one synced
    after (its delivery applied before the fill stored), are told once each; a CCO synced long
    ago is not."""
    w = world
    old, early, late = add(w, 1, synced=True), add(w, 2, synced=False), add(w, 3, synced=False)
    w.clock.offset = 5  # Procore's time of this sync is after the fill starts
    w.world.sync_package(PROJECT, early, "CO2")
    w.procore.faults.add(FaultRule(path=r"_contracts/", method="GET", delay=0.3, times=1))
    fill = asyncio.create_task(index.fill_project(w.svc, PROJECT))
    await Rig.until(lambda: bool(w.procore.recorder.matching("GET", r"_contracts/")), 5.0)
    w.clock.offset = 6
    w.world.sync_package(PROJECT, late, "CO3")
    await index.refresh_package(w.svc, PROJECT, late, by_user_id=None)  # before the fill stores
    assert await w.changes() == []
    await fill
    assert await w.changes() == [(early, ChangeKind.SYNCED), (late, ChangeKind.SYNCED)]
    for package_id in (old, early, late):  # deliveries after the fill: nothing new
        await index.refresh_package(w.svc, PROJECT, package_id, by_user_id=None)
    assert len(await w.changes()) == 2
