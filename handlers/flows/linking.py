"""Bind a Slack channel to a Procore project, after checking the project exists in the company."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.flows.services import Services
from procore.errors import ProcoreForbidden, ProcoreNotFound
from storage import repos
from storage.models import ChannelLink


@dataclass(frozen=True)
class Linked:
    project_id: int
    project_name: str


@dataclass(frozen=True)
class LinkRefused:
    reason: str


async def link_channel(
    svc: Services, team_id: str, channel_id: str, user_id: str, project_id: int
) -> Linked | LinkRefused:
    try:
        project = await svc.procore.get_project(project_id)
    except (ProcoreNotFound, ProcoreForbidden):
        return LinkRefused(
            f"Procore has no project {project_id} that this app can see in company "
            f"{svc.company_id}. Check the id (it is in the project's Procore URL) and that the "
            "app's service account has the project in its Permitted Projects."
        )
    if project.company_id != svc.company_id:
        return LinkRefused(
            f"Project {project_id} belongs to another Procore company ({project.company_id})."
        )
    async with svc.db.transaction() as s:
        await repos.save_channel_link(
            s,
            ChannelLink(
                team_id=team_id,
                channel_id=channel_id,
                company_id=project.company_id,
                project_id=project.id,
                project_name=project.name,
                linked_by=user_id,
            ),
        )
    return Linked(project.id, project.name)


async def channel_project(svc: Services, team_id: str, channel_id: str) -> ChannelLink | None:
    async with svc.db.session() as s:
        return await repos.get_channel_link(s, team_id, channel_id)
