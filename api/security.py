"""Passwords, access tokens and API keys.

Passwords and API keys are stored only as argon2id hashes, with the parameters of the OWASP
Password Storage Cheat Sheet (m = 19 MiB, t = 2, p = 1): its recommended minimum, cheap enough
that sign-in stays quick on a two-core server. Access tokens are JWTs signed with HS256 using the settings' secret
key. An API key reads ``suf_<prefix>_<secret>``: the prefix finds the key's row, the argon2 hash
checks the whole key. Verified keys are remembered for a minute by their SHA-256, so a program
calling many times a second does not pay for argon2 on every request; revoking a key clears that
memory at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from sufficiency.app.settings import Settings

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
KEY_CACHE_SECONDS = 60.0


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password or API key."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A real hash to compare against when the user does not exist, so a wrong e-mail takes as long as
# a wrong password and sign-in does not reveal which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def verify_or_waste_time(stored_hash: str | None, secret: str) -> bool:
    return verify_secret(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None


def new_password() -> str:
    return secrets.token_urlsafe(18)


def create_token(settings: Settings, user_id: str, password_hash: str = "") -> tuple[str, int]:
    """A signed access token for a user (valid while their password, given by its hash, stays the same) and its
    lifetime in seconds."""
    seconds = settings.token_minutes * 60
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": user_id, "iat": now, "exp": now + dt.timedelta(seconds=seconds), "typ": "access",
              "pwv": password_version(password_hash)}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256"), seconds


def read_token(settings: Settings, token: str) -> str | None:
    """The user id a token was issued to, or None when it is invalid or expired."""
    read = read_access_token(settings, token)
    return read[0] if read else None


def read_access_token(settings: Settings, token: str) -> tuple[str, str] | None:
    """The user id a token was issued to and the :func:`password_version` it was issued under, or None when it
    is invalid or expired."""
    try:
        claims: dict[str, Any] = jwt.decode(token, settings.secret_key.get_secret_value(), algorithms=["HS256"],
                                            options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None
    return (str(claims["sub"]), str(claims.get("pwv", ""))) if claims.get("typ") == "access" else None


def password_version(password_hash: str) -> str:
    """A short fingerprint of a stored password hash, carried by each token: a changed password changes it, so
    every token issued before the change stops working at once."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def new_api_key() -> tuple[str, str]:
    """A fresh key and its public prefix: ``suf_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    return f"suf_{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "suf" or len(parts[1]) != 12:
        return None
    return parts[1]


class VerifiedKeys:
    """Memory of recently verified API keys (by SHA-256, never the key itself) to their key ids."""

    def __init__(self, seconds: float = KEY_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._seen: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._seen.get(self._digest(key))
        if found is None or time.monotonic() - found[1] > self.seconds:
            return None
        return found[0]

    def add(self, key: str, key_id: str) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[self._digest(key)] = (key_id, time.monotonic())

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._seen = {d: v for d, v in self._seen.items() if v[0] != key_id}
