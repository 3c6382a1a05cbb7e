"""Reading Procore's v2 delivery body: the event key, our resource, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from flows.procore_events import RESOURCE, MalformedDelivery, read_delivery


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": 42,
        "ulid": "01HZX8V5W3M9Q2R7T4Y6B1C0DE",
        "user_id": 7,
        "company_id": 1,
        "project_id": 101,
        "api_version": "v2",
        "event_type": "update",
        "resource_name": RESOURCE,
        "resource_id": 555,
    }
    values.update(overrides)
    return values


def test_a_delivery_is_keyed_by_its_ulid_else_its_id() -> None:
    with_ulid = read_delivery(body())
    without = read_delivery(body(ulid=None))
    assert (with_ulid.event_key, without.event_key) == ("01HZX8V5W3M9Q2R7T4Y6B1C0DE", "id:42")
    assert (with_ulid.project_id, with_ulid.resource_id, with_ulid.user_id) == (101, 555, 7)
    assert with_ulid.ours


def test_another_resource_is_read_but_not_ours() -> None:
    other = read_delivery(body(resource_name="Purchase Order Contracts", resource_id="x"))
    odd_key = read_delivery(body(resource_name="Purchase Order Contracts", ulid=5, id="x"))
    assert not other.ours
    assert not odd_key.ours  # ignored (200), not refused for a key it never needed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        (body(resource_name=None), "resource_name"),
        (body(event_type="archive"), "event_type"),
        (body(project_id=True), "project_id"),
        (body(resource_id="555"), "resource_id"),
        (body(resource_id=2**63), "resource_id"),
        (body(ulid=None, id=None), "id"),
        (body(ulid="x" * 65), "ulid"),
        (body(user_id="7"), "user_id"),
    ],
)
def test_a_delivery_missing_what_is_needed_is_refused(payload: object, field: str) -> None:
    with pytest.raises(MalformedDelivery) as refused:
        read_delivery(payload)
    assert str(refused.value) == field


def test_the_timestamp_is_read_when_readable() -> None:
    stamped = read_delivery(body(timestamp="2026-03-04T15:07:00.250000Z"))
    unreadable = read_delivery(body(timestamp="yesterday"))
    assert stamped.occurred_at is not None
    assert stamped.occurred_at.isoformat() == "2026-03-04T15:07:00.250000+00:00"
    assert (unreadable.occurred_at, read_delivery(body()).occurred_at) == (None, None)
