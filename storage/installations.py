"""Whether the app is still installed in a workspace. Callers own the transaction."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackInstallation, utcnow
from storage.states import InstallationState


async def latest_installation(*, session: AsyncSession) -> SlackInstallation | None:
    """The workspace whose installation changed last."""
    query = select(SlackInstallation).order_by(col(SlackInstallation.changed_at).desc()).limit(1)
    return (await session.exec(query)).first()


async def mark_installation(
    *, session: AsyncSession, team_id: str, state: InstallationState
) -> None:
    """Record the workspace's installation state (the latest event wins), in one statement:
    Slack sends `app_uninstalled` and `tokens_revoked` together, and two transactions that each
    read no row and insert one would collide on the key (the second event then "failed")."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql.insert if postgres else sqlite.insert)(SlackInstallation).values(
        team_id=team_id, state=state, changed_at=utcnow()
    )
    latest = {"state": insert.excluded.state, "changed_at": insert.excluded.changed_at}
    await session.exec(insert.on_conflict_do_update(index_elements=["team_id"], set_=latest))
