"""The outbox's waiting rows by a partial index: only unpublished rows, in the order the relay takes them.

An index on ``published_at`` held every row ever published and found the waiting ones by ``IS NULL``,
then sorted them: after a long Redis outage each relay look read and sorted the whole backlog to take the
first 200. The partial index holds only waiting rows, in id order, so a look reads the 200 it takes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WAITING = sa.text("published_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.create_index("ix_outbox_unpublished", "outbox", ["id"], postgresql_where=_WAITING, sqlite_where=_WAITING)


def downgrade() -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
