"""The index of a linked project's change order packages (issue 14).

Filled once by a paged read when the project is linked (`fill_project`), kept fresh by Procore's
deliveries (`refresh_package`, one re-read of the package per event, never trusting the event)
and by a periodic reconciliation that catches missed events (`reconcile_project`, run for each
linked project every RECONCILE_MINUTES by `flows.watching`, reading what changed since the last
one with the documented `filters[updated_at]`). Each transition of a commitment CCO is
recorded as a `PackageChange` in the transaction that writes the row, so the alerts follow
exactly what the index saw. The card reads the index instead of Procore when `index_ready`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog

from flows.services import Services
from procore.errors import ProcoreNotFound
from procore.models import Cco, Commitment
from storage import attempts, audit, package_changes, packages
from storage.models import UnlinkAttempt
from storage.package_changes import PackageChange
from storage.packages import IndexedPackage, IndexedProject
from storage.states import AttemptState, ChangeKind

log = structlog.get_logger("cco.index")

#: a reconciliation reads what changed since the last one minus this (clock skew between
#: Procore and us, writes in flight while the last one read)
RECONCILE_MARGIN = timedelta(minutes=2)
#: a replica reconciling a project holds it this long (another may take over after)
RECONCILE_HOLD = timedelta(minutes=5)
#: commitments read at once while filling
_COMMITMENT_READS_AT_ONCE = 10
#: an unsync Procore shows this close after our own unlink finished is that unlink's
_OWN_UNLINK_SKEW = timedelta(seconds=30)
#: the audit event `flows.unlink` records right before the Procore write
WRITE_NEXT = "erp_checked"


@dataclass(frozen=True)
class CommitmentWords:
    """What a row shows of its commitment (None type: not a commitment the app can read)."""

    type: str | None
    label: str | None = None
    vendor: str | None = None


_NOT_A_COMMITMENT = CommitmentWords(type=None)


def index_ready(svc: Services, project: IndexedProject | None) -> bool:
    """Whether the card may be served from the index: the project is indexed and deliveries
    keep it fresh (webhooks configured); otherwise the card reads Procore live."""
    return project is not None and project.filled_at is not None and svc.webhooks is not None


async def fill_project(svc: Services, project_id: int) -> int:
    """Read every package of the project (all pages) and their commitments, store them and
    mark the project indexed. Returns how many packages were indexed. The first reading is no
    change, except CCOs synced after the fill started (`_synced_during`) while a hook already
    delivered (a refill): deliveries applied meanwhile record nothing (the project is not
    filled yet), the fill records those. A new project's hook is made after its fill
    (`flows.watching.watch_project`)."""
    started = datetime.now(UTC)
    project, ccos = await asyncio.gather(
        svc.procore.get_project(project_id), svc.procore.list_ccos(project_id)
    )
    words = await read_commitments(svc, project_id, (c.contract_id for c in ccos), stored=False)
    rows = [_indexed(c, words.get(c.contract_id or -1, _NOT_A_COMMITMENT)) for c in ccos]
    async with svc.db.transaction() as s:
        news: list[IndexedPackage] = []
        if not await _filled(s, project_id):  # rows now are deliveries applied meanwhile
            delivered = await packages.project_packages(session=s, project_id=project_id)
            news = _synced_during(rows, delivered, started)
        for row in news:
            _record(s, row, ChangeKind.SYNCED, row.updated_at, None)
        await packages.upsert_packages(session=s, packages=rows)
        await packages.save_project(
            session=s,
            project_id=project_id,
            project_name=project.name,
            is_erp_integrated=project.is_erp_integrated,
            filled_at=started,
        )
    log.info("index.filled", project_id=project_id, packages=len(rows), synced_meanwhile=len(news))
    return len(rows)


def _synced_during(
    read: list[IndexedPackage], delivered: Sequence[IndexedPackage], started: datetime
) -> list[IndexedPackage]:
    """The packages a fill started at `started` should tell as synced: present commitment CCOs
    synced as the fill stores them (its reading, or a newer one a delivery stored meanwhile),
    changed since `started`, and never seen synced before `started`. (A synced CCO only edited
    while the fill ran, read after the edit, is told too: nothing shows it was synced before.)"""
    filled = {row.package_id: row for row in read}
    stored = {row.package_id: row for row in delivered}
    news = []
    for package_id in set(filled) | set(stored):
        readings = [r for r in (filled.get(package_id), stored.get(package_id)) if r is not None]
        final = max(readings, key=lambda r: r.updated_at or datetime.min.replace(tzinfo=UTC))
        if final.deleted or not final.synced or final.contract_type is None:
            continue
        if final.updated_at is None or final.updated_at < started:
            continue
        if not any(r.synced and r.updated_at and r.updated_at < started for r in readings):
            news.append(final)
    return sorted(news, key=lambda r: r.package_id)


async def refresh_package(
    svc: Services, project_id: int, package_id: int, *, by_user_id: int | None
) -> None:
    """Re-read the package and bring its row up to date, recording the transition (if any) in
    the same transaction. An older reading than the row's is ignored. Deleted: the reading
    has `deleted_at`, or a 404 that the list confirms (`DeletionUnconfirmed` otherwise)."""
    read_at = datetime.now(UTC)
    try:
        cco = await svc.procore.get_cco(project_id, package_id)
    except ProcoreNotFound:
        cco = await _confirmed_deletion(svc, project_id, package_id)
    words = await read_commitments(svc, project_id, [cco.contract_id])
    async with svc.db.transaction() as s:
        await _apply(svc, s, project_id, package_id, cco, words, by_user_id, read_at)


async def reconcile_project(svc: Services, project_id: int) -> int:
    """Catch what deliveries missed: read the packages updated since the last reconciliation
    (minus `RECONCILE_MARGIN`, deleted ones too) and apply each like a delivery. Claims the
    project first, so two replicas don't both do it; a project not indexed yet (its fill
    failed) is filled instead. Returns the changes recorded."""
    async with svc.db.transaction() as s:
        claimed = await packages.claim_reconcile(
            session=s, project_id=project_id, hold=RECONCILE_HOLD
        )
        indexed = claimed or await packages.get_project(session=s, project_id=project_id)
    if indexed is None or indexed.filled_at is None:
        await fill_project(svc, project_id)
        return 0
    if claimed is None:
        return 0
    started = datetime.now(UTC)
    since = (claimed.reconciled_at or claimed.filled_at or started) - RECONCILE_MARGIN
    project, ccos = await asyncio.gather(
        svc.procore.get_project(project_id),
        svc.procore.list_ccos(project_id, updated_since=since, include_deleted=True),
    )
    words = await read_commitments(svc, project_id, (c.contract_id for c in ccos))
    recorded = 0
    async with svc.db.transaction() as s:
        for cco in ccos:
            recorded += await _apply(svc, s, project_id, cco.id, cco, words, None, started)
        await packages.save_project(
            session=s,
            project_id=project_id,
            project_name=project.name,
            is_erp_integrated=project.is_erp_integrated,
            filled_at=claimed.filled_at,
        )
        await packages.finish_reconcile(session=s, project_id=project_id, at=started)
    log.info("index.reconciled", project_id=project_id, read=len(ccos), changes=recorded)
    return recorded


async def forget_project(svc: Services, project_id: int) -> None:
    """The project's last channel was unlinked: drop its index."""
    async with svc.db.transaction() as s:
        await packages.forget_project(session=s, project_id=project_id)
    log.info("index.forgotten", project_id=project_id)


async def read_commitments(
    svc: Services, project_id: int, contract_ids: Iterable[int | None], *, stored: bool = True
) -> dict[int, CommitmentWords]:
    """Each contract's commitment words: from the index when a row already shows them (and
    `stored`), else read from Procore (a contract neither commitment endpoint knows is none)."""
    wanted = sorted({i for i in contract_ids if i is not None})
    found: dict[int, CommitmentWords] = {}
    if wanted and stored:
        async with svc.db.session() as s:
            for contract_id in wanted:
                row = await packages.known_commitment(
                    session=s, project_id=project_id, contract_id=contract_id
                )
                if row is not None:
                    found[contract_id] = CommitmentWords(
                        row.contract_type, row.commitment, row.vendor
                    )
    missing = [i for i in wanted if i not in found]
    gate = asyncio.Semaphore(_COMMITMENT_READS_AT_ONCE)

    async def read(contract_id: int) -> tuple[int, CommitmentWords]:
        async with gate:
            try:
                return contract_id, words_of(
                    await svc.procore.get_commitment(project_id, contract_id)
                )
            except ProcoreNotFound:
                return contract_id, _NOT_A_COMMITMENT

    found.update(await asyncio.gather(*(read(i) for i in missing)))
    return found


def words_of(commitment: Commitment) -> CommitmentWords:
    label = f"{commitment.number} {commitment.title}".strip() or None
    return CommitmentWords(commitment.type, label, commitment.vendor_name)


def _indexed(cco: Cco, words: CommitmentWords) -> IndexedPackage:
    known = [t for t in (cco.updated_at, cco.deleted_at) if t is not None]
    return IndexedPackage(
        project_id=cco.project_id,
        package_id=cco.id,
        number=cco.number,
        title=cco.title,
        status=cco.status,
        contract_id=cco.contract_id,
        contract_type=words.type,
        commitment=words.label,
        vendor=words.vendor,
        amount=str(cco.grand_total.quantize(Decimal("0.01"))),
        currency=cco.currency,
        synced=cco.synced,
        origin_id=cco.origin_id,
        updated_at=max(known, default=None),
        deleted=cco.deleted_at is not None,
        indexed_at=datetime.now(UTC),
    )


async def _apply(
    svc: Services,
    s: Any,
    project_id: int,
    package_id: int,
    cco: Cco,
    words: dict[int, CommitmentWords],
    by_user_id: int | None,
    read_at: datetime,
) -> int:
    """Write one package's reading (taken at `read_at`) into its row; record the transition.
    Returns 1 when a change was recorded, else 0."""
    row = await packages.lock_package(session=s, project_id=project_id, package_id=package_id)
    fresh = _indexed(cco, words.get(cco.contract_id or -1, _NOT_A_COMMITMENT))
    if cco.deleted_at is not None:
        return await _deleted(s, row, fresh, by_user_id)
    if row is None and not await packages.add_package_if_absent(session=s, package=fresh):
        row = await packages.lock_package(session=s, project_id=project_id, package_id=package_id)
    if row is not None and _stale(cco.updated_at, read_at, row):
        return 0  # an out-of-order reading: the row knows a newer state
    was_synced = row is not None and row.synced and not row.deleted
    synced_as_of = row.updated_at if row is not None else None
    if row is not None:
        _copy(fresh, row)
        packages.save_package(session=s, package=row)
    if fresh.contract_type is None or was_synced == fresh.synced:
        return 0
    if not await _filled(s, project_id):
        return 0  # applied before the fill stored the project: the fill tells what changed
    kind = ChangeKind.SYNCED if fresh.synced else ChangeKind.UNSYNCED
    if kind == ChangeKind.UNSYNCED and await _our_unlink(svc, s, cco, synced_as_of):
        return 0
    _record(s, fresh, kind, cco.updated_at, by_user_id)
    return 1


async def _filled(s: Any, project_id: int) -> bool:
    project = await packages.get_project(session=s, project_id=project_id)
    return project is not None and project.filled_at is not None


class DeletionUnconfirmed(Exception):
    """Procore answered 404 for a package its list does not show deleted: the app may have lost
    read access (a 404 says that too), so nothing is recorded; the event is retried."""


async def _confirmed_deletion(svc: Services, project_id: int, package_id: int) -> Cco:
    """After a 404: the package as the documented list with `filters[id]` and
    `filters[include_deleted]=with` shows it, when that shows it deleted."""
    listed = await svc.procore.list_ccos(project_id, package_id=package_id, include_deleted=True)
    gone = next((c for c in listed if c.id == package_id and c.deleted_at is not None), None)
    if gone is None:
        log.warning(
            "index.not_found_unconfirmed",
            project_id=project_id,
            package_id=package_id,
            listed=len(listed),
        )
        raise DeletionUnconfirmed(f"package {package_id}: 404, not listed as deleted")
    return gone


async def _deleted(
    s: Any, row: IndexedPackage | None, gone: IndexedPackage, by_user_id: int | None
) -> int:
    """Mark the row deleted as of Procore's time of the deletion; with no row yet (the fill
    has not stored it), a tombstone the fill cannot overwrite with its older reading."""
    gone.deleted = True
    if row is None and await packages.add_package_if_absent(session=s, package=gone):
        return 0  # never seen present: no news
    row = row or await packages.lock_package(
        session=s, project_id=gone.project_id, package_id=gone.package_id
    )
    if row is None or row.deleted or _older(gone.updated_at, row.updated_at):
        return 0  # deleted already, or the row knows a later state (restored since)
    row.deleted = True
    row.indexed_at = gone.indexed_at
    if gone.updated_at is not None and not _older(gone.updated_at, row.updated_at):
        row.updated_at = gone.updated_at
    packages.save_package(session=s, package=row)
    if row.contract_type is None:
        return 0
    _record(s, row, ChangeKind.DELETED, None, by_user_id)
    return 1


async def _our_unlink(svc: Services, s: Any, cco: Cco, synced_as_of: datetime | None) -> bool:
    """The unsync is this app's own unlink, told to the channel already: an attempt whose
    Procore write was sent (unlinking, unlinked, or failed after the write: `erp_checked` is
    audited right before it) that ran when Procore changed the package, and no sync the row
    knows of (`synced_as_of`) came after that attempt finished."""
    latest = await attempts.latest_attempts(
        session=s, company_id=svc.policy.company_id, cco_ids=[cco.id]
    )
    attempt = latest.get(cco.id)
    if attempt is None or not await _write_sent(s, attempt):
        return False
    changed = cco.updated_at or datetime.now(UTC)
    ended = attempt.finished_at or attempt.lease_until
    if not attempt.created_at - _OWN_UNLINK_SKEW <= changed <= ended + _OWN_UNLINK_SKEW:
        return False
    if attempt.finished_at is None or synced_as_of is None:
        return True
    return synced_as_of <= attempt.finished_at  # else synced again after it: this is news


async def _write_sent(s: Any, attempt: UnlinkAttempt) -> bool:
    if attempt.state in (AttemptState.UNLINKING, AttemptState.UNLINKED):
        return True
    if attempt.state != AttemptState.FAILED:
        return False
    checked = await audit.last_event(session=s, reference=attempt.reference, event=WRITE_NEXT)
    return checked is not None


def _record(
    s: Any,
    row: IndexedPackage,
    kind: ChangeKind,
    changed_at: datetime | None,
    by_user_id: int | None,
) -> None:
    change = PackageChange(
        project_id=row.project_id,
        package_id=row.package_id,
        number=row.number,
        title=row.title,
        kind=kind,
        changed_at=changed_at or datetime.now(UTC),
        by_user_id=by_user_id,
    )
    package_changes.add_change(session=s, change=change)


def _older(seen: datetime | None, stored: datetime | None) -> bool:
    return seen is not None and stored is not None and seen < stored


def _stale(seen: datetime | None, read_at: datetime, row: IndexedPackage) -> bool:
    """The reading is older than what the row knows: an older `updated_at`, or the same one
    read before the row was written (e.g. our unlink's `mark_unsynced` stored after it)."""
    if _older(seen, row.updated_at):
        return True
    if row.deleted:  # only a strictly newer reading shows the package back (restored)
        return seen is None or (row.updated_at is not None and seen <= row.updated_at)
    return seen is not None and seen == row.updated_at and read_at < row.indexed_at


_FIELDS = [
    "number",
    "title",
    "status",
    "contract_id",
    "contract_type",
    "commitment",
    "vendor",
    "amount",
    "currency",
    "synced",
    "origin_id",
    "updated_at",
    "deleted",
    "indexed_at",
]


def _copy(source: IndexedPackage, target: IndexedPackage) -> None:
    for name in _FIELDS:
        setattr(target, name, getattr(source, name))
