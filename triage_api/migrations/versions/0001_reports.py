"""Reports, their history and the outbox to the intake stream.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PERSONAL = {"personal": True}


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("receipt_code", sa.String(16), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("reporter_role", sa.String(16), nullable=False),
        sa.Column("consent", sa.String(24), nullable=False),
        sa.Column("contact_enc", sa.Text, info=PERSONAL),
        sa.Column("narrative_enc", sa.Text, info=PERSONAL),
        sa.Column("people_enc", sa.Text, info=PERSONAL),
        sa.Column("suspects_enc", sa.Text, info=PERSONAL),
        sa.Column("commune_enc", sa.Text, info=PERSONAL),
        sa.Column("explanation_enc", sa.Text, info=PERSONAL),
        sa.Column("province", sa.String(32), index=True),
        sa.Column("destination_country", sa.String(64)),
        sa.Column("indicators", sa.JSON, nullable=False),
        sa.Column("urgency", sa.String(2), nullable=False, index=True),
        sa.Column("urgency_rule", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_value", sa.String(32)),
        sa.Column("to_value", sa.String(32)),
        sa.Column("reason_enc", sa.Text, info=PERSONAL),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id"), nullable=False, index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("report_events")
    op.drop_table("reports")
