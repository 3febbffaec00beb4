"""``POST /auth/token``: sign in with e-mail and password (OAuth2 password flow)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from api.deps import SessionDep, StateDep
from api.errors import ERROR_RESPONSES, ApiError
from api.schemas import Token
from api.security import create_token, verify_or_waste_time
from sufficiency.app.store.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses={401: ERROR_RESPONSES[401], 422: ERROR_RESPONSES[422]},
             summary="Sign in for a bearer token")
def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, state: StateDep) -> Token:
    """Exchange e-mail (as ``username``) and password for an access token.

    Send it on later requests as ``Authorization: Bearer <access_token>``.
    """
    # An e-mail is unique within an organisation; the same person may have it in two. The account is the
    # one whose password matches (the oldest, should both match).
    candidates = session.scalars(select(User).where(User.email == form.username.strip().lower())
                                 .order_by(User.created_at)).all()
    user = None
    if not candidates:
        verify_or_waste_time(None, form.password)
    for candidate in candidates:
        if verify_or_waste_time(candidate.password_hash, form.password) and user is None:
            user = candidate
    if user is None or not user.active:
        raise ApiError(401, "The e-mail or password is wrong, or the account is disabled.",
                       headers={"WWW-Authenticate": "Bearer"})
    token, seconds = create_token(state.settings, user.id, user.password_hash)
    return Token(access_token=token, expires_in=seconds)
