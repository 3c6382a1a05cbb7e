"""List a project's ERP-synced commitment CCOs for a card: filter, sort, page.

Only packages of an ERP-integrated project whose contract is a work order or purchase order
contract are listed (a prime contract's change orders are packages too); the commitments of the
matching packages are read once each, which also gives each row its commitment and vendor.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from erp.base import ErpInfo
from flows.index import index_ready
from flows.services import Services
from procore.errors import ProcoreNotFound
from procore.models import Cco, Commitment
from storage import packages
from storage.card_rows import CardRow
from storage.models import ChannelLink
from storage.packages import IndexedProject, ListedPackage

PAGE_SIZE = 10
#: commitments read at once (one Procore round trip for a page's worth)
_COMMITMENT_READS_AT_ONCE = PAGE_SIZE


@dataclass(frozen=True)
class CardPage:
    """One page of a card: what `handlers.blocks.card` renders."""

    project_name: str
    erp: ErpInfo
    query: str
    page: int
    pages: int
    total: int
    rows: list[CardRow]
    #: False when Procore says the project is not ERP-integrated (nothing is listed then)
    erp_integrated: bool = True


def narrow(ccos: list[Cco], query: str, commitments: dict[int, Commitment]) -> list[Cco]:
    """Keep the CCOs `query` names. Only numbers ("004", "001 003", "#7"): the CCOs with any of
    those numbers. Otherwise every word must appear in the CCO's number or title, or its
    commitment's number, title or vendor (so "drywall" finds the CCOs on "SC-001 Drywall &
    framing" and "acme" those of Acme Drywall)."""
    words = query.lower().split()
    if not words:
        return ccos
    wanted = numbers_in(query)
    if wanted is not None:
        return [c for c in ccos if number_value(c.number) in wanted]
    return [c for c in ccos if all(w in _searchable(c, commitments) for w in words)]


def numbers_in(query: str) -> set[int] | None:
    """The CCO numbers a query names when it is only numbers ("004", "#1 3"), else None."""
    found = [re.fullmatch(r"#?0*(\d+)", w) for w in query.split()]
    return {int(m.group(1)) for m in found if m} if found and all(found) else None


def _searchable(cco: Cco, commitments: dict[int, Commitment]) -> str:
    commitment = commitments.get(cco.contract_id or -1)
    parts = [cco.number, cco.title]
    if commitment is not None:
        parts += [commitment.number, commitment.title, commitment.vendor_name or ""]
    return " ".join(parts).lower()


def number_value(number: str) -> int | None:
    found = re.search(r"(\d+)\s*$", number)
    return int(found.group(1)) if found else None


def _sort_key(cco: Cco) -> tuple[int, str]:
    return _sort_key_of(cco.number)


def _sort_key_of(number: str) -> tuple[int, str]:
    value = number_value(number)
    return (value if value is not None else 1 << 62, number)


async def synced_page(svc: Services, link: ChannelLink, query: str, page: int) -> CardPage:
    """The card's page: from the index when it is ready (no Procore call), else read live."""
    # before the read: an attempt that ends while Procore answers counts as after the listing
    listed_at = datetime.now(UTC)
    async with svc.db.session() as s:
        indexed = await packages.get_project(session=s, project_id=link.project_id)
        ready = indexed is not None and index_ready(svc, indexed)
        rows = (
            await packages.listed_packages(session=s, project_id=link.project_id) if ready else []
        )
    if indexed is not None and ready:
        return _indexed_page(svc, link, query, page, indexed, rows, listed_at)
    return await _live_page(svc, link, query, page, listed_at)


def _indexed_page(
    svc: Services,
    link: ChannelLink,
    query: str,
    page: int,
    project: IndexedProject,
    rows: list[ListedPackage],
    listed_at: datetime,
) -> CardPage:
    """The page from the index: the same rows, narrowing and order as `_live_page`."""
    if not project.is_erp_integrated:
        return CardPage(link.project_name, svc.erp.info, query, 1, 1, 0, [], erp_integrated=False)
    matching = sorted(_narrow_indexed(rows, query), key=lambda r: _sort_key_of(r.number))
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    fallback = svc.policy.currency
    return CardPage(
        project_name=link.project_name,
        erp=svc.erp.info,
        query=query,
        page=page,
        pages=pages,
        total=len(matching),
        rows=[_indexed_row(r, link.project_name, listed_at, fallback) for r in shown],
    )


def _narrow_indexed(rows: list[ListedPackage], query: str) -> list[ListedPackage]:
    """`narrow` over index rows: the same numbers, the same words over the CCO's number and
    title and its commitment's number, title (the stored label) and vendor."""
    words = query.lower().split()
    if not words:
        return rows
    wanted = numbers_in(query)
    if wanted is not None:
        return [r for r in rows if number_value(r.number) in wanted]
    texts = [
        (r, " ".join((r.number, r.title, r.commitment or "", r.vendor or "")).lower()) for r in rows
    ]
    return [r for r, text in texts if all(w in text for w in words)]


def _indexed_row(
    row: ListedPackage, project_name: str, listed_at: datetime, currency: str
) -> CardRow:
    return CardRow(
        id=row.package_id,
        number=row.number,
        title=row.title,
        status=row.status,
        amount=row.amount,
        currency=row.currency or currency,
        contract_id=row.contract_id,
        contract_type=row.contract_type,
        commitment=row.commitment,
        vendor=row.vendor,
        synced_at=row.updated_at,
        project_name=project_name,
        listed_at=listed_at,
    )


async def _live_page(
    svc: Services, link: ChannelLink, query: str, page: int, listed_at: datetime
) -> CardPage:
    """The page read from Procore: the project, every package, the listed ones' commitments."""
    project, ccos = await asyncio.gather(
        svc.procore.get_project(link.project_id), svc.procore.list_ccos(link.project_id)
    )
    if not project.is_erp_integrated:
        return CardPage(link.project_name, svc.erp.info, query, 1, 1, 0, [], erp_integrated=False)
    synced_ccos = [c for c in ccos if c.synced]
    if numbers_in(query) is not None:  # numbers need no commitment: read only theirs
        synced_ccos = narrow(synced_ccos, query, {})
    commitments = await _commitments(svc, link.project_id, synced_ccos)
    matching = narrow(synced_ccos, query, commitments)
    synced = sorted((c for c in matching if c.contract_id in commitments), key=_sort_key)
    pages = max(1, -(-len(synced) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = synced[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    fallback = svc.policy.currency
    rows = [
        _row(c, commitments[c.contract_id or -1], link.project_name, listed_at, fallback)
        for c in shown
    ]
    return CardPage(
        project_name=link.project_name,
        erp=svc.erp.info,
        query=query,
        page=page,
        pages=pages,
        total=len(synced),
        rows=rows,
    )


async def _commitments(svc: Services, project_id: int, ccos: list[Cco]) -> dict[int, Commitment]:
    """The work order / purchase order contracts of `ccos`, by id; a contract id missing from
    the answer is not a commitment the app can read (e.g. the prime contract)."""
    ids = sorted({c.contract_id for c in ccos if c.contract_id is not None})
    gate = asyncio.Semaphore(_COMMITMENT_READS_AT_ONCE)

    async def read(contract_id: int) -> Commitment | None:
        async with gate:
            try:
                return await svc.procore.get_commitment(project_id, contract_id)
            except ProcoreNotFound:
                return None

    found = await asyncio.gather(*(read(i) for i in ids))
    return {c.id: c for c in found if c is not None}


def _row(
    cco: Cco, commitment: Commitment, project_name: str, listed_at: datetime, currency: str
) -> CardRow:
    """`currency` is the Policy's (the CURRENCY setting), for a CCO whose answer names none."""
    return CardRow(
        id=cco.id,
        number=cco.number,
        title=cco.title,
        status=cco.status,
        amount=str(cco.grand_total.quantize(Decimal("0.01"))),
        currency=cco.currency or currency,
        contract_id=cco.contract_id,
        contract_type=commitment.type,
        commitment=_commitment_label(commitment),
        vendor=commitment.vendor_name,
        synced_at=cco.updated_at,
        project_name=project_name,
        #: when Procore showed the CCO synced: an attempt finished before this is history,
        #: not the row's state (the CCO was re-synced since, `row_state`)
        listed_at=listed_at,
    )


def _commitment_label(commitment: Commitment) -> str | None:
    return f"{commitment.number} {commitment.title}".strip() or None
