"""Whether the app is still installed: Slack's `app_uninstalled` and `tokens_revoked` events mark
the workspace gone; any later request from Slack (a reinstall) marks it installed again. The
audit, the attempts and the requests are kept either way (README, "Data retention")."""

from __future__ import annotations

import structlog

from storage import repos
from storage.db import Database
from storage.models import SlackInstallation, utcnow

log = structlog.get_logger("cco.installation")

INSTALLED = "installed"
UNINSTALLED = "uninstalled"
TOKENS_REVOKED = "tokens_revoked"


async def mark(db: Database, team_id: str, state: str) -> None:
    """Record the workspace's installation state (the latest event wins)."""
    async with db.transaction() as s:
        row = await s.get(SlackInstallation, team_id)
        if row is None:
            row = SlackInstallation(team_id=team_id)
        row.state, row.changed_at = state, utcnow()
        s.add(row)
    log.info("installation.marked", team_id=team_id, state=state)


async def is_gone(db: Database) -> bool:
    """True while the latest word from Slack is that the app was uninstalled or its tokens
    revoked (this app serves one workspace per bot token)."""
    async with db.session() as s:
        latest = await repos.latest_installation(s)
    return latest is not None and latest.state != INSTALLED
