"""Signing in and out, and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import SessionDep, StateDep
from api.errors import ApiError
from api.routes import auth as api_auth
from api.routes import datasets as api_datasets
from api.routes import runs as api_runs
from api.routes import scenarios as api_scenarios
from web.render import PREFIX, PageRoute, local_target, render
from web.session import PRE_SESSION_COOKIE, SESSION_COOKIE, PageUser, check_csrf, clear_cookie, set_cookie

router = APIRouter(route_class=PageRoute)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "sign_in.html", {"next": local_target(next), "email": ""})


@router.post("/sign-in", dependencies=[Depends(check_csrf)])
def sign_in(request: Request, session: SessionDep, state: StateDep,
            email: Annotated[str, Form(max_length=254)] = "", password: Annotated[str, Form(max_length=200)] = "",
            next: Annotated[str, Form(max_length=500)] = "") -> Response:
    """The API's sign-in (``POST /auth/token``), its token kept in an HttpOnly cookie."""
    try:
        token = api_auth.sign_in(OAuth2PasswordRequestForm(username=email, password=password), session, state)
    except ApiError as exc:
        return render(request, "sign_in.html", {"next": local_target(next), "email": email, "error": exc.message},
                      status=401)
    response = RedirectResponse(local_target(next), status_code=303)
    set_cookie(response, SESSION_COOKIE, token.access_token, token.expires_in)
    clear_cookie(response, PRE_SESSION_COOKIE)
    return response


@router.post("/sign-out", dependencies=[Depends(check_csrf)])
def sign_out() -> Response:
    response = RedirectResponse(PREFIX + "/sign-in", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, user: PageUser, session: SessionDep) -> Response:
    datasets = api_datasets.list_datasets(user, session)
    runs = api_runs.list_runs(user, session, None, None, 5)
    scenarios = api_scenarios.list_scenarios(user, session)
    return render(request, "home.html", {"datasets": datasets, "runs": runs, "scenarios": scenarios})
