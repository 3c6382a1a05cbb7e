"""A card's row: the CCO as the card listed it, and the one place it meets JSON.

`Card.rows` is a JSON column (so databases written by earlier releases load unchanged); the
column type below turns it into `CardRow`s on the way out and back into the same JSON objects on
the way in, so nothing outside `storage/` reads or writes a row as a dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: what the card shows next to a row, from the CCO's latest attempt: "gone" is an attempt that
#: found it unsynced or deleted in Procore (nothing left to unlink); from the index, when the
#: CCO was changed in Procore itself after the card listed it: "unlinked_in_procore",
#: "deleted_in_procore"
RowStatus = Literal[
    "idle", "checking", "unlinked", "gone", "refused", "unlinked_in_procore", "deleted_in_procore"
]


@dataclass(frozen=True)
class CardRow:
    """One synced CCO as a card listed it (an approval's copy carries only what unlinks it)."""

    id: int
    number: str
    title: str = ""
    #: the grand total as a decimal string ("12500.00")
    amount: str = ""
    #: the ISO 4217 code of `amount`: Procore's for the CCO, else the CURRENCY setting; None on
    #: rows stored before it was kept (they were shown in US dollars, and still are)
    currency: str | None = None
    #: Procore's status of the CCO
    status: str | None = None
    contract_id: int | None = None
    contract_type: str | None = None
    #: "SC-001 Drywall & framing": the commitment's number and title
    commitment: str | None = None
    vendor: str | None = None
    synced_at: datetime | None = None
    project_name: str | None = None
    #: when Procore showed the CCO synced: an attempt finished before this is history, not the
    #: row's state (the CCO was re-synced since)
    listed_at: datetime | None = None


def to_json(row: CardRow) -> dict[str, Any]:
    """The row as stored: the JSON object earlier releases wrote (plus `currency` when known)."""
    stored = {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "status": row.status,
        "amount": row.amount,
        "contract_id": row.contract_id,
        "contract_type": row.contract_type,
        "commitment": row.commitment,
        "vendor": row.vendor,
        "synced_at": row.synced_at.isoformat() if row.synced_at else None,
        "project_name": row.project_name,
        "listed_at": row.listed_at.isoformat() if row.listed_at else None,
    }
    return stored if row.currency is None else stored | {"currency": row.currency}


def from_json(data: object) -> CardRow | None:
    """A stored row; None for one without a CCO id (nothing can act on it). Keys a release
    did not write yet read as empty."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    contract_id = data.get("contract_id")
    return CardRow(
        id=data["id"],
        number=str(data.get("number", "")),
        title=str(data.get("title") or ""),
        amount=str(data.get("amount", "")),
        currency=_text(data.get("currency")),
        status=_text(data.get("status")),
        contract_id=contract_id if isinstance(contract_id, int) else None,
        contract_type=_text(data.get("contract_type")),
        commitment=_text(data.get("commitment")),
        vendor=_text(data.get("vendor")),
        synced_at=_moment(data.get("synced_at")),
        project_name=_text(data.get("project_name")),
        listed_at=_moment(data.get("listed_at")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class CardRowsJson(TypeDecorator[list[CardRow]]):
    """`Card.rows`: a JSON array in the database, `CardRow`s in the app."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: list[CardRow] | None, dialect: Dialect
    ) -> list[dict[str, Any]] | None:
        return None if value is None else [to_json(row) for row in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[CardRow] | None:
        if value is None:
            return None
        return [row for row in map(from_json, value) if row is not None]
