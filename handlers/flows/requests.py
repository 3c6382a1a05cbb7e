"""Request → approve/deny: people without the three permissions ask; approvers decide.

The approver's own permissions are what is checked, at click time, by the unlink pipeline.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from handlers.flows.outcomes import NotLinked, PermissionDenied, UnknownUser
from handlers.flows.services import Services
from handlers.flows.unlink import Busy, Finished, UnlinkClick, authorize_user, card_row, unlink
from procore.models import PermissionSnapshot
from storage import repos
from storage.models import UnlinkRequest, utcnow

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
) -> Opened | AlreadyRequested:
    """Record a pending request for a CCO on a card (raises `InvalidClick` for a foreign card)."""
    card, row = await card_row(svc, team_id, channel_id, card_ts, cco_id)
    request = UnlinkRequest(
        reference=new_request_reference(),
        team_id=team_id,
        channel_id=channel_id,
        card_ts=card_ts,
        company_id=card.company_id,
        project_id=card.project_id,
        project_name=card.project_name,
        cco_id=cco_id,
        cco_number=str(row.get("number", "")),
        cco_title=str(row.get("title", "")),
        requester=requester,
        reason=reason.strip()[:MAX_REASON],
        expires_at=utcnow() + svc.request_ttl,
    )
    try:
        async with svc.db.transaction() as s:
            s.add(request)
    except IntegrityError:
        async with svc.db.session() as s:
            existing = await repos.pending_request(s, card.company_id, cco_id)
        if existing is None:
            raise
        return AlreadyRequested(existing)
    return Opened(request)


async def attach_message(svc: Services, request_id: int, message_ts: str) -> None:
    async with svc.db.transaction() as s:
        request = await repos.get_request(s, request_id)
        if request is not None:
            request.message_ts = message_ts
            s.add(request)


async def _pending(svc: Services, request_id: int) -> UnlinkRequest | Closed | None:
    async with svc.db.session() as s:
        request = await repos.get_request(s, request_id)
    if request is None or request.company_id != svc.company_id:
        return None
    if request.status == "pending" and request.expires_at <= utcnow():
        await expire(svc, request)
        async with svc.db.session() as s:
            request = await repos.get_request(s, request_id)
        assert request is not None
    if request.status != "pending":
        return Closed(request)
    return request


async def approve(
    svc: Services, request_id: int, approver: str, response_url: str | None
) -> Busy | Finished | Closed | SelfApproval | None:
    """Run the unlink as the approver; the request closes as approved when it succeeds."""
    request = await _pending(svc, request_id)
    if not isinstance(request, UnlinkRequest):
        return request
    if svc.four_eyes and approver == request.requester:
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
    return await unlink(svc, click)


async def deny(
    svc: Services, request_id: int, denier: str, reason: str
) -> Denied | Closed | NotAnApprover | SelfApproval | None:
    """Only someone who could approve may deny; a denial needs a reason."""
    request = await _pending(svc, request_id)
    if not isinstance(request, UnlinkRequest):
        return request
    if svc.four_eyes and denier == request.requester:
        return SelfApproval(request)
    rights = await authorize_user(
        svc, request.team_id, denier, request.project_id, request.project_name
    )
    if not isinstance(rights, PermissionSnapshot):
        return NotAnApprover(request, rights)
    async with svc.db.transaction() as s:
        decided = await repos.decide_request(
            s, request_id, "denied", denier, reason.strip()[:MAX_REASON]
        )
        fresh = await repos.get_request(s, request_id)
    assert fresh is not None
    return Denied(fresh) if decided else Closed(fresh)


async def expire(svc: Services, request: UnlinkRequest) -> bool:
    assert request.id is not None
    async with svc.db.transaction() as s:
        expired = await repos.decide_request(s, request.id, "expired", None, None)
    if expired:
        await svc.messenger.refresh_request(request.id)
    return expired


async def expire_due(svc: Services) -> int:
    async with svc.db.session() as s:
        due = await repos.requests_where(
            s,
            col(UnlinkRequest.status) == "pending",
            col(UnlinkRequest.expires_at) <= utcnow(),
            limit=100,
        )
    return sum([await expire(svc, request) for request in due])
