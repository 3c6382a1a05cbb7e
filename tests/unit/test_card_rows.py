"""A card row meets JSON only in storage.card_rows: the stored objects read back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.card_rows import CardRow, CardRowsJson, from_json, to_json

STORED = {
    "id": 11,
    "number": "001",
    "title": "Soffit framing",
    "status": "approved",
    "amount": "12500.00",
    "contract_id": 501,
    "contract_type": "WorkOrderContract",
    "commitment": "SC-001 Drywall & framing",
    "vendor": "Acme Drywall",
    "synced_at": "2026-03-01T10:00:00+00:00",
    "project_name": "Tower A",
    "listed_at": "2026-03-02T09:30:00+00:00",
}


def test_a_stored_row_reads_as_a_card_row_and_writes_back_the_same_object() -> None:
    row = from_json(STORED)
    assert row is not None
    assert row.synced_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert to_json(row) == STORED


def test_a_row_an_earlier_release_stored_reads_with_empty_fields() -> None:
    row = from_json({"id": 12, "number": "002", "title": "Board", "amount": "-10"})
    assert row == CardRow(id=12, number="002", title="Board", amount="-10")


def test_a_row_without_a_cco_id_is_left_out() -> None:
    column = CardRowsJson()
    rows = column.process_result_value([STORED, {"number": "003"}, "junk"], dialect=None)  # type: ignore[arg-type]
    assert [r.id for r in rows or []] == [11]
    assert column.process_bind_param(rows, dialect=None) == [STORED]  # type: ignore[arg-type]
