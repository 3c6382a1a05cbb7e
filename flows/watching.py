"""Which projects the app watches in Procore: each project a channel is linked to has the app's
Hook (`flows.hooks`) and a filled CCO index (`flows.index`); a project no channel is linked to
any more has neither. `reconcile_all` brings Procore and the index back to that at start-up and
every RECONCILE_MINUTES, so a failed watch or unwatch is retried there.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from flows import index
from flows.hooks import ensure_hook, remove_hooks
from flows.linking import LINKED_EVENT
from flows.services import Services, new_reference
from storage import audit, links, packages

log = structlog.get_logger("cco.watching")


async def watch_project(svc: Services, project_id: int) -> None:
    """The project's index, then its hook, then a reconciliation: a first fill when it has no
    index (a second channel or a re-link does not read every package again); nothing when
    webhooks are off (the card then reads Procore live). Filling before the hook exists means
    every delivery finds the project indexed, so a change it brings is told against the fill's
    reading; what changed between that reading and the hook is what the reconciliation reads
    (`filters[updated_at]` since the fill) and tells the same way."""
    if svc.webhooks is None:
        return
    async with svc.db.session() as s:
        indexed = await packages.get_project(session=s, project_id=project_id)
    if indexed is None or indexed.filled_at is None:
        await index.fill_project(svc, project_id)
    await ensure_hook(svc, project_id)
    await index.reconcile_project(svc, project_id)


async def linked_projects(svc: Services) -> set[int]:
    async with svc.db.session() as s:
        found = await links.channel_links(session=s, company_id=svc.policy.company_id)
    return {link.project_id for link in found}


async def unwatch_project(svc: Services, project_id: int) -> bool:
    """When no channel is linked to the project any more: its hooks go, then its index.
    False (nothing done) while a channel is still linked to it. A channel linked meanwhile
    (maybe on another replica, while the hooks were being removed) gets them back."""
    if project_id in await linked_projects(svc):
        return False
    await remove_hooks(svc, project_id)
    await index.forget_project(svc, project_id)
    if project_id in await linked_projects(svc):
        log.info("watching.relinked_meanwhile", project_id=project_id)
        await watch_project(svc, project_id)
        return False
    return True


async def after_link(svc: Services, project_id: int, previous_project_id: int | None) -> None:
    """After-ack work of a successful `/cco link`: watch the project, and unwatch the one the
    channel moved away from when no channel is left on it. A failure is logged with a
    reference; the periodic reconciliation tries again."""
    try:
        if previous_project_id is not None and previous_project_id != project_id:
            await unwatch_project(svc, previous_project_id)
        await watch_project(svc, project_id)
    except Exception:
        log.exception("watching.failed", reference=new_reference(), project_id=project_id)


@dataclass
class Reconciled:
    """What one `reconcile_all` pass did."""

    watched: int = 0
    changes: int = 0
    removed_hooks: int = 0
    failed: int = 0


async def reconcile_all(svc: Services) -> Reconciled:
    """Every linked project gets its hook and index reconciled; hooks of the app's namespace on
    projects once linked but no longer are removed (with their index)."""
    done = Reconciled()
    if svc.webhooks is None:
        return done
    linked = await linked_projects(svc)
    for project_id in sorted(linked):
        try:
            await ensure_hook(svc, project_id)
            done.changes += await index.reconcile_project(svc, project_id)
            done.watched += 1
        except Exception:
            done.failed += 1
            log.exception("watching.reconcile_failed", project_id=project_id)
    for project_id in sorted(await _once_linked(svc) - linked):
        try:
            done.removed_hooks += await remove_hooks(svc, project_id)
            await index.forget_project(svc, project_id)
        except Exception:
            done.failed += 1
            log.exception("watching.unwatch_failed", project_id=project_id)
    log.info("watching.reconciled", **vars(done))
    return done


async def _once_linked(svc: Services) -> set[int]:
    """The company's projects a channel was ever linked to (their audit says so)."""
    async with svc.db.session() as s:
        found = await audit.projects_with_event(
            session=s, company_id=svc.policy.company_id, event=LINKED_EVENT
        )
    return set(found)
