"""How each linked channel wants to hear about CCO changes (`/cco alerts`): which changes
(`AlertMode`), and whether as they happen or as one digest a day at a local time. A channel
without a row gets every change as it happens. Callers own the transaction and pass `session`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import UniqueConstraint, and_, or_, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, ChannelLink, _state, _ts, utcnow
from storage.states import AlertMode

#: how many of a channel's latest cards an alert looks through for the CCO's row
CARDS_LOOKED_AT = 50


class AlertSetting(SQLModel, table=True):
    __tablename__ = "alert_setting"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_alert_setting_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    mode: AlertMode = _state(AlertMode, AlertMode.ON)
    #: "HH:MM" (24 h) in `digest_tz`: one message a day then; None: alerts as changes happen
    digest_at: str | None = Field(default=None, max_length=5)
    #: the IANA time zone `digest_at` is in (the setter's Slack time zone, else "UTC")
    digest_tz: str | None = Field(default=None, max_length=64)
    #: the next digest lists the changes recorded after this
    digest_since: datetime | None = _ts(nullable=True)
    #: the local date ("YYYY-MM-DD") of the last digest sent (or skipped: nothing changed)
    last_digest_on: str | None = Field(default=None, max_length=10)
    #: a replica writing the digest holds the channel until then
    digest_claimed_until: datetime | None = _ts(nullable=True)
    changed_by: str = Field(default="", max_length=32)
    changed_at: datetime = _ts(nullable=False, default=utcnow)


async def get_setting(
    *, session: AsyncSession, team_id: str, channel_id: str
) -> AlertSetting | None:
    query = select(AlertSetting).where(
        AlertSetting.team_id == team_id, AlertSetting.channel_id == channel_id
    )
    return (await session.exec(query)).first()


async def settings_of(
    *, session: AsyncSession, channel_ids: Sequence[str]
) -> dict[tuple[str, str], AlertSetting]:
    """The stored settings of these channels, by (team_id, channel_id)."""
    if not channel_ids:
        return {}
    query = select(AlertSetting).where(col(AlertSetting.channel_id).in_(list(channel_ids)))
    return {(s.team_id, s.channel_id): s for s in (await session.exec(query)).all()}


def save_setting(*, session: AsyncSession, setting: AlertSetting) -> None:
    """Insert a new setting or write back one read in this session."""
    setting.changed_at = utcnow()
    session.add(setting)


async def digest_settings(
    *, session: AsyncSession, company_id: int | None = None
) -> Sequence[AlertSetting]:
    """Every channel that gets a daily digest; with `company_id`, only channels linked in that
    company (a tenant's)."""
    query = select(AlertSetting).where(
        col(AlertSetting.digest_at).is_not(None), AlertSetting.mode != AlertMode.OFF
    )
    if company_id is not None:
        query = query.join(
            ChannelLink,
            and_(
                col(ChannelLink.team_id) == col(AlertSetting.team_id),
                col(ChannelLink.channel_id) == col(AlertSetting.channel_id),
            ),
        ).where(ChannelLink.company_id == company_id)
    return (await session.exec(query)).all()


async def claim_digest(
    *, session: AsyncSession, setting_id: int, day: str, until: datetime
) -> bool:
    """Hold the channel's digest of `day` until `until`; False when it was sent for that day
    or another replica holds it."""
    now = utcnow()
    stmt = (
        update(AlertSetting)
        .where(
            col(AlertSetting.id) == setting_id,
            or_(
                col(AlertSetting.last_digest_on).is_(None), col(AlertSetting.last_digest_on) != day
            ),
            or_(
                col(AlertSetting.digest_claimed_until).is_(None),
                col(AlertSetting.digest_claimed_until) < now,
            ),
        )
        .values(digest_claimed_until=until)
    )
    result = await session.exec(stmt)
    return bool(getattr(result, "rowcount", 0))


async def digest_done(
    *, session: AsyncSession, setting_id: int, day: str, through: datetime
) -> None:
    """The digest of `day` was written: the next lists changes recorded after `through`."""
    stmt = (
        update(AlertSetting)
        .where(col(AlertSetting.id) == setting_id)
        .values(last_digest_on=day, digest_since=through, digest_claimed_until=None)
    )
    await session.exec(stmt)


async def latest_cards(
    *, session: AsyncSession, channel_id: str, project_id: int
) -> Sequence[Card]:
    """The channel's latest cards of the project, newest first (where a CCO's row may be)."""
    query = (
        select(Card)
        .where(Card.channel_id == channel_id, Card.project_id == project_id)
        .order_by(col(Card.id).desc())
        .limit(CARDS_LOOKED_AT)
    )
    return (await session.exec(query)).all()
