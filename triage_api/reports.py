"""Taking in a report: triage it, store it encrypted, and queue it for the police — exactly once.

:func:`submit` is the whole of ``POST /v1/reports`` apart from HTTP. In one transaction it writes
the report, its first history event and an outbox row (the stream entry, without personal data);
the relay (:mod:`triage_api.outbox`) publishes the row later, so a report is never lost because
Redis is down. The client's ``Idempotency-Key`` makes a retried submission return the report it
already created, never a second one; the same key with a different body is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from triage_api import receipt
from triage_api.crypto import FieldCipher
from triage_api.engine.provinces import find_provinces, province_names
from triage_api.engine.text import Text
from triage_api.engine.triage import triage
from triage_api.models import OutboxEntry, Report, ReportEvent
from triage_api.schemas import ReportCreate

__all__ = ["IdempotencyConflict", "ReportRefused", "Submitted", "stream_entry", "submit"]

SYSTEM = "system:intake"


class ReportRefused(Exception):
    """A report that cannot be stored as sent; ``code``/``vi``/``en`` say why without quoting it."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(code)
        self.code, self.vi, self.en = code, vi, en


class IdempotencyConflict(ReportRefused):
    def __init__(self) -> None:
        super().__init__(
            "idempotency_conflict",
            "Mã Idempotency-Key này đã được dùng cho một báo cáo khác.",
            "This Idempotency-Key was already used for a different report.",
        )


@dataclass(frozen=True, slots=True)
class Submitted:
    report: Report
    created: bool  # False: the same submission was already stored, this is it


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _province(body: ReportCreate, found: str | None) -> str | None:
    """The province the reporter gave (any spelling, old or new name), else the one in the narrative."""
    given = body.location.province
    if given is None or not given.strip():
        return found
    if given in province_names():
        return given
    mentions = find_provinces(Text.of(given))
    if not mentions:
        raise ReportRefused(
            "unknown_province",
            "Không nhận ra tên tỉnh/thành phố. Vui lòng ghi một trong 34 tỉnh, thành (tên cũ cũng được).",
            "Unknown province: give one of the 34 provinces (a pre-2025 name is fine).",
        )
    return mentions[0].province


def stream_entry(report: Report) -> dict[str, str]:
    """What the police intake stream carries: ids, urgency, province, codes and times — no personal data."""
    return {
        "report_id": report.id,
        "urgency": report.urgency,
        "province": report.province or "",
        "indicators": ",".join(i["code"] for i in report.indicators),
        "channel": report.channel,
        "consent": report.consent,
        "received_at": report.received_at.isoformat(),
    }


def _existing(session: Session, key_hash: str, request_hash: str) -> Report | None:
    found = session.scalars(select(Report).where(Report.idempotency_key == key_hash)).one_or_none()
    if found is not None and found.request_hash != request_hash:
        raise IdempotencyConflict()
    return found


def submit(
    sessions: sessionmaker[Session],
    cipher: FieldCipher,
    body: ReportCreate,
    idempotency_key: str,
    *,
    now: datetime | None = None,
) -> Submitted:
    if body.consent == "anonymous" and body.contact:
        raise ReportRefused(
            "contact_with_anonymous",
            "Báo tin ẩn danh thì không ghi thông tin liên lạc. Hãy bỏ trống, hoặc chọn «bảo mật».",
            "An anonymous report keeps no contact: leave it out, or choose 'confidential'.",
        )
    key_hash = _sha256(idempotency_key)
    request_hash = _sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False))
    with sessions() as session:
        existing = _existing(session, key_hash, request_hash)
        if existing is not None:
            return Submitted(existing, created=False)

    result = triage(body.narrative)
    province = _province(body, result.entities["province"])
    received = now or datetime.now(UTC)
    for _attempt in range(3):  # a receipt code collision (1 in 10^10) gets a new code
        report = Report(
            id=str(uuid.uuid4()),
            receipt_code=receipt.new_code(),
            idempotency_key=key_hash,
            request_hash=request_hash,
            channel=body.channel,
            received_at=received,
            reporter_role=body.reporter_role,
            consent=body.consent,
            contact_enc=cipher.encrypt(body.contact) if body.contact else None,
            narrative_enc=cipher.encrypt(body.narrative),
            people_enc=cipher.encrypt(json.dumps([p.model_dump() for p in body.people_at_risk], ensure_ascii=False)),
            suspects_enc=cipher.encrypt(json.dumps([s.model_dump() for s in body.suspects], ensure_ascii=False)),
            commune_enc=cipher.encrypt(body.location.commune) if body.location.commune else None,
            explanation_enc=cipher.encrypt(result.explanation),
            province=province,
            destination_country=body.destination_country or next(iter(result.entities["countries"]), None),
            indicators=[{"code": i.code, "start": i.start, "end": i.end} for i in result.indicators],
            urgency=result.urgency,
            urgency_rule=result.rule,
            status="received",
            updated_at=received,
        )
        # three plain INSERTs in one transaction: no ORM unit of work, no RETURNING round trips
        values = {c.name: getattr(report, c.key) for c in Report.__table__.columns}
        with sessions() as session:
            try:
                session.execute(insert(Report), [values])
                session.execute(insert(ReportEvent), [{"report_id": report.id, "at": received, "actor": SYSTEM,
                                                       "kind": "received", "to_value": "received"}])
                session.execute(insert(OutboxEntry), [{"report_id": report.id, "payload": stream_entry(report),
                                                       "created_at": received, "attempts": 0}])
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = _existing(session, key_hash, request_hash)  # lost a race for the same key
                if existing is not None:
                    return Submitted(existing, created=False)
                taken = session.scalar(select(Report.id).where(Report.receipt_code == report.receipt_code))
                if taken is None:
                    raise
                continue
            return Submitted(report, created=True)
    raise RuntimeError("could not store the report")  # pragma: no cover - three receipt collisions


# --- reading a report, as a role may see it ---------------------------------------------------

# the personal fields each role may read; the rest of the report (codes, times, province) anyone signed in may
_VISIBLE: dict[str, frozenset[str]] = {
    "operator": frozenset({"narrative", "explanation", "contact", "people_at_risk", "suspects", "commune", "reasons"}),
    "supervisor": frozenset({"narrative", "explanation", "contact", "people_at_risk", "suspects", "commune", "reasons"}),
    "police": frozenset({"narrative", "explanation", "contact", "people_at_risk", "suspects", "commune"}),
    "auditor": frozenset(),
    "service": frozenset(),
}


def view(report: Report, events: list[ReportEvent], cipher: FieldCipher, role: str) -> tuple[dict[str, object], list[str]]:
    """The report as ``role`` may see it, and the personal fields that view contains (for the audit log).

    Police see a contact only when the reporter agreed to share it with them."""
    allowed = set(_VISIBLE.get(role, frozenset()))
    if role == "police" and report.consent != "share_with_police":
        allowed.discard("contact")
    encrypted = {
        "narrative": report.narrative_enc, "explanation": report.explanation_enc, "contact": report.contact_enc,
        "people_at_risk": report.people_enc, "suspects": report.suspects_enc, "commune": report.commune_enc,
    }
    out: dict[str, object] = {
        "id": report.id, "receipt_code": report.receipt_code, "channel": report.channel,
        "received_at": report.received_at, "reporter_role": report.reporter_role, "consent": report.consent,
        "province": report.province, "destination_country": report.destination_country, "urgency": report.urgency,
        "urgency_rule": report.urgency_rule, "status": report.status, "indicators": report.indicators,
    }
    shown: list[str] = []
    for name, token in encrypted.items():
        if name in allowed and token is not None:
            plain = cipher.decrypt(token)
            out[name] = json.loads(plain) if name in ("people_at_risk", "suspects") else plain
            shown.append(name)
    reasons = "reasons" in allowed
    out["history"] = [
        {"at": e.at, "actor": e.actor, "kind": e.kind, "from_value": e.from_value, "to_value": e.to_value,
         "reason": cipher.decrypt(e.reason_enc) if reasons and e.reason_enc else None}
        for e in events
    ]
    if reasons and any(e.reason_enc for e in events):
        shown.append("reasons")
    return out, shown
