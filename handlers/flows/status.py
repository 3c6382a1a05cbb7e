"""`/cco status`: who the Slack user is in Procore and how each of the three checks stands."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.flows.services import Services
from procore.models import ProcoreUser
from procore.permissions import PermissionCheck, evaluate
from storage import repos
from storage.models import ChannelLink


@dataclass(frozen=True)
class StatusReport:
    email: str | None
    user: ProcoreUser | None
    project_name: str | None
    checks: tuple[PermissionCheck, ...]
    source: str = "directory"


async def status(
    svc: Services, team_id: str, user_id: str, link: ChannelLink | None
) -> StatusReport:
    email = await svc.directory.email_of(user_id)
    if not email:
        return StatusReport(None, None, link.project_name if link else None, ())
    user = await svc.procore.find_company_user(email)
    if user is None or link is None:
        return StatusReport(email, user, link.project_name if link else None, ())
    async with svc.db.transaction() as s:
        await repos.save_user_link(s, team_id, user_id, user.id, email)
    snapshot = await svc.procore.read_permissions(user, link.project_id)
    checks = tuple(evaluate(snapshot, svc.keys, link.project_name))
    return StatusReport(email, user, link.project_name, checks, snapshot.source)
