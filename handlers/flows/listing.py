"""List a project's ERP-synced CCOs for a card: filter, sort, page; enrich only the shown page."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp.base import ErpInfo
from handlers.flows.services import Services
from procore.errors import ProcoreNotFound
from procore.models import Cco, Commitment
from storage.models import ChannelLink

PAGE_SIZE = 10
#: a page's commitments are read at once (at most PAGE_SIZE reads: one Procore round trip)
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
    rows: list[dict[str, Any]]


def narrow(ccos: list[Cco], query: str) -> list[Cco]:
    """Keep CCOs whose number matches a number in `query`, or whose title has every word."""
    query = query.strip()
    if not query:
        return ccos
    digits = re.fullmatch(r"#?0*(\d+)", query)
    if digits:
        wanted = int(digits.group(1))
        return [c for c in ccos if _number_value(c.number) == wanted]
    words = [w.lower() for w in query.split()]
    return [c for c in ccos if all(w in f"{c.number} {c.title}".lower() for w in words)]


def _number_value(number: str) -> int | None:
    found = re.search(r"(\d+)\s*$", number)
    return int(found.group(1)) if found else None


def _sort_key(cco: Cco) -> tuple[int, str]:
    value = _number_value(cco.number)
    return (value if value is not None else 1 << 62, cco.number)


async def synced_page(svc: Services, link: ChannelLink, query: str, page: int) -> CardPage:
    ccos = await svc.procore.list_ccos(link.project_id)
    synced = sorted(narrow([c for c in ccos if c.synced], query), key=_sort_key)
    pages = max(1, -(-len(synced) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = synced[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    commitments = await _commitments(svc, link.project_id, shown)
    rows = [_row(c, commitments.get(c.contract_id or -1), link.project_name) for c in shown]
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


def _row(cco: Cco, commitment: Commitment | None, project_name: str) -> dict[str, Any]:
    return {
        "id": cco.id,
        "number": cco.number,
        "title": cco.title,
        "status": cco.status,
        "amount": str(cco.grand_total.quantize(Decimal("0.01"))),
        "contract_id": cco.contract_id,
        "commitment": _commitment_label(commitment),
        "vendor": commitment.vendor_name if commitment else None,
        "synced_at": cco.updated_at.isoformat() if cco.updated_at else None,
        "project_name": project_name,
    }


def _commitment_label(commitment: Commitment | None) -> str | None:
    if commitment is None:
        return None
    return f"{commitment.number} {commitment.title}".strip()
