"""Request → approve/deny: people without the three permissions ask; approvers decide.

The approver's own permissions are what is checked, at click time, by the unlink pipeline.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime

from flows.outcomes import CcoGone, NotLinked, NotSynced, PermissionDenied, UnknownUser
from flows.services import Services, new_reference, tenant_company
from flows.unlink import (
    Busy,
    Finished,
    InvalidClick,
    UnlinkClick,
    authorize_user,
    channel_locale,
    unlink,
)
from procore.errors import ProcoreError, ProcoreNotFound
from procore.models import Cco, PermissionSnapshot
from storage import attempts, cards
from storage import requests as stored
from storage.card_rows import CardRow
from storage.models import Card, UnlinkRequest, utcnow
from storage.states import RequestStatus

MAX_REASON = 1000
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_request_reference() -> str:
    return "Q-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class Opened:
    request: UnlinkRequest


@dataclass(frozen=True)
class AlreadyRequested:
    request: UnlinkRequest


@dataclass(frozen=True)
class Closed:
    """The request is no longer pending (approved, denied or expired)."""

    request: UnlinkRequest


@dataclass(frozen=True)
class NoLongerSynced:
    """The CCO is not synced any more (nothing to request or approve): who unlinked it, when,
    and the attempt's reference (a fresh one when it was unlinked outside this app)."""

    cco_number: str
    by_user: str | None
    at: datetime | None
    reference: str


@dataclass(frozen=True)
class Moot:
    """An approval found the CCO already unlinked: the request is closed, nothing was done."""

    request: UnlinkRequest
    gone: NoLongerSynced


@dataclass(frozen=True)
class SelfApproval:
    request: UnlinkRequest


@dataclass(frozen=True)
class NotAnApprover:
    request: UnlinkRequest
    why: PermissionDenied | UnknownUser | NotLinked


@dataclass(frozen=True)
class Denied:
    request: UnlinkRequest


async def open_request(
    svc: Services,
    *,
    team_id: str,
    channel_id: str,
    card_ts: str,
    cco_id: int,
    requester: str,
    reason: str,
) -> Opened | AlreadyRequested | NoLongerSynced:
    """Record a pending request for a CCO of a card's project (raises `InvalidClick` for a
    foreign card or a CCO Procore does not have there). The CCO is read from Procore now, so a
    request never depends on the page the card shows, and one that is no longer synced is
    refused with who unlinked it."""
    card = await posted_card(svc, team_id, channel_id, card_ts, cco_id)
    cco = await _cco_of_card(svc, card, cco_id)
    if not cco.synced:
        return await no_longer_synced(svc, card.company_id, cco_id, cco.number)
    request = _new_request(svc, card, cco_id, cco, requester=requester, reason=reason)
    request.locale = await channel_locale(svc, card.team_id, card.channel_id, requester)
    try:
        return Opened(await stored.open_request(db=svc.db, request=request))
    except stored.AlreadyPending as taken:
        return AlreadyRequested(taken.pending)


async def _cco_of_card(svc: Services, card: Card, cco_id: int) -> Cco:
    """The CCO as Procore has it now, in the card's project (else `InvalidClick`)."""
    try:
        return await svc.procore.get_cco(card.project_id, cco_id)
    except ProcoreNotFound as exc:
        raise InvalidClick("this CCO is not in the card's project") from exc


def _new_request(
    svc: Services, card: Card, cco_id: int, cco: Cco, *, requester: str, reason: str
) -> UnlinkRequest:
    """A pending request for the CCO `cco_id` (`cco` as Procore has it) of `card`."""
    row = next((r for r in card.rows if r.id == cco_id), None)
    return UnlinkRequest(
        reference=new_request_reference(),
        team_id=card.team_id,
        channel_id=card.channel_id,
        card_ts=card.message_ts,
        company_id=card.company_id,
        project_id=card.project_id,
        project_name=card.project_name,
        cco_id=cco_id,
        cco_number=cco.number,
        cco_title=cco.title,
        contract_id=cco.contract_id,
        contract_type=row.contract_type if row else None,
        requester=requester,
        reason=reason.strip()[:MAX_REASON],
        expires_at=utcnow() + svc.policy.request_ttl,
    )


async def posted_card(
    svc: Services, team_id: str, channel_id: str, card_ts: str, cco_id: int
) -> Card:
    """The card a request button belongs to; `InvalidClick` when the app did not post it here
    for this company, or never listed the CCO on it (on any page): an edited button value
    reaches no other CCO, not even one of the same project."""
    async with svc.db.session() as s:
        card = await cards.get_card(session=s, channel_id=channel_id, message_ts=card_ts)
    if card is None or card.team_id != team_id or card.company_id != svc.policy.company_id:
        raise InvalidClick("this card is not one the app posted here")
    if not card.lists(cco_id):
        raise InvalidClick("this CCO is not on that card")
    return card


async def no_longer_synced(
    svc: Services, company_id: int, cco_id: int, cco_number: str
) -> NoLongerSynced:
    """Who unlinked the CCO, when, and under which reference, from the latest attempt that
    unlinked it (None when it was unlinked outside this app)."""
    async with svc.db.session() as s:
        unlinked = await attempts.last_unlinked(session=s, company_id=company_id, cco_id=cco_id)
    if unlinked is None:
        return NoLongerSynced(cco_number, None, None, new_reference())
    return NoLongerSynced(
        cco_number, unlinked.slack_user_id, unlinked.finished_at, unlinked.reference
    )


#: the Request unlink modal must open within Slack's 3-second trigger window, so a Procore read
#: for its label gets this long
LABEL_READ_SECONDS = 1.5


@dataclass(frozen=True)
class CcoName:
    """How the Request unlink form names a CCO (its number is "" when nothing names it)."""

    number: str
    title: str = ""


async def cco_label(
    svc: Services, team_id: str, channel_id: str, card_ts: str, cco_id: int
) -> CcoName | NoLongerSynced:
    """The CCO's number and title for the Request unlink modal, read from Procore (the card
    may show another page, or the click came from a red reply), or who already unlinked it
    when it is no longer synced. When Procore is slow, the card's row or an earlier attempt
    names it. Raises `InvalidClick` for a foreign card or a CCO not in its project."""
    card = await posted_card(svc, team_id, channel_id, card_ts, cco_id)
    row = next((r for r in card.rows if r.id == cco_id), None)
    try:
        async with asyncio.timeout(LABEL_READ_SECONDS):
            cco = await svc.procore.get_cco(card.project_id, cco_id)
    except ProcoreNotFound as exc:
        raise InvalidClick("this CCO is not in the card's project") from exc
    except (ProcoreError, TimeoutError):
        if row is not None:
            return CcoName(row.number, row.title)
        return await _label_from_attempts(svc, card, cco_id)
    if not cco.synced:
        return await no_longer_synced(svc, card.company_id, cco_id, cco.number)
    return CcoName(cco.number, cco.title)


async def _label_from_attempts(svc: Services, card: Card, cco_id: int) -> CcoName:
    async with svc.db.session() as s:
        number = await attempts.known_cco_number(
            session=s, company_id=card.company_id, cco_id=cco_id
        )
    return CcoName(number or "")


def request_target(request: UnlinkRequest) -> tuple[Card, CardRow]:
    """What the unlink pipeline needs about the requested CCO, from the request itself (never
    from the card's current page)."""
    row = CardRow(
        id=request.cco_id,
        number=request.cco_number,
        title=request.cco_title,
        contract_id=request.contract_id,
        contract_type=request.contract_type,
        project_name=request.project_name,
    )
    card = Card(
        team_id=request.team_id,
        channel_id=request.channel_id,
        message_ts=request.card_ts,
        company_id=request.company_id,
        project_id=request.project_id,
        project_name=request.project_name,
        rows=[row],
        created_by=request.requester,
    )
    return card, row


async def withdraw_unposted(svc: Services, request: UnlinkRequest, error: str) -> None:
    """Slack refused the request message: nobody can see the request, so it must not stay
    pending (it would block new requests for this CCO until it expires)."""
    assert request.id is not None
    async with svc.db.transaction() as s:
        await stored.decide_request(
            session=s,
            request_id=request.id,
            status=RequestStatus.UNPOSTED,
            decided_by=None,
            reason=error[:MAX_REASON],
        )


async def attach_message(svc: Services, request_id: int, message_ts: str) -> None:
    async with svc.db.transaction() as s:
        await stored.attach_message(session=s, request_id=request_id, message_ts=message_ts)


async def request_of(svc: Services, request_id: int) -> UnlinkRequest | None:
    """The request a button names, in any state, when it is this company's."""
    async with svc.db.session() as s:
        request = await stored.get_request(session=s, request_id=request_id)
    return request if request and request.company_id == svc.policy.company_id else None


async def _pending(svc: Services, request_id: int) -> UnlinkRequest | Closed | None:
    async with svc.db.session() as s:
        request = await stored.get_request(session=s, request_id=request_id)
    if request is None or request.company_id != svc.policy.company_id:
        return None
    if request.status == RequestStatus.PENDING and request.expires_at <= utcnow():
        await expire(svc, request)
        async with svc.db.session() as s:
            request = await stored.get_request(session=s, request_id=request_id)
        assert request is not None
    if request.status != RequestStatus.PENDING:
        return Closed(request)
    return request


async def approve(
    svc: Services, request_id: int, approver: str, response_url: str | None
) -> Busy | Finished | Closed | SelfApproval | Moot | None:
    """Run the unlink as the approver; the request closes as approved when it succeeds, and as
    moot when the CCO turns out to be unlinked already (here or elsewhere)."""
    request = await _pending(svc, request_id)
    if not isinstance(request, UnlinkRequest):
        return request
    if svc.policy.four_eyes and approver == request.requester:
        return SelfApproval(request)
    click = UnlinkClick(
        team_id=request.team_id,
        channel_id=request.channel_id,
        card_ts=request.card_ts,
        slack_user_id=approver,
        cco_id=request.cco_id,
        response_url=response_url,
        request_id=request.id,
        requested_by=request.requester,
    )
    result = await unlink(svc, click, target=request_target(request))
    if isinstance(result, Busy) and result.unlinked:
        gone = NoLongerSynced(
            request.cco_number, result.by_user, result.finished_at, result.reference or ""
        )
        return await _close_as_moot(svc, request, approver, gone)
    if isinstance(result, Finished) and isinstance(result.outcome, NotSynced | CcoGone):
        gone = await no_longer_synced(svc, request.company_id, request.cco_id, request.cco_number)
        moot = await _close_as_moot(svc, request, approver, gone)
        return result if isinstance(moot, Moot) else moot
    return result


async def _close_as_moot(
    svc: Services, request: UnlinkRequest, approver: str, gone: NoLongerSynced
) -> Moot | Closed:
    assert request.id is not None
    async with svc.db.transaction() as s:
        closed = await stored.decide_request(
            session=s,
            request_id=request.id,
            status=RequestStatus.MOOT,
            decided_by=approver,
            reason=None,
            attempt_reference=gone.reference or None,
        )
        fresh = await stored.get_request(session=s, request_id=request.id)
    assert fresh is not None
    await svc.messenger.refresh_request(request.id)
    return Moot(fresh, gone) if closed else Closed(fresh)


async def deny(
    svc: Services, request_id: int, denier: str, reason: str
) -> Denied | Closed | NotAnApprover | SelfApproval | None:
    """Only someone who could approve may deny; a denial needs a reason."""
    request = await _pending(svc, request_id)
    if not isinstance(request, UnlinkRequest):
        return request
    if svc.policy.four_eyes and denier == request.requester:
        return SelfApproval(request)
    rights = await authorize_user(
        svc, request.team_id, denier, request.project_id, request.project_name
    )
    if not isinstance(rights, PermissionSnapshot):
        return NotAnApprover(request, rights)
    async with svc.db.transaction() as s:
        decided = await stored.decide_request(
            session=s,
            request_id=request_id,
            status=RequestStatus.DENIED,
            decided_by=denier,
            reason=reason.strip()[:MAX_REASON],
        )
        fresh = await stored.get_request(session=s, request_id=request_id)
    assert fresh is not None
    return Denied(fresh) if decided else Closed(fresh)


async def expire(svc: Services, request: UnlinkRequest) -> bool:
    assert request.id is not None
    async with svc.db.transaction() as s:
        expired = await stored.decide_request(
            session=s,
            request_id=request.id,
            status=RequestStatus.EXPIRED,
            decided_by=None,
            reason=None,
        )
    if expired:
        await svc.messenger.refresh_request(request.id)
    return expired


async def expire_due(svc: Services) -> int:
    async with svc.db.session() as s:
        due = await stored.due_requests(
            session=s, now=utcnow(), limit=100, company_id=tenant_company(svc.policy)
        )
    return sum([await expire(svc, request) for request in due])
