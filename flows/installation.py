"""Whether the app is still installed: Slack's `app_uninstalled` and `tokens_revoked` events mark
the workspace gone; any later request from Slack (a reinstall) marks it installed again. The
audit, the attempts and the requests are kept either way (README, "Data retention")."""

from __future__ import annotations

import structlog

from storage import installations
from storage.db import Database
from storage.states import InstallationState

log = structlog.get_logger("cco.installation")


async def mark(db: Database, team_id: str, state: InstallationState) -> None:
    """Record the workspace's installation state (the latest event wins)."""
    async with db.transaction() as s:
        await installations.mark_installation(session=s, team_id=team_id, state=state)
    log.info("installation.marked", team_id=team_id, state=state)


async def is_gone(db: Database) -> bool:
    """True while the latest word from Slack is that the app was uninstalled or its tokens
    revoked (this app serves one workspace per bot token)."""
    async with db.session() as s:
        latest = await installations.latest_installation(session=s)
    return latest is not None and latest.state != InstallationState.INSTALLED
