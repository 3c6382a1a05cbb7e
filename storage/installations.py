"""Whether the app is still installed in a workspace. Callers own the transaction."""

from __future__ import annotations

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
    """Record the workspace's installation state (the latest event wins)."""
    row = await session.get(SlackInstallation, team_id)
    if row is None:
        row = SlackInstallation(team_id=team_id)
    row.state, row.changed_at = state, utcnow()
    session.add(row)
