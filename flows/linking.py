"""Bind a Slack channel to a Procore project (`/cco link`).

A link shows everyone in the channel the project's CCOs, vendors and amounts, so only someone
Procore knows and lists in that project's Directory may make it; moving a linked channel to
another project needs the same on the project it is linked to now. Every change is audited
(on both projects when a channel moves) and announced in the channel.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

import structlog

from flows.identity import identify
from flows.outcomes import UnknownUser
from flows.services import Services, new_reference
from flows.views import LinkView
from i18n import N_
from procore.client import ProcoreClient
from procore.errors import ProcoreForbidden, ProcoreNotFound
from procore.models import Project
from storage import audit, links
from storage.models import AuditEvent, ChannelLink

log = structlog.get_logger("cco.linking")

LINKED_EVENT = "channel_linked"
#: on the project a channel was moved away from
MOVED_AWAY_EVENT = "channel_link_moved"


@dataclass(frozen=True)
class Linked:
    project_id: int
    project_name: str
    reference: str = ""
    #: the project the channel was linked to before (a re-link), if any
    previous_project_id: int | None = None
    previous_project_name: str | None = None
    #: the channel was already linked to this project: nothing changed
    unchanged: bool = False


@dataclass(frozen=True)
class LinkRefused:
    """Procore shows the app no such project in this company: nothing to check membership on.
    `reason` is a source message (`i18n`) whose `{project_id}` is `project_id`."""

    reason: str
    reference: str
    project_id: int = 0


#: Procore shows the app no project with that id in this company
NO_SUCH_PROJECT = N_(
    "Check the project id (it is the number in the project's Procore URL) and that the app's "
    "service account has project {project_id} in its Permitted Projects: Procore shows the app "
    "no such project in this company. Nothing was changed."
)
#: the project belongs to another Procore company
OTHER_COMPANY = N_(
    "Link a project of this app's Procore company instead: project {project_id} belongs to "
    "another company. Nothing was changed."
)


@dataclass(frozen=True)
class NotIdentified:
    """The person is not an active Procore user of the company (by their Slack email)."""

    who: UnknownUser
    project_id: int
    reference: str


@dataclass(frozen=True)
class NotOnProject:
    """The person is not in the Directory of a project the link needs.

    `current` is the channel's link when the missing membership is on the project the channel
    is linked to now (a re-link); None when it is the project asked for (whose name is then
    not shown: the person may not see it)."""

    project_id: int
    wanted_project_id: int
    current: LinkView | None
    reference: str


@dataclass(frozen=True)
class LinkChangedMeanwhile:
    """Someone else changed the channel's link while this one was being checked."""

    project_id: int


LinkResult = Linked | LinkRefused | NotIdentified | NotOnProject | LinkChangedMeanwhile


@dataclass(frozen=True)
class ProjectHidden:
    """The person may not see the linked project's CCOs: `who` is set when Procore doesn't know
    them, else they are not in the project's Directory."""

    link: LinkView
    who: UnknownUser | None
    reference: str


async def link_channel(
    svc: Services, team_id: str, channel_id: str, user_id: str, project_id: int
) -> LinkResult:
    who = await identify(svc, user_id)
    if isinstance(who, UnknownUser):
        return _refused(NotIdentified(who, project_id, new_reference()), user_id, channel_id)
    project = await _project(svc, project_id)
    if isinstance(project, LinkRefused):
        return project
    if not await svc.procore.is_project_user(project.id, who.id):
        refusal = NotOnProject(project.id, project.id, None, new_reference())
        return _refused(refusal, user_id, channel_id)
    _remember_member(svc, team_id, user_id, project.id)
    current = await channel_project(svc, team_id, channel_id)
    if current is not None and current.project_id == project.id:
        return Linked(project.id, project.name, unchanged=True)
    if current is not None and not await _may_move(svc, current, who.id):
        refusal = NotOnProject(
            current.project_id, project.id, LinkView.of(current), new_reference()
        )
        return _refused(refusal, user_id, channel_id)
    return await _save(svc, team_id, channel_id, user_id, project, current)


async def _may_move(svc: Services, current: ChannelLink, procore_user_id: int) -> bool:
    """In the Directory of the project the channel is linked to now; or that project is gone
    from the app's sight in Procore (deleted, or out of its Permitted Projects), so that a
    channel is never stuck on a project no one can be checked against."""
    try:
        return await svc.procore.is_project_user(current.project_id, procore_user_id)
    except (ProcoreNotFound, ProcoreForbidden):
        log.info("linking.current_project_gone", project_id=current.project_id)
        return True


async def project_hidden(svc: Services, user_id: str, link: ChannelLink) -> ProjectHidden | None:
    """Why the person may not list the linked project's CCOs or history here; None when they may
    (an active Procore user in the project's Directory: the rule a link itself needs). Someone
    found there is remembered `MEMBER_REMEMBERED` seconds (see there)."""
    if _remembered_member(svc, link.team_id, user_id, link.project_id):
        return None
    who = await identify(svc, user_id)
    if isinstance(who, UnknownUser):
        hidden = ProjectHidden(LinkView.of(link), who, new_reference())
    elif not await svc.procore.is_project_user(link.project_id, who.id):
        hidden = ProjectHidden(LinkView.of(link), None, new_reference())
    else:
        _remember_member(svc, link.team_id, user_id, link.project_id)
        return None
    log.warning(
        "linking.project_hidden",
        reference=hidden.reference,
        user=user_id,
        channel=link.channel_id,
        project_id=link.project_id,
    )
    return hidden


#: seconds a person found in a project's Directory is taken to still be there by
#: `project_hidden` (the card, `/cco history`, `/cco language`, `/cco alerts`), so a card served
#: from the project's index asks Procore nothing (issue 14: 0 calls); someone removed from the
#: Directory stops seeing the CCOs within this time. Refusals are never remembered, and a click
#: still reads the clicker's rights live before any decision.
MEMBER_REMEMBERED = 300.0
_MEMBERS: weakref.WeakKeyDictionary[ProcoreClient, dict[tuple[str, str, int], float]] = (
    weakref.WeakKeyDictionary()
)


def _remember_member(svc: Services, team_id: str, user_id: str, project_id: int) -> None:
    seen = _MEMBERS.setdefault(svc.procore, {})
    now = time.monotonic()
    for key in [k for k, until in seen.items() if until <= now]:
        del seen[key]
    seen[(team_id, user_id, project_id)] = now + MEMBER_REMEMBERED


def _remembered_member(svc: Services, team_id: str, user_id: str, project_id: int) -> bool:
    until = _MEMBERS.get(svc.procore, {}).get((team_id, user_id, project_id))
    return until is not None and until > time.monotonic()


async def channel_project(svc: Services, team_id: str, channel_id: str) -> ChannelLink | None:
    async with svc.db.session() as s:
        return await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)


async def _project(svc: Services, project_id: int) -> Project | LinkRefused:
    try:
        project = await svc.procore.get_project(project_id)
    except (ProcoreNotFound, ProcoreForbidden):
        return LinkRefused(NO_SUCH_PROJECT, new_reference(), project_id)
    if project.company_id != svc.policy.company_id:
        return LinkRefused(OTHER_COMPANY, new_reference(), project_id)
    return project


async def _save(
    svc: Services,
    team_id: str,
    channel_id: str,
    user_id: str,
    project: Project,
    checked: ChannelLink | None,
) -> Linked | LinkChangedMeanwhile:
    """Store the link and its audit rows, unless the link changed since it was checked."""
    reference = new_reference()
    before = (checked.project_id, checked.project_name) if checked else (None, None)
    link = ChannelLink(
        team_id=team_id,
        channel_id=channel_id,
        company_id=project.company_id,
        project_id=project.id,
        project_name=project.name,
        linked_by=user_id,
    )
    try:
        async with svc.db.transaction() as s:
            now = await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)
            if (now.project_id if now else None) != before[0]:
                return LinkChangedMeanwhile(project.id)
            await links.save_channel_link(session=s, link=link)
            for event in _link_events(reference, link, checked):
                audit.add_event(session=s, event=event)
    except links.ChannelLinkedMeanwhile:
        return LinkChangedMeanwhile(project.id)
    log.info(
        "linking.linked",
        reference=reference,
        channel=channel_id,
        user=user_id,
        project_id=project.id,
        from_project_id=before[0],
    )
    return Linked(project.id, project.name, reference, before[0], before[1])


def _link_events(
    reference: str, link: ChannelLink, checked: ChannelLink | None
) -> list[AuditEvent]:
    """A link's audit rows: `linked` in its project and, when the channel had another project,
    `moved_away` in that one (both with the same detail)."""
    detail: dict[str, object] = {
        "channel_id": link.channel_id,
        "from_project_id": checked.project_id if checked else None,
        "from_project_name": checked.project_name if checked else None,
        "to_project_id": link.project_id,
        "to_project_name": link.project_name,
    }
    team_id, user_id = link.team_id, link.linked_by
    events = [
        _audit(reference, LINKED_EVENT, team_id, user_id, link.company_id, link.project_id, detail)
    ]
    if checked is not None:
        where = (checked.company_id, checked.project_id)
        events.append(_audit(reference, MOVED_AWAY_EVENT, team_id, user_id, *where, detail))
    return events


def _audit(
    reference: str,
    event: str,
    team_id: str,
    user_id: str,
    company_id: int,
    project_id: int,
    detail: dict[str, object],
) -> AuditEvent:
    return AuditEvent(
        reference=reference,
        event=event,
        team_id=team_id,
        slack_user_id=user_id,
        company_id=company_id,
        project_id=project_id,
        outcome="linked",
        detail=detail,
    )


def _refused(
    refusal: NotIdentified | NotOnProject, user_id: str, channel_id: str
) -> NotIdentified | NotOnProject:
    log.warning(
        "linking.refused",
        reference=refusal.reference,
        why=type(refusal).__name__,
        user=user_id,
        channel=channel_id,
        project_id=refusal.project_id,
    )
    return refusal
