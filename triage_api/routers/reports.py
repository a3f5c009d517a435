"""Reports: ``POST /v1/reports`` takes one in (anyone; a receipt code at once), ``GET /v1/reports/{id}``
shows it as the caller's role may see it (audited), ``…/status`` and ``…/urgency`` change it, and
``GET /v1/receipts/{code}`` tells the person holding a receipt code where it stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from sqlalchemy import select

from triage_api import assignment, receipt
from triage_api.audit import record
from triage_api.auth import Principal
from triage_api.deps import require
from triage_api.engine.validate import check_text
from triage_api.errors import ProblemError
from triage_api.lifecycle import LifecycleError, move, override_urgency
from triage_api.models import Report, ReportEvent
from triage_api.ratelimit import limit
from triage_api.reports import ReportRefused, prepare, view
from triage_api.schemas import (
    Problem,
    ReceiptStatus,
    ReportAccepted,
    ReportCreate,
    ReportPublic,
    StatusChange,
    UrgencyChange,
)

router = APIRouter(prefix="/v1", tags=["reports"])
_SUBMIT_LIMIT = Depends(limit("submit", "reports_per_minute"))
_READ_LIMIT = Depends(limit("read", "reads_per_minute"))

_RECEIVED_VI = (
    "Chúng tôi đã nhận tin báo của bạn. Mã tiếp nhận: {code} — hãy ghi lại để hỏi tiến độ. "
    "Nếu có người đang gặp nguy hiểm, hãy gọi ngay 113 (công an). Cần tư vấn, hỗ trợ: gọi 111, "
    "đường dây nóng quốc gia phòng, chống mua bán người (miễn phí, 24/7)."
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
    dependencies=[_SUBMIT_LIMIT],
    responses={200: {"model": ReportAccepted, "description": "The same submission again: the report it created"},
               400: {"model": Problem}, 409: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
)
async def post_report(
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
        # triage runs here, in the event loop: it is CPU work that would hold the GIL in any thread anyway
        submitted = await state.writer.write_async(prepare(state.cipher, body, key))
    except ReportRefused as refused:
        raise ProblemError(409 if refused.code == "idempotency_conflict" else 422, refused.code, refused.vi, refused.en) from None
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    report = submitted.report
    return ReportAccepted(
        id=report.id, receipt_code=report.receipt_code, urgency=report.urgency,
        status=report.status, received_at=report.received_at,
        message_vi=_RECEIVED_VI.format(code=report.receipt_code),
    )


@router.get("/reports/{report_id}", response_model=ReportPublic, dependencies=[_READ_LIMIT],
            responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}})
def get_report(
    report_id: str, request: Request,
    principal: Annotated[Principal, Depends(require("operator", "supervisor", "police", "auditor"))],
) -> ReportPublic:
    state = request.app.state
    with state.sessions() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise ProblemError(404, "report_not_found", "Không tìm thấy báo cáo.", "No such report.")
        events = list(session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)))
    body, shown = view(report, events, state.cipher, principal.role)
    # every view is written down (with the personal fields it shows, maybe none) before they leave
    record(state.sessions, principal, "read", report_id, shown)
    return ReportPublic.model_validate(body)


def _changed(request: Request, principal: Principal, report_id: str, action: str, fields: list[str],
             change: Callable[[], object]) -> ReportPublic:
    """Apply a lifecycle change, audit it, and answer with the report as the caller may now see it."""
    try:
        if principal.role in ("operator", "supervisor"):  # a claim binds the hotline's people; the police never claim
            assignment.check_holder(request.app.state.sessions, report_id, actor=principal.name,
                                    supervisor=principal.role == "supervisor")
        change()
    except LifecycleError as error:
        status_code = (404 if error.code == "report_not_found"
                       else 409 if error.code in ("invalid_transition", "claimed_by_other") else 422)
        raise ProblemError(status_code, error.code, error.vi, error.en) from None
    record(request.app.state.sessions, principal, action, report_id, fields)
    return get_report(report_id, request, principal)


@router.post("/reports/{report_id}/status", response_model=ReportPublic, dependencies=[_READ_LIMIT],
             responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}})
def change_status(
    report_id: str, change: StatusChange, request: Request,
    principal: Annotated[Principal, Depends(require("operator", "supervisor", "police"))],
) -> ReportPublic:
    state = request.app.state
    return _changed(request, principal, report_id, f"status:{change.to}", ["reasons"] if change.reason else [],
                    lambda: move(state.sessions, state.cipher, report_id, change.to, actor=principal.name, reason=change.reason))


@router.post("/reports/{report_id}/urgency", response_model=ReportPublic, dependencies=[_READ_LIMIT],
             responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}})
def change_urgency(
    report_id: str, change: UrgencyChange, request: Request,
    principal: Annotated[Principal, Depends(require("operator", "supervisor"))],
) -> ReportPublic:
    state = request.app.state
    return _changed(request, principal, report_id, "urgency", ["reasons"],
                    lambda: override_urgency(state.sessions, state.cipher, report_id, change.to, actor=principal.name,
                                             reason=change.reason))


_STATUS_VI = {
    "received": "Tin báo đã được tiếp nhận.",
    "queued": "Tin báo đã được chuyển tới bộ phận tiếp nhận của công an.",
    "acknowledged": "Công an đã nhận tin báo.",
    "in_progress": "Tin báo đang được xác minh, xử lý.",
    "resolved": "Tin báo đã được xử lý xong.",
    "closed": "Tin báo đã được đóng.",
}


@router.get("/receipts/{code}", response_model=ReceiptStatus, dependencies=[_READ_LIMIT], responses={404: {"model": Problem}})
def receipt_status(code: str, request: Request) -> ReceiptStatus:
    """Where a report stands, for the person holding its receipt code: the status only, nothing else."""
    canonical = receipt.normalise(code)
    not_found = ProblemError(404, "receipt_not_found", "Không tìm thấy mã tiếp nhận này. Vui lòng kiểm tra lại.",
                             "No report has this receipt code. Please check it.")
    if canonical is None or not receipt.is_valid(canonical):
        raise not_found
    with request.app.state.sessions() as session:
        report = session.scalars(select(Report).where(Report.receipt_code == canonical)).one_or_none()
    if report is None:
        raise not_found
    return ReceiptStatus(receipt_code=canonical, status=report.status, updated_at=report.updated_at,
                         message_vi=_STATUS_VI.get(report.status, ""))
