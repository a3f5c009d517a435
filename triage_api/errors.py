"""Errors as RFC 9457 problem details in Vietnamese and English, never echoing what the user sent."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage_api.engine.validate import TextProblem
from triage_api.schemas import Problem

__all__ = ["ProblemError", "install_error_handlers", "problem_response"]

log = logging.getLogger("triage_api")

_MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_json": ("Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."),
    "invalid_body": ("Dữ liệu gửi lên không đúng định dạng (xem /docs).", "The request body does not match the schema (see /docs)."),
    "body_too_large": ("Dữ liệu gửi lên quá lớn.", "The request body is too large."),
    "not_found": ("Không tìm thấy địa chỉ này.", "Not found."),
    "method_not_allowed": ("Phương thức không được hỗ trợ.", "Method not allowed."),
    "unsupported_media_type": ("Cần gửi dữ liệu dạng application/json.", "Send application/json."),
    "internal_error": ("Hệ thống gặp lỗi. Nếu khẩn cấp, hãy gọi 113 hoặc 111.", "Internal error. In an emergency call 113 or 111."),
    "storage_unavailable": (
        "Hệ thống tạm thời không lưu được tin báo. Vui lòng thử lại sau ít phút. Nếu khẩn cấp, hãy gọi ngay 113 hoặc 111.",
        "Reports cannot be stored right now. Please retry in a few minutes. In an emergency call 113 or 111.",
    ),
}


class ProblemError(Exception):
    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(code)
        self.status, self.code, self.vi, self.en = status, code, vi, en

    @classmethod
    def of_text(cls, problem: TextProblem) -> ProblemError:
        return cls(422, problem.code, problem.vi, problem.en)


def problem_response(status: int, code: str, vi: str | None = None, en: str | None = None) -> JSONResponse:
    default_vi, default_en = _MESSAGES.get(code, ("Yêu cầu không hợp lệ.", "Invalid request."))
    vi, en = vi or default_vi, en or default_en
    body = Problem(title=en, status=status, code=code, detail=f"{vi} / {en}", message_vi=vi, message_en=en)
    return JSONResponse(body.model_dump(), status_code=status, media_type="application/problem+json")


async def _problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    response = problem_response(exc.status, exc.code, exc.vi, exc.en)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # pydantic's errors carry the submitted value ("input"): we report only the kind of problem.
    kinds = {str(e.get("type", "")) for e in exc.errors()}
    if "json_invalid" in kinds:
        return problem_response(400, "invalid_json")
    where = {lang: ", ".join(dict.fromkeys(_field(e, unexpected) for e in exc.errors()))
             for lang, unexpected in (("vi", "một trường lạ"), ("en", "an unexpected field"))}
    return problem_response(
        422, "invalid_body",
        f"Dữ liệu gửi lên không đúng định dạng ở: {where['vi']}. Xem /docs.",
        f"The request body does not match the schema at: {where['en']}. See /docs.",
    )


def _field(error: Any, unexpected: str) -> str:
    """Where in the body a validation error is, by the schema's own names (``people_at_risk.0.age``); a field
    the schema does not have is not named, since its name is whatever the sender wrote."""
    loc = [str(part) for part in error.get("loc", ())[1:]]
    if error.get("type") == "extra_forbidden":
        loc = [*loc[:-1], unexpected]
    return ".".join(loc) or "body"


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}.get(
        exc.status_code, "invalid_request"
    )
    return problem_response(exc.status_code, code)


async def _storage(request: Request, exc: Exception) -> JSONResponse:
    # the database is down or refuses writes: say so (503, retry) rather than 500; log only the kind
    log.error("database unavailable: %s on %s %s", type(exc).__name__, request.method, request.url.path)
    response = problem_response(503, "storage_unavailable")
    response.headers["Retry-After"] = "30"
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Log the kind of failure and where, never the request body or the exception's message
    # (it may quote the text).
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(500, "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _storage)
    app.add_exception_handler(Exception, _unexpected)
