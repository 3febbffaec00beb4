"""Signing in with a cookie, and CSRF tokens for the forms.

The session cookie holds the same signed, expiring access token the API issues (``POST /auth/token``,
:func:`api.security.create_token`): it is ``Secure``, ``HttpOnly`` and ``SameSite=Lax`` and lives as long as
the token (``SUFFICIENCY_TOKEN_MINUTES``). Every form carries a CSRF token, an HMAC of the session's token
(or, before signing in, of a random pre-session cookie) under the service's secret key, which a POST must
send back (as the ``csrf_token`` field or the ``X-CSRF-Token`` header, which htmx sends).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from api.deps import SessionDep, StateDep
from api.errors import ApiError
from api.security import read_token
from sufficiency.app.settings import Settings
from sufficiency.app.store.models import User
from sufficiency.core.web import check_role

SESSION_COOKIE = "suf_session"
PRE_SESSION_COOKIE = "suf_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to the sign-in page."""


def set_cookie(response: Response, name: str, value: str, seconds: int) -> None:
    response.set_cookie(name, value, max_age=seconds, path="/", secure=True, httponly=True, samesite="lax")


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="lax")


def _basis(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)


def csrf_for(settings: Settings, basis: str) -> str:
    key = settings.secret_key.get_secret_value().encode() if settings.secret_key else b""
    return hmac.new(key, b"csrf:" + basis.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, settings: Settings) -> str:
    """The token the page's forms carry; starts a pre-session (cookie set by the renderer) when there is none."""
    basis = _basis(request)
    if basis is None:
        basis = request.state.new_pre_session = secrets.token_urlsafe(24)
    return csrf_for(settings, basis)


async def check_csrf(request: Request, state: StateDep) -> None:
    """Refuse (403) a form sent without this session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    basis = _basis(request)
    if not sent or basis is None or not hmac.compare_digest(sent, csrf_for(state.settings, basis)):
        raise ApiError(403, "This form has expired or did not come from this site. Reload the page and send it "
                       "again.")


CsrfChecked = Depends(check_csrf)


def page_user(request: Request, session: SessionDep, state: StateDep) -> User:
    """The signed-in user from the session cookie; otherwise a redirect to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    user_id = read_token(state.settings, token) if token else None
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise SignInRequired
    request.state.user = user
    return user


PageUser = Annotated[User, Depends(page_user)]


def _role(role: str) -> object:
    def check(user: PageUser) -> User:
        check_role(user.role, role)
        return user

    return check


PagePlanner = Annotated[User, Depends(_role("planner"))]
PageAdmin = Annotated[User, Depends(_role("admin"))]
