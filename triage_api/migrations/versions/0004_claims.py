"""Claims: which operator is working on a report (the console's claim / release).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage_api.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(80)))
        batch.add_column(sa.Column("claimed_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
