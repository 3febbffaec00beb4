"""Rendering pages: the Jinja2 templates, number formats that say their unit, and HTML error pages."""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from reports.format import KIND_SHORT, header_text, money, money_short
from sufficiency.core.web import ApiError
from web.session import PRE_SESSION_COOKIE, SignInRequired, csrf_token, set_cookie

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
PREFIX = "/app"


def _number(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def _percent(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def _when(value: Any) -> str:
    return value.strftime("%d %b %Y %H:%M UTC") if value is not None else "–"


# Money as the report writes it: a headline as page one's tiles (£4.7m), a table's figure in full (£298,050).
TEMPLATES.env.filters.update(number=_number, pounds=money_short, money=money, percent=_percent, when=_when,
                             header=header_text, kind=lambda k: KIND_SHORT.get(k, k))
TEMPLATES.env.globals["prefix"] = PREFIX


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page from its template, with the user, the form token and the path prefix."""
    settings = request.app.state.sufficiency.settings
    values = {"user": getattr(request.state, "user", None), "csrf": csrf_token(request, settings),
              "path": request.url.path, **(context or {})}
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status, headers=headers)
    fresh = getattr(request.state, "new_pre_session", None)
    if fresh:
        set_cookie(response, PRE_SESSION_COOKIE, fresh, 3600)
    return response


def local_target(target: str | None) -> str:
    """A page to go to after signing in: only this app's own pages (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/"


class PageRoute(APIRoute):
    """A page: signing in redirects to the sign-in page, and every error is an HTML page with its status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                target = f"{PREFIX}/sign-in?next={quote(here, safe='')}"
                if request.headers.get("hx-request"):
                    return Response(status_code=200, headers={"HX-Redirect": target})
                return RedirectResponse(target, status_code=303)
            except ApiError as exc:
                return error_page(request, exc.status, exc.message, exc.problems)
            except RequestValidationError as exc:
                problems = [{"column": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                             "message": str(e.get("msg", "invalid value")), "fix": "Correct this value"}
                            for e in exc.errors()]
                return error_page(request, 422, "Part of the request is not valid.", problems)
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))

        return page


def error_page(request: Request, status: int, message: str, problems: list[dict[str, Any]] | None = None) -> Response:
    return render(request, "error.html", {"status": status, "message": message, "problems": problems or []},
                  status=status)
