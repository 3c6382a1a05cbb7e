"""What a person's App Home shows: their own requests; for approvers, the requests they can act
on and the recent unlinks in those projects. Approval rights are read now, per project."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.services import Services
from flows.unlink import authorize_user
from flows.views import AttemptView, RequestView
from procore.models import PermissionSnapshot
from storage import attempts, requests
from storage.models import utcnow
from storage.states import AttemptState

#: projects with pending requests checked for approval rights on one Home open
MAX_PROJECTS = 5


@dataclass
class HomeData:
    own_requests: list[RequestView] = field(default_factory=list)
    approvable: list[RequestView] = field(default_factory=list)
    recent_unlinks: list[AttemptView] = field(default_factory=list)
    approver_projects: list[str] = field(default_factory=list)


async def home_for(svc: Services, team_id: str, user_id: str) -> HomeData:
    data = HomeData()
    async with svc.db.session() as s:
        own = await requests.own_requests(session=s, team_id=team_id, requester=user_id, limit=10)
        data.own_requests = [RequestView.of(r) for r in own]
        pending = await requests.open_requests(
            session=s, team_id=team_id, company_id=svc.policy.company_id, now=utcnow(), limit=50
        )
    projects: dict[int, str] = {}
    for request in pending:
        projects.setdefault(request.project_id, request.project_name)
    for project_id, name in list(projects.items())[:MAX_PROJECTS]:
        rights = await authorize_user(svc, team_id, user_id, project_id, name)
        if not isinstance(rights, PermissionSnapshot):
            continue
        data.approver_projects.append(name)
        data.approvable.extend(
            RequestView.of(r)
            for r in pending
            if r.project_id == project_id and not (svc.policy.four_eyes and r.requester == user_id)
        )
        async with svc.db.session() as s:
            recent = await attempts.project_attempts(
                session=s, company_id=svc.policy.company_id, project_id=project_id, limit=50
            )
        unlinked = [a for a in recent if a.state == AttemptState.UNLINKED][:5]
        data.recent_unlinks.extend(AttemptView.of(a) for a in unlinked)
    return data
