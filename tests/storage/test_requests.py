"""Request storage: one pending request per CCO, the first decision wins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import requests
from storage.db import Database
from storage.models import UnlinkRequest, utcnow
from storage.states import RequestStatus


def _request(reference: str, requester: str = "U1", cco_id: int = 7) -> UnlinkRequest:
    return UnlinkRequest(
        reference=reference,
        team_id="T1",
        channel_id="C1",
        card_ts="1.0",
        company_id=10,
        project_id=20,
        project_name="Tower A",
        cco_id=cco_id,
        cco_number="007",
        requester=requester,
        expires_at=utcnow() + timedelta(hours=1),
    )


async def test_a_second_request_for_the_cco_gets_the_pending_one(db: Database) -> None:
    first = await requests.open_request(db=db, request=_request("Q-AAAAAAAA"))
    with pytest.raises(requests.AlreadyPending) as taken:
        await requests.open_request(db=db, request=_request("Q-BBBBBBBB", requester="U2"))
    assert taken.value.pending.reference == first.reference == "Q-AAAAAAAA"


async def test_the_first_decision_wins_and_frees_the_cco(db: Database) -> None:
    opened = await requests.open_request(db=db, request=_request("Q-CCCCCCCC"))
    assert opened.id is not None
    decisions = []
    for status in (RequestStatus.DENIED, RequestStatus.APPROVED):
        async with db.transaction() as s:
            decided = await requests.decide_request(
                session=s, request_id=opened.id, status=status, decided_by="U9", reason="no"
            )
        decisions.append(decided)
    async with db.session() as s:
        stored = await requests.get_request(session=s, request_id=opened.id)
        by_reference = await requests.request_by_reference(session=s, reference="Q-CCCCCCCC")
    assert decisions == [True, False]
    assert stored is not None and stored.status is RequestStatus.DENIED
    assert by_reference is not None and by_reference.id == opened.id
    again = await requests.open_request(db=db, request=_request("Q-DDDDDDDD"))
    assert again.status is RequestStatus.PENDING


async def test_own_open_and_due_requests(db: Database) -> None:
    mine = await requests.open_request(db=db, request=_request("Q-EEEEEEEE", cco_id=1))
    late = _request("Q-FFFFFFFF", requester="U2", cco_id=2)
    late.expires_at = utcnow() - timedelta(minutes=1)
    await requests.open_request(db=db, request=late)
    now = utcnow()
    async with db.session() as s:
        own = await requests.own_requests(session=s, team_id="T1", requester="U1", limit=10)
        still = await requests.open_requests(
            session=s, team_id="T1", company_id=10, now=now, limit=10
        )
        due = await requests.due_requests(session=s, now=now, limit=10)
    assert [r.reference for r in own] == [mine.reference]
    assert [r.reference for r in still] == ["Q-EEEEEEEE"]
    assert [r.reference for r in due] == ["Q-FFFFFFFF"]


async def test_an_id_past_the_key_names_no_request_rather_than_failing(db: Database) -> None:
    """A button value is read up to a BIGINT; a request's key is an INTEGER. A larger id (a
    tampered button) names no request, on PostgreSQL too, where the query would overflow."""
    await requests.open_request(db=db, request=_request("Q-IIIIIIII"))
    found = []
    for oversized in (requests.MAX_ID + 1, 2**63 - 1):
        async with db.transaction() as s:
            found.append(await requests.get_request(session=s, request_id=oversized))
            found.append(
                await requests.decide_request(
                    session=s,
                    request_id=oversized,
                    status=RequestStatus.DENIED,
                    decided_by="U9",
                    reason="x",
                )
            )
    assert found == [None, False, None, False]
