"""Handoffs: conversations whose person asked for a human.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage_api.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("conversation_hash", sa.String(64), nullable=False, index=True),
        sa.Column("conversation_enc", sa.Text, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("taken_by", sa.String(80)),
        sa.Column("taken_at", UTCDateTime()),
    )


def downgrade() -> None:
    op.drop_table("handoffs")
