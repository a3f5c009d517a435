"""Request and response bodies of the API, named by role (``TriageRequest``, ``TriagePublic``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Handle", "IndicatorPublic", "Money", "Problem", "TriageEntities", "TriagePublic", "TriageRequest"]

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
