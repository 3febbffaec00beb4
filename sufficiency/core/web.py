"""What a stage's own API routes are written against, so that an engine never imports the service.

A stage may declare a FastAPI ``APIRouter`` of its own (``Stage.routes``). Its route functions take
the caller's :class:`Ports` (``ports: ViewerPorts``, ``PlannerPorts`` or ``AdminPorts``): the
signed-in :class:`Principal`, the stored results of the organisation's runs (:class:`RunResults`)
and the organisation's append-only audit trail (:class:`~sufficiency.core.audit.AuditTrail`).
The service (``api``) binds them for each request after signing the caller in, and answers every
:class:`ApiError` in its one error shape. Nothing here touches a database.

Also here: the filters and helpers every results route shares (academic-year filter, ``format``
json or csv, CSV downloads, rows as JSON records).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from sufficiency.core.cells import csv_row
from sufficiency.core.errors import Problem

if TYPE_CHECKING:
    import pandas as pd

    from sufficiency.core.audit import AuditTrail

#: Roles, lowest first: viewers read; planners also create scenarios and runs; admins also manage
#: users and datasets and see pupil-level tables.
ROLE_RANK = {"viewer": 0, "planner": 1, "admin": 2}

_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}


def error_code(status: int) -> str:
    """The short code of an HTTP status in the service's error shape."""
    return _CODES.get(status, "error")


class ApiError(Exception):
    """An error for the caller: HTTP status, a short code, an actionable message, optional problems."""

    def __init__(self, status: int, message: str, problems: list[Problem] | list[dict[str, Any]] | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or error_code(status)
        self.problems = [p.as_dict() if isinstance(p, Problem) else p for p in problems or []]
        self.headers = headers


class Principal(Protocol):
    """The signed-in caller."""

    id: str
    organisation_id: str
    role: str
    email: str


class StoredRun(Protocol):
    """A run of the caller's organisation, as stored."""

    id: str
    organisation_id: str
    status: str
    stages: list[str]
    provenance: dict[str, Any] | None


class RunResults(Protocol):
    """The stored results of the caller's organisation's runs."""

    def finished_run(self, run_id: str) -> StoredRun:
        """The run, if the caller's organisation has it (404 otherwise) and it succeeded (409 otherwise)."""
        ...

    def table(self, run: StoredRun, stage: str, name: str, *, personal: bool = False,
              missing: str | None = None) -> pd.DataFrame:
        """One table a stage stored with the run. 404 (with ``missing`` as the message) when there is none;
        403 for a pupil-level table unless ``personal``."""
        ...

    def delete_personal(self, run: StoredRun) -> None:
        """Delete the run's pupil-level tables now (their delete-after date has passed)."""
        ...

    def today(self) -> dt.date:
        """The date the store judges delete-after dates on: a pupil-level table is kept up to and including
        its date, and deleted (:meth:`delete_personal`) on any later day."""
        ...


class Ports(Protocol):
    """Everything a stage's route may use, bound to the caller's organisation."""

    principal: Principal
    results: RunResults
    audit: AuditTrail


def check_role(have: str, needed: str) -> None:
    """403 unless a user's role ``have`` is ``needed`` or a higher one: the one role rule of the API's routes,
    its ports and the web app's pages."""
    if ROLE_RANK.get(have, -1) < ROLE_RANK[needed]:
        raise ApiError(403, f"This needs the {needed} role; you are a {have}. Ask an admin of your organisation to "
                       "change your role.")


def _ports(request: Request) -> Ports:
    ports = getattr(request.state, "sufficiency_ports", None)
    if ports is None:  # a router included without the service's binding: a programming error
        raise RuntimeError("this route needs the service's ports; include its stage through api.main.create_app")
    return ports


def require(role: str) -> Callable[[Request], Ports]:
    """A dependency giving the caller's ports when the caller has ``role`` or a higher one (403 otherwise)."""

    def check(request: Request) -> Ports:
        ports = _ports(request)
        check_role(ports.principal.role, role)
        return ports

    return check


ViewerPorts = Annotated[Ports, Depends(require("viewer"))]
PlannerPorts = Annotated[Ports, Depends(require("planner"))]
AdminPorts = Annotated[Ports, Depends(require("admin"))]

# ---------------------------------------------------------------------------------------------- filters

#: An academic year by its autumn, within the range any school record can hold (a number the
#: database cannot store is refused with 422, not a server error).
Year = Annotated[int, Field(ge=1900, le=2200)]
YearFilter = Annotated[list[Year] | None, Query(description="Only these academic years (by autumn; repeatable).")]
AreaFilter = Annotated[list[str] | None, Query(description="Only these planning areas (repeat for several).")]
Format = Literal["json", "csv"]
FormatQuery = Annotated[Format, Query(description="json (default) or csv.")]
#: OpenAPI description of a CSV answer, for ``responses={200: {"content": CSV}}``.
CSV = {"text/csv": {"schema": {"type": "string"}, "example": "planning_area_id,year,ncy,pupils\nP01,2025,0,612.4\n"}}

#: Every response that carries pupil-level data: never cached by a browser or proxy.
NO_STORE = {"Cache-Control": "no-store"}


def error_doc(description: str) -> dict[str, Any]:
    """OpenAPI entry for one more error response of a stage's route, for ``responses={409: error_doc(...)}``.

    The service documents it with its one error shape (``{"error": {...}}``) when it includes the route."""
    return {"description": description}


# ---------------------------------------------------------------------------------------------- bodies


#: The run id in every OpenAPI example.
EXAMPLE_RUN_ID = "3e8f469e10f7404d8ecb2f99a2baa3f1"


def page_example(row: dict[str, Any], **fields: Any) -> ConfigDict:
    """The config of a page ``{run_id, **fields, count, rows}`` whose OpenAPI example holds the one ``row``."""
    return ConfigDict(json_schema_extra={"examples": [{"run_id": EXAMPLE_RUN_ID, **fields, "count": 1,
                                                       "rows": [row]}]})


class Page(BaseModel):
    """Rows of one table of a run."""

    run_id: str
    count: int
    rows: list[dict[str, Any]]


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts, missing values as None (only ``columns``, in that order, when given)."""
    if columns is not None:
        frame = frame.reindex(columns=columns)
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a response a download named ``filename``."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_text(columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """A header row of ``columns`` and then ``rows`` as CSV (None as an empty cell), text that a spreadsheet
    would take for a formula neutralised (:func:`sufficiency.core.cells.csv_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(columns))
    writer.writerows(csv_row(row) for row in rows)
    return out.getvalue()


def csv_response(frame: pd.DataFrame, columns: list[str], filename: str,
                 headers: dict[str, str] | None = None) -> Response:
    """``frame``'s ``columns`` as a CSV download (missing values as empty cells)."""
    return Response(csv_text(columns, (row.values() for row in records(frame, columns))), media_type="text/csv",
                    headers={**attachment(filename), **(headers or {})})


def filter_years(frame: pd.DataFrame, years: list[int] | None) -> pd.DataFrame:
    """Rows of the given academic years (all rows when none are given)."""
    return frame[frame["year"].astype(int).isin(years)] if years else frame
