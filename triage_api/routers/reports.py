"""``POST /v1/reports``: take in a report, answer at once with a receipt code, queue it for the police."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from triage_api.engine.validate import check_text
from triage_api.errors import ProblemError
from triage_api.reports import ReportRefused, submit
from triage_api.schemas import Problem, ReportAccepted, ReportCreate

router = APIRouter(prefix="/v1", tags=["reports"])

_RECEIVED_VI = (
    "Chúng tôi đã nhận tin báo của bạn. Mã tiếp nhận: {code} — hãy ghi lại để hỏi tiến độ. "
    "Nếu có người đang gặp nguy hiểm, hãy gọi ngay 113 (công an) hoặc 111 (tổng đài bảo vệ trẻ em, miễn phí)."
)


def _key(value: str | None) -> str:
    if value is None or not value.strip():
        raise ProblemError(
            400, "idempotency_key_required",
            "Thiếu tiêu đề Idempotency-Key (một mã duy nhất cho mỗi lần gửi).",
            "The Idempotency-Key header is required (one unique value per submission).",
        )
    if len(value) > 200 or not value.isascii() or not value.isprintable():
        raise ProblemError(
            400, "idempotency_key_invalid",
            "Idempotency-Key phải là chuỗi ASCII in được, tối đa 200 ký tự.",
            "Idempotency-Key must be printable ASCII, at most 200 characters.",
        )
    return value


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportAccepted,
    responses={200: {"model": ReportAccepted, "description": "The same submission again: the report it created"},
               400: {"model": Problem}, 409: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
)
def post_report(
    body: ReportCreate,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> ReportAccepted:
    key = _key(idempotency_key)
    state = request.app.state
    problem = check_text(body.narrative, max_chars=state.settings.max_text_chars)
    if problem is not None:
        raise ProblemError.of_text(problem)
    try:
        submitted = submit(state.sessions, state.cipher, body, key)
    except ReportRefused as refused:
        raise ProblemError(409 if refused.code == "idempotency_conflict" else 422, refused.code, refused.vi, refused.en) from None
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    report = submitted.report
    return ReportAccepted(
        id=report.id, receipt_code=report.receipt_code, urgency=report.urgency,  # type: ignore[arg-type]
        status=report.status, received_at=report.received_at,
        message_vi=_RECEIVED_VI.format(code=report.receipt_code),
    )
