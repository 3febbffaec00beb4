"""One JSON shape for every error the API returns.

``{"error": {"status": 404, "code": "not_found", "message": "...", "problems": [...]}}``:
``message`` says what went wrong and what to do; ``problems`` (possibly empty) lists each
problem with file, row, column, message and fix, as the command line does.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from sufficiency.app.store.guard import NulInText
from sufficiency.core.audit import TrailConflict
from sufficiency.core.web import ApiError, error_code

__all__ = ["ERROR_RESPONSES", "ApiError", "ErrorResponse", "commit_or_conflict", "error_doc", "error_response",
           "install_error_handlers", "not_found", "with_error_shape"]

log = logging.getLogger(__name__)

class ProblemPublic(BaseModel):
    severity: str = Field("error", examples=["error"])
    file: str = Field(examples=["rolls.csv"])
    row: int | None = Field(None, examples=[14])
    column: str | None = Field(None, examples=["pupils"])
    message: str = Field(examples=["'-3' is below the minimum of 0"])
    fix: str = Field("", examples=["Correct the value"])


class ErrorBody(BaseModel):
    status: int = Field(examples=[404])
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["No dataset 3f2a... in your organisation. List yours with GET /datasets."])
    problems: list[ProblemPublic] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


#: The most an error answer says: its message, each problem's texts and the problems listed. A message may quote
#: the request, and the request may be hostile; longer texts are cut, ending in "...".
MAX_MESSAGE = 1000
MAX_FIELD = 500
MAX_PROBLEMS = 100


def _cut(value: Any, limit: int) -> Any:
    return value[:limit - 3] + "..." if isinstance(value, str) and len(value) > limit else value


def error_response(status: int, message: str, problems: list[dict[str, Any]] | None = None,
                   code: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    problems = problems or []
    if len(problems) > MAX_PROBLEMS:
        message += f" (the first {MAX_PROBLEMS} of {len(problems)} problems are listed)"
        problems = problems[:MAX_PROBLEMS]
    problems = [{k: _cut(v, MAX_FIELD) for k, v in p.items()} for p in problems]
    body = {"error": {"status": status, "code": code or error_code(status), "message": _cut(message, MAX_MESSAGE),
                      "problems": problems}}
    return JSONResponse(body, status_code=status, headers=headers)


def not_found(thing: str, thing_id: str, listing: str) -> ApiError:
    return ApiError(404, f"No {thing} '{thing_id}' in your organisation. List yours with GET {listing}.")


def commit_or_conflict(session: Session, message: str) -> None:
    """Commit, or roll back and answer 409 with ``message`` when a unique constraint refuses the write."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, message) from None


def _validation_problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "request"
        column = ".".join(loc[1:]) or None
        problems.append({"severity": "error", "file": where, "row": None, "column": column,
                         "message": str(err.get("msg", "invalid value")), "fix": "Correct this value and send again"})
    return problems


def _methods_of(request: Request) -> list[str]:
    """Every method the API documents for the request's path (Starlette's 405 names one route's only)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in operations if m in _HTTP_METHODS}
    return sorted(methods)


_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, including FastAPI's own, use :class:`ErrorResponse`."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.problems, exc.code, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "the request could not be handled"
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no such endpoint. See the API documentation at /docs."
        elif exc.status_code == 405:
            allowed = ", ".join(_methods_of(request))
            message = (f"{request.method} is not allowed on {request.url.path}"
                       + (f"; it accepts {allowed}" if allowed else "") + ". See the API documentation at /docs.")
        elif exc.status_code == 400 and message == "There was an error parsing the body":
            message = ("The request body could not be read: send JSON with Content-Type: application/json, or a "
                       "multipart form for uploads, as the API documentation at /docs shows.")
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(TrailConflict)
    async def _trail_conflict(_request: Request, exc: TrailConflict) -> JSONResponse:
        return error_response(409, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _validation_problems(exc)
        first = problems[0] if problems else None
        where = f" ({first['file']} {first['column'] or ''})".rstrip() if first else ""
        return error_response(422, f"The request is not valid{where}: {first['message'] if first else ''}. "
                              "Each problem is listed.", problems)

    @app.exception_handler(NulInText)
    async def _nul(_request: Request, exc: NulInText) -> JSONResponse:
        return error_response(422, f"The request cannot be used: {exc}.")

    @app.exception_handler(StatementError)
    async def _statement(_request: Request, exc: StatementError) -> JSONResponse:
        if isinstance(exc.orig, NulInText):
            return error_response(422, f"The request cannot be used: {exc.orig}.")
        if isinstance(exc, DataError):  # the database refused a value (out of range, or text it cannot hold)
            log.warning("a value was refused by the database: %s", type(exc.orig).__name__)
            return error_response(422, "A value in the request cannot be stored (a number out of range or text "
                                  "the database cannot hold). Correct it and send again.")
        return _failed(exc)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return _failed(exc)


def _failed(exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "The service failed unexpectedly; the error has been logged. "
                          "Try again, and report it if it persists.")


#: OpenAPI description of the common error responses, for route decorators.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in: send a bearer token or an X-API-Key header."},
    403: {"model": ErrorResponse, "description": "Your role does not allow this."},
    404: {"model": ErrorResponse, "description": "Not found in your organisation."},
    422: {"model": ErrorResponse, "description": "The request or the data is not valid; problems are listed."},
    429: {"model": ErrorResponse, "description": "Too many requests; wait for Retry-After seconds."},
}


def error_doc(description: str) -> dict[str, Any]:
    """OpenAPI entry for one more error response of a route."""
    return {"model": ErrorResponse, "description": description}


def with_error_shape(router: APIRouter) -> APIRouter:
    """A stage's router whose error responses (``sufficiency.core.web.error_doc``, which names no body) are
    documented with :class:`ErrorResponse`, the shape every error has."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            route.responses = {status: ({"model": ErrorResponse, **doc} if _is_error(status) and "model" not in doc
                                        and "content" not in doc else doc)
                               for status, doc in route.responses.items()}
    return router


def _is_error(status: int | str) -> bool:
    return str(status)[:1] in ("4", "5")
