"""The database of record: reports, their history, and the outbox to the intake stream.

Columns that hold personal data — about the reporter, the people at risk, or suspects — carry
``info={"personal": True}``, end in ``_enc`` and hold AES-GCM tokens (:mod:`triage_api.crypto`),
never plaintext. Everything else (codes, times, province, urgency) is what statistics and the
police queue need and identifies no one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, Index, Integer, String, Text, TypeDecorator, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AccessToken", "ApiKey", "AuditEntry", "Base", "Handoff", "OutboxEntry", "Report", "ReportEvent", "User", "personal_columns",
]

PERSONAL = {"personal": True}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no time zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the client's key
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical request body
    channel: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reporter_role: Mapped[str] = mapped_column(String(16))
    consent: Mapped[str] = mapped_column(String(24))
    contact_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    narrative_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)  # None once erased by retention
    people_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)  # JSON list of {age, gender, relation}
    suspects_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)  # JSON list of {kind, value}
    commune_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    explanation_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)  # quotes the narrative
    province: Mapped[str | None] = mapped_column(String(32), index=True)
    destination_country: Mapped[str | None] = mapped_column(String(64))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{code, start, end}], offsets only
    urgency: Mapped[str] = mapped_column(String(2), index=True)
    urgency_rule: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80), default=None)  # the operator working on it ("user:lan")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    events: Mapped[list[ReportEvent]] = relationship(back_populates="report", order_by="ReportEvent.id")


class ReportEvent(Base):
    """One step of a report's history: append-only."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))  # a user name or "system:…", never a reporter's name
    kind: Mapped[str] = mapped_column(String(32))
    from_value: Mapped[str | None] = mapped_column(String(32))
    to_value: Mapped[str | None] = mapped_column(String(32))
    reason_enc: Mapped[str | None] = mapped_column(Text, info=PERSONAL)

    report: Mapped[Report] = relationship(back_populates="events")


class OutboxEntry(Base):
    """A report waiting to be published to the intake stream; written in the report's transaction."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    payload: Mapped[dict[str, str]] = mapped_column(JSON)  # the stream entry: no personal data
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))

    report: Mapped[Report] = relationship()

    # the rows still to publish, in the order the relay takes them (migration 0005)
    __table_args__ = (
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL"),
              sqlite_where=text("published_at IS NULL")),
    )


def personal_columns() -> dict[str, list[str]]:
    """Table → the columns marked personal (the schema's own record of what must be protected)."""
    return {
        table.name: [c.name for c in table.columns if c.info.get("personal")]
        for table in Base.metadata.sorted_tables
    }


class User(Base):
    """A person who signs in (operator, supervisor, auditor, police officer): password hashed with scrypt."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A service's or a police consumer's key: only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccessToken(Base):
    """A signed-in user's bearer token (OAuth2 password flow): only its SHA-256 is stored."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who read or changed which report's personal fields, and when. Append-only: never updated."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    report_id: Mapped[str | None] = mapped_column(String(36), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)


class Handoff(Base):
    """A conversation whose person asked for a human: an operator reaches them on its channel.

    The channel's conversation id (a Zalo or Telegram user id) identifies a person, so it is stored
    encrypted; its hash makes a second request from the same conversation the same handoff."""

    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_hash: Mapped[str] = mapped_column(String(64), index=True)
    conversation_enc: Mapped[str] = mapped_column(Text, info=PERSONAL)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    taken_by: Mapped[str | None] = mapped_column(String(80))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
