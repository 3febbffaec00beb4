"""Dependencies shared by the routes, as named aliases (``SessionDep``, ``CurrentUser``, ...)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.limits import RateWindow
from api.security import VerifiedKeys, key_prefix, password_version, read_access_token, verify_secret
from sufficiency.app.settings import Settings
from sufficiency.app.store.models import ApiKey, User
from sufficiency.core.web import check_role

if TYPE_CHECKING:
    from api.jobs import JobRunner


@dataclass
class AppState:
    """What the running service holds: settings, the database and the job runner."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    jobs: JobRunner
    keys: VerifiedKeys = field(default_factory=VerifiedKeys)
    #: Sessions for reads (GET, HEAD): on PostgreSQL their connection runs in autocommit, so a request's reads
    #: cost no BEGIN/ROLLBACK round trips and the server keeps its prepared statements (a ROLLBACK drops
    #: them); None uses ``sessions``.
    read_sessions: sessionmaker[Session] | None = None
    #: Requests per signed-in user a minute (the address's own limit is the middleware's).
    principals: RateWindow | None = None


async def get_state(request: Request) -> AppState:
    return request.app.state.sufficiency


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep, request: Request) -> AsyncIterator[Session]:
    # Opening a session does no I/O (a connection is taken at its first query, in the route's worker
    # thread), so it is made here on the event loop rather than costing a thread hop per request.
    reads = state.read_sessions if request.method in ("GET", "HEAD") else None
    session = (reads or state.sessions)()
    try:
        yield session
    finally:
        try:
            session.close()
        except SQLAlchemyError:  # the database went away mid-request (the answer, a 503, is already sent): its
            with suppress(SQLAlchemyError):  # connection is dropped from the pool rather than returned broken
                session.invalidate()


SessionDep = Annotated[Session, Depends(get_session)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False,
                                     description="Sign in with e-mail and password at /auth/token.")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="A key from POST /users/me/api-keys, for programs.")

_UNAUTHENTICATED = ("Sign in first: send 'Authorization: Bearer <token>' (from POST /auth/token) "
                    "or 'X-API-Key: <key>'.")


def _user_from_key(session: Session, state: AppState, key: str) -> User | None:
    key_id = state.keys.get(key)
    if key_id is not None:
        row = session.get(ApiKey, key_id)
        return row.user if row is not None and row.revoked_at is None else None
    prefix = key_prefix(key)
    if prefix is None:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))).first()
    if row is None or not verify_secret(row.key_hash, key):
        return None
    state.keys.add(key, row.id)
    return row.user


def get_current_user(session: SessionDep, state: StateDep,
                     token: Annotated[str | None, Depends(oauth2_scheme)] = None,
                     key: Annotated[str | None, Depends(api_key_scheme)] = None) -> User:
    """The signed-in user, from a bearer token or an API key; 401 otherwise."""
    user = None
    if token:
        read = read_access_token(state.settings, token)
        user = session.get(User, read[0]) if read else None
        if user is not None and read is not None and read[1] != password_version(user.password_hash):
            user = None  # the password changed since the token was issued: sign in again
    elif key:
        user = _user_from_key(session, state, key)
    if user is None or not user.active:
        message = (_UNAUTHENTICATED if not (token or key)
                   else "The token or API key is not valid or has expired; sign in again.")
        raise ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})
    if state.principals is not None:  # one allowance per person, however many tokens or keys they use
        allowed, reset = state.principals.allow(user.id.encode())
        if not allowed:
            raise ApiError(429, f"Too many requests: the limit is {state.principals.per_minute} a minute for each "
                           f"user. Try again in {reset} s.", headers={"Retry-After": str(reset)})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: str) -> Callable[[User], User]:
    """A dependency that lets through users with ``role`` or a higher one."""

    def check(user: CurrentUser) -> User:
        check_role(user.role, role)
        return user

    return check


PlannerUser = Annotated[User, Depends(require_role("planner"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
