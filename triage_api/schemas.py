"""Request and response bodies of the API, named by role (``TriageRequest``, ``TriagePublic``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from triage_api.engine.validate import is_control, is_surrogate

__all__ = [
    "Handle", "IndicatorPublic", "Location", "Money", "PersonAtRisk", "Problem", "ReportAccepted", "ReportCreate",
    "SuspectIdentifier", "TriageEntities", "TriagePublic", "TriageRequest",
]

Urgency = Literal["P1", "P2", "P3", "P4"]


class TriageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "Em bị nhốt ở Bắc Giang, cứu em với"}]})

    # Length and content are checked by engine.validate (bilingual messages, no echo of the text).
    text: str = Field(description="The message, as the person wrote it (any Unicode form; up to 5,000 characters)")


class IndicatorPublic(BaseModel):
    code: str = Field(description="An indicator code of indicators.yml")
    evidence: str = Field(description="The words of the message that show it")
    start: int = Field(description="Offset of the evidence in the submitted text (characters)")
    end: int


class Handle(BaseModel):
    platform: str
    handle: str


class Money(BaseModel):
    amount: float
    currency: str
    text: str


class TriageEntities(BaseModel):
    province: str | None = Field(description="One of the 34 provinces (2025), or null")
    province_mentioned: str | None = Field(description="The province as the person wrote it (may be a pre-2025 name)")
    provinces: list[str] = Field(description="Every province mentioned, normalised, in order")
    ages: list[int]
    phones: list[str] = Field(description="Phone numbers, national form (0912345678) or E.164 for foreign ones")
    countries: list[str] = Field(description="Countries mentioned (Vietnamese names)")
    platforms: list[str]
    handles: list[Handle]
    money: list[Money]


class TriagePublic(BaseModel):
    urgency: Urgency
    indicators: list[IndicatorPublic]
    entities: TriageEntities
    explanation: str = Field(description="One line a hotline operator can read at a glance")
    rule: str = Field(description="Id of the urgency rule that decided (data/urgency.yml)")


class Problem(BaseModel):
    """An error (RFC 9457 problem details) in Vietnamese and English; never echoes what was sent."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    message_vi: str
    message_en: str


# --- reports -------------------------------------------------------------------------------


def _cleaned(value: str, keep: Callable[[str], bool]) -> str:
    """NFC, without lone surrogates and without the control characters ``keep`` does not keep: neither
    the encryption nor the database can take them, and a stray one must not cost a tip."""
    return unicodedata.normalize("NFC", "".join(
        c for c in value if not is_surrogate(c) and (keep(c) or not is_control(c))
    ))


def _one_line(value: str) -> str:
    """Any run of white space (line breaks included) one space: a commune typed over two lines in a chat
    is still that commune."""
    return " ".join(_cleaned(value, str.isspace).split())


def _note(value: str) -> str:
    return _cleaned(value, lambda c: c in "\t\n").strip()  # "\r\n" becomes "\n"


# A short field as a person types it (a contact, a commune, a relation): one clean line in NFC.
Line = Annotated[str, AfterValidator(_one_line)]
# A staff member's note or reason: clean NFC text, line breaks kept.
Note = Annotated[str, AfterValidator(_note)]

Channel = Literal["zalo", "telegram", "web", "hotline"]
ReporterRole = Literal["self", "family", "witness", "other"]
Consent = Literal["anonymous", "confidential", "share_with_police"]


class PersonAtRisk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(default=None, ge=0, le=120)
    gender: Literal["female", "male", "other", "unknown"] = "unknown"
    relation: Line | None = Field(default=None, max_length=80, description="To the reporter: con gái, em trai, bạn…")


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: Line | None = Field(default=None, max_length=80, description="Any name a person uses, old or new; stored as one of the 34")
    commune: Line | None = Field(default=None, max_length=120, description="As typed (personal: stored encrypted)")


class SuspectIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["phone", "zalo", "telegram", "facebook", "bank_account", "other"]
    value: Line = Field(min_length=1, max_length=200)


class ReportCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "channel": "web", "reporter_role": "family", "consent": "confidential",
            "contact": "0912 000 111", "narrative": "Em gái tôi bị giữ ở Campuchia, họ đòi 8000 đô",
            "people_at_risk": [{"age": 19, "gender": "female", "relation": "em gái"}],
            "location": {"province": "Bắc Giang"},
        }]},
    )

    channel: Channel
    reporter_role: ReporterRole = "other"
    consent: Consent = Field(description="anonymous: no contact is kept; confidential: police see no contact; share_with_police")
    contact: Line | None = Field(default=None, max_length=200, description="Phone, Zalo… — must be absent when anonymous")
    narrative: str = Field(description="What happened, as the person told it (up to 5,000 characters)")
    people_at_risk: list[PersonAtRisk] = Field(default_factory=list, max_length=20)
    location: Location = Field(default_factory=Location)
    destination_country: Line | None = Field(default=None, max_length=64)
    suspects: list[SuspectIdentifier] = Field(default_factory=list, max_length=50)


class ReportAccepted(BaseModel):
    id: str = Field(description="The report's id (UUID)")
    receipt_code: str = Field(description="Short code the person keeps to follow up, e.g. 7KQM-X4TD")
    urgency: Urgency
    status: str
    received_at: datetime
    message_vi: str = Field(description="What to tell the person")


class ReportEventPublic(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_value: str | None
    to_value: str | None
    reason: str | None = Field(default=None, description="Shown to operators and supervisors only")


class ReportPublic(BaseModel):
    """A report as a role may see it: personal fields are null for roles that may not see them."""

    id: str
    receipt_code: str
    channel: Channel
    received_at: datetime
    reporter_role: ReporterRole
    consent: Consent
    province: str | None
    destination_country: str | None
    urgency: Urgency
    urgency_rule: str
    status: str
    indicators: list[dict[str, int | str]]
    narrative: str | None = None
    explanation: str | None = None
    contact: str | None = None
    people_at_risk: list[PersonAtRisk] | None = None
    suspects: list[SuspectIdentifier] | None = None
    commune: str | None = None
    history: list[ReportEventPublic]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["queued", "acknowledged", "in_progress", "resolved", "closed"]
    reason: Note | None = Field(default=None, max_length=1000, description="Required to close")


class UrgencyChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Urgency
    reason: Note = Field(min_length=1, max_length=1000)


class ReceiptStatus(BaseModel):
    receipt_code: str
    status: str
    updated_at: datetime
    message_vi: str


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class PrincipalPublic(BaseModel):
    name: str = Field(description="\"user:lan\" or \"key:police-hn-1\"")
    role: Literal["operator", "supervisor", "police", "auditor", "service"]


class IntakePull(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    count: int = Field(default=20, ge=1, le=100)


class IntakeEntry(BaseModel):
    entry_id: str
    report_id: str
    urgency: Urgency
    province: str
    indicators: list[str]
    channel: str
    consent: str
    received_at: str


class IntakeAck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    entry_ids: list[str] = Field(min_length=1, max_length=100)


# --- handoffs ------------------------------------------------------------------------------


class HandoffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Line = Field(min_length=1, max_length=200, description="The channel's id of the conversation (personal)")
    channel: Channel


class HandoffAccepted(BaseModel):
    id: str
    channel: Channel
    created_at: datetime


class HandoffOpen(HandoffAccepted):
    conversation_id: str


# --- the operators' queue (console) ----------------------------------------------------------


class QueueItem(BaseModel):
    """One line of the work list: no personal field, whoever reads it."""

    id: str
    receipt_code: str
    channel: Channel
    received_at: datetime
    updated_at: datetime
    province: str | None
    urgency: Urgency
    status: str
    indicators: list[str] = Field(description="Indicator codes, in the order the engine found them")
    claimed_by: str | None = Field(description="Who is working on it (\"user:lan\"), or null")


class ForwardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Literal["police", "victim_support"]
    note: Note | None = Field(default=None, max_length=1000, description="Kept encrypted; shown to operators and supervisors")


class ReferencePublic(BaseModel):
    """What the console shows as names: indicator labels, the 34 provinces."""

    indicators: dict[str, str]
    provinces: list[str]
