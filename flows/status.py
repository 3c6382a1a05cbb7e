"""`/cco status`: who the Slack user is in Procore and how each of the three checks stands."""

from __future__ import annotations

from dataclasses import dataclass

from flows.outcomes import NotLinked, UnknownUser
from flows.services import Services
from flows.unlink import read_rights
from procore.models import ProcoreUser
from procore.permissions import PermissionCheck, evaluate
from storage.models import ChannelLink


@dataclass(frozen=True)
class StatusReport:
    email: str | None
    user: ProcoreUser | None
    project_name: str | None
    checks: tuple[PermissionCheck, ...]
    source: str = "directory"
    not_linked: NotLinked | None = None


async def status(
    svc: Services, team_id: str, user_id: str, link: ChannelLink | None
) -> StatusReport:
    project_name = link.project_name if link else None
    if link is None:
        email = await svc.directory.email_of(user_id)
        user = await svc.procore.find_company_user(email) if email else None
        return StatusReport(email, user, None, ())
    rights = await read_rights(svc, team_id, user_id, link.project_id)
    if isinstance(rights, NotLinked):
        return StatusReport(None, None, project_name, (), not_linked=rights)
    if isinstance(rights, UnknownUser):
        return StatusReport(rights.email, None, project_name, ())
    checks = tuple(evaluate(rights, svc.keys, link.project_name))
    return StatusReport(rights.user.email, rights.user, project_name, checks, rights.source)
