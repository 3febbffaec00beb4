"""Users of your organisation (admins manage them) and API keys (each user manages their own)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from api.deps import AdminUser, CurrentUser, SessionDep, StateDep
from api.errors import ERROR_RESPONSES, ApiError, commit_or_conflict, error_doc, not_found
from api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    PasswordChange,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from api.security import hash_secret, new_api_key, verify_secret
from sufficiency.app.store.models import ApiKey, User, utcnow
from sufficiency.core.safeyaml import excerpt

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=UserPublic, summary="Who am I")
def read_me(user: CurrentUser) -> User:
    return user


@router.get("", response_model=list[UserPublic], summary="Users of your organisation (admin)")
def list_users(admin: AdminUser, session: SessionDep) -> list[User]:
    return list(session.scalars(select(User).where(User.organisation_id == admin.organisation_id)
                                .order_by(User.created_at)))


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED,
             responses={409: error_doc("Your organisation has a user with this e-mail.")},
             summary="Add a user to your organisation (admin)")
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> User:
    """An e-mail is unique within your organisation: whether another council uses it is never told."""
    user = User(organisation_id=admin.organisation_id, email=body.email.strip().lower(), role=body.role,
                password_hash=hash_secret(body.password))
    session.add(user)
    commit_or_conflict(session, f"Your organisation already has a user with e-mail {excerpt(body.email, 80)}; "
                       "change their role with PATCH /users/{id}, or choose another address.")
    return user


def _own_user(session: SessionDep, admin: User, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != admin.organisation_id:
        raise not_found("user", user_id, "/users")
    return user


@router.patch("/{user_id}", response_model=UserPublic, summary="Change a user's role or disable them (admin)")
def update_user(user_id: str, body: UserUpdate, admin: AdminUser, session: SessionDep, state: StateDep) -> User:
    user = _own_user(session, admin, user_id)
    if user.id == admin.id and (body.role not in (None, "admin") or body.active is False):
        raise ApiError(409, "You cannot demote or disable yourself; ask another admin.")
    if body.role is not None:
        user.role = body.role
    if body.active is not None:
        user.active = body.active
    session.commit()
    return user


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT,
             responses={403: error_doc("The current password is wrong.")}, summary="Change your password")
def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep) -> None:
    """Give your current password and a new one (at least 12 characters). Access tokens issued before the
    change stop working: sign in again with the new password. Your API keys are kept (revoke them with
    DELETE /users/me/api-keys/{key_id})."""
    if not verify_secret(user.password_hash, body.current_password):
        raise ApiError(403, "The current password is wrong; your password was not changed.")
    if body.new_password == body.current_password:
        raise ApiError(422, "The new password is the current one; choose a different password.")
    user.password_hash = hash_secret(body.new_password)  # and so every token issued before stops working
    session.commit()


@router.get("/me/api-keys", response_model=list[ApiKeyPublic], summary="Your API keys")
def list_keys(user: CurrentUser, session: SessionDep) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at)))


@router.post("/me/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED,
             summary="Create an API key for a program")
def create_key(body: ApiKeyCreate, user: CurrentUser, session: SessionDep) -> ApiKeyCreated:
    """A key acting as you, with your role. The key is shown once; only its hash is kept."""
    key, prefix = new_api_key()
    row = ApiKey(user_id=user.id, name=body.name, prefix=prefix, key_hash=hash_secret(key))
    session.add(row)
    session.commit()
    return ApiKeyCreated(id=row.id, name=row.name, prefix=row.prefix, created_at=row.created_at, key=key)


@router.delete("/me/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke one of your keys")
def revoke_key(key_id: str, user: CurrentUser, session: SessionDep, state: StateDep) -> None:
    row = session.get(ApiKey, key_id)
    if row is None or row.user_id != user.id:
        raise not_found("API key", key_id, "/users/me/api-keys")
    row.revoked_at = row.revoked_at or utcnow()
    session.commit()
    state.keys.forget(row.id)
