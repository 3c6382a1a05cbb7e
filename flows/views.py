"""What the Slack messages show about an attempt, a request or an audit event: frozen views,
so Block Kit builders never hold a table row (nor could write one back).

Each view has the fields its builders render and an `of()` that reads them off the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import AuditEvent, ChannelLink, UnlinkAttempt, UnlinkRequest
from storage.states import RequestStatus


@dataclass(frozen=True)
class LinkView:
    """A channel's link to a Procore project, as an answer names it."""

    project_id: int
    project_name: str
    linked_by: str

    @classmethod
    def of(cls, link: ChannelLink) -> LinkView:
        return cls(
            project_id=link.project_id, project_name=link.project_name, linked_by=link.linked_by
        )


@dataclass(frozen=True)
class AttemptView:
    """An unlink attempt: who clicked what, when, and how it ended."""

    reference: str
    cco_id: int
    cco_number: str
    slack_user_id: str
    created_at: datetime
    finished_at: datetime | None = None
    #: the outcome kind once finished (None while it runs)
    outcome: str | None = None
    #: set when the attempt approves someone's request
    request_id: int | None = None
    requested_by: str | None = None

    @classmethod
    def of(cls, attempt: UnlinkAttempt) -> AttemptView:
        return cls(
            reference=attempt.reference,
            cco_id=attempt.cco_id,
            cco_number=attempt.cco_number,
            slack_user_id=attempt.slack_user_id,
            created_at=attempt.created_at,
            finished_at=attempt.finished_at,
            outcome=attempt.outcome,
            request_id=attempt.request_id,
            requested_by=attempt.requested_by,
        )


@dataclass(frozen=True)
class RequestView:
    """A request to unlink a CCO, and its decision once made."""

    id: int
    reference: str
    channel_id: str
    project_name: str
    cco_number: str
    cco_title: str
    requester: str
    reason: str
    status: RequestStatus
    created_at: datetime
    expires_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    #: the attempt an approval started
    attempt_reference: str | None = None
    #: the language of the request message (None: DEFAULT_LOCALE)
    locale: str | None = None

    @classmethod
    def of(cls, request: UnlinkRequest) -> RequestView:
        return cls(
            id=int(request.id or 0),
            reference=request.reference,
            channel_id=request.channel_id,
            project_name=request.project_name,
            cco_number=request.cco_number,
            cco_title=request.cco_title,
            requester=request.requester,
            reason=request.reason,
            status=RequestStatus(request.status),
            created_at=request.created_at,
            expires_at=request.expires_at,
            decided_by=request.decided_by,
            decided_at=request.decided_at,
            decision_reason=request.decision_reason,
            attempt_reference=request.attempt_reference,
            locale=request.locale,
        )


@dataclass(frozen=True)
class EventView:
    """One audited event of a trail."""

    at: datetime
    reference: str
    event: str
    slack_user_id: str
    cco_number: str
    outcome: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, event: AuditEvent) -> EventView:
        return cls(
            at=event.at,
            reference=event.reference,
            event=event.event,
            slack_user_id=event.slack_user_id,
            cco_number=event.cco_number,
            outcome=event.outcome,
            detail=dict(event.detail or {}),
        )
