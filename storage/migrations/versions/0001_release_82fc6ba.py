"""The schema of release 82fc6ba (the last one made by `create_all` at start-up).

Idempotent: on an empty database it creates every table; on a database 82fc6ba made it finds
nothing to do; on one an older release made it adds the missing tables, nullable columns and
indexes and widens VARCHAR columns to TEXT on PostgreSQL (what start-up did until then).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from storage.migrations import baseline

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    baseline.bring_up(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("no downgrade below 0001: restore a backup instead")
