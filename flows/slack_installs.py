"""The app's Slack installations in many-workspace mode (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET):
who installed the app where, and each installation's bot token for the clients that call Slack.

`installation_for` answers without decrypting anything (for set-up and tenant lookups);
`SlackInstalls` holds the cipher and serves the OAuth stores (`handlers/oauth_stores.py`) and the
per-team Web API clients (`handlers/team_client.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from storage import slack_installs as store
from storage.accounts import TokenCipher
from storage.db import Database
from storage.models import utcnow
from storage.slack_installs import Installed

log = structlog.get_logger("cco.slack_installs")

__all__ = ["Installed", "SlackInstalls", "installation_for"]


async def installation_for(
    db: Database, team_id: str | None, enterprise_id: str | None = None
) -> Installed | None:
    """The installation serving `team_id` (its own, else its Grid organisation's org-wide one),
    tokens left empty; None when the app is not installed there (or was removed)."""
    async with db.session() as s:
        return await store.find_install(
            session=s, cipher=None, enterprise_id=enterprise_id, team_id=team_id
        )


@dataclass(frozen=True)
class SlackInstalls:
    db: Database
    cipher: TokenCipher
    #: how long an install's `state` stays good (Bolt's default is 10 minutes)
    state_ttl: timedelta = timedelta(minutes=10)

    async def save(self, install: Installed) -> None:
        async with self.db.transaction() as s:
            await store.save_install(session=s, cipher=self.cipher, install=install)
        log.info(
            "slack_install.saved",
            key=install.key,
            org_wide=install.is_enterprise_install,
            expires_at=install.bot_token_expires_at,
        )

    async def find(
        self,
        team_id: str | None,
        enterprise_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Installed | None:
        """The installation with its tokens in clear."""
        async with self.db.session() as s:
            return await store.find_install(
                session=s,
                cipher=self.cipher,
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )

    async def remove(
        self, team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool | None
    ) -> bool:
        """Delete the installation's tokens (the workspace's history stays)."""
        async with self.db.transaction() as s:
            removed = await store.delete_install(
                session=s,
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
        key = store.install_key(enterprise_id, team_id, is_enterprise_install)
        log.warning("slack_install.removed", key=key, found=removed)
        return removed

    async def issue_state(self, state: str) -> None:
        expires_at: datetime = utcnow() + self.state_ttl
        async with self.db.transaction() as s:
            await store.new_oauth_state(session=s, state=state, expires_at=expires_at)

    async def consume_state(self, state: str) -> bool:
        async with self.db.transaction() as s:
            return await store.consume_oauth_state(session=s, state=state)
