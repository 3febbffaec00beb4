"""Service settings: database, secrets and limits, read from the environment.

Every setting is read from an environment variable named ``SUFFICIENCY_<NAME>`` (for example
``SUFFICIENCY_DATABASE_URL``). The settings refuse unsafe values rather than run with them: in
``production`` mode (the default) the secret key that signs access tokens must be given and be at
least 32 characters, either directly or in a file readable only by its owner.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: A secret shorter than this can be brute-forced offline from one signed token (RFC 7518
#: section 3.2 asks for a key at least as long as the HS256 hash output, 256 bits).
MIN_SECRET_LENGTH = 32


def default_data_dir() -> Path:
    """Where the service keeps its database and key file unless told otherwise (XDG data home)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sufficiency"


class UnsafeSettingsError(ValueError):
    """A setting would make the service unsafe to run; the message says what to set."""


class StoreSettings(BaseSettings):
    """Where the store is: all the command line needs to read and write the service's database."""

    model_config = SettingsConfigDict(env_prefix="SUFFICIENCY_", extra="ignore")

    database_url: str | None = Field(
        None,
        description=("SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db. Default: a SQLite "
                     "file 'sufficiency.db' in the data folder."),
    )
    data_dir: Path = Field(default_factory=default_data_dir,
                           description="Folder for the default SQLite database and the generated key file.")

    @property
    def url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'sufficiency.db'}"


class Settings(StoreSettings):
    """Everything the store and the HTTP service need to start."""

    mode: Literal["production", "dev", "test"] = Field(
        "production",
        description=("'production' refuses missing or short secrets; 'dev' and 'test' make up a random "
                     "secret for the life of the process (tokens stop working on restart)."),
    )
    secret_key: SecretStr | None = Field(
        None, description=f"Signs access tokens; at least {MIN_SECRET_LENGTH} characters (openssl rand -hex 32).")
    secret_key_file: Path | None = Field(
        None, description="File holding the secret key (used when secret_key is unset); must not be group/world "
                          "readable.")
    token_minutes: int = Field(60, ge=1, le=24 * 60, description="Lifetime of an access token, in minutes.")
    max_upload_mb: float = Field(50.0, gt=0, le=2048, description="Largest upload accepted, in megabytes (MB).")
    rate_limit_per_minute: int = Field(
        6000, ge=1, description="Requests one signed-in user (with any of their tokens or keys) may make per minute "
                                "before 429.")
    address_rate_limit_per_minute: int | None = Field(
        None, ge=1, description="Requests one address may make per minute before 429, signed in or not; default "
                                "five times rate_limit_per_minute (people behind one office proxy share it).")
    sign_in_per_minute: int = Field(
        20, ge=1, description="Sign-in attempts one address may make per minute (slows password guessing).")
    retention_check_minutes: float = Field(
        60.0, gt=0, le=24 * 60, description="How often the service deletes pupil-level lists past their delete-after "
                                            "date (also at start-up), in minutes.")
    job_workers: int = Field(2, ge=1, le=64, description="Runs executed at once; default 2, one per core here.")
    concurrent_requests: int = Field(
        40, ge=1, le=1000, description=("Requests served at once by one service process (its threads and database "
                                        "connections are sized to match); more wait in a queue."))
    queue_seconds: float = Field(
        10.0, gt=0, le=300, description=("Longest a request waits in the queue, or for a database connection, "
                                         "before the answer is 503 with Retry-After (the service is overloaded)."))
    heartbeat_seconds: float = Field(
        10.0, gt=0, le=3600, description=("How often a service process renews the lease on the runs it holds and "
                                          "looks for runs whose process stopped renewing theirs."))
    lease_seconds: float = Field(
        60.0, gt=0, le=86400, description=("A run whose lease has not been renewed for this long belongs to a process "
                                           "that died or lost the database; it is marked failed."))
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed to call the API.")
    national_runs: bool = Field(
        True, description="Whether admins may start national runs (POST /national/runs): a heavy job, one at a time.")
    national_data: Path | None = Field(
        None, description="The national data folder an admin's national run reads (POST /national/runs); default the "
                          "national extract shipped with the package. Set by the operator, never by the caller.")
    national_scheduler: str | None = Field(
        None, description="Address of the Dask scheduler national runs use; default a local cluster per run.")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.secret_key is None and self.secret_key_file is not None:
            if not self.secret_key_file.is_file():
                raise UnsafeSettingsError(
                    f"SUFFICIENCY_SECRET_KEY_FILE names {self.secret_key_file}, which is not a file. Create it "
                    f"(openssl rand -hex 32 > {self.secret_key_file}; chmod 600 {self.secret_key_file}) or unset it.")
            self.secret_key = SecretStr(_read_key_file(self.secret_key_file))
        if self.secret_key is None:
            if self.mode == "production":
                raise UnsafeSettingsError(
                    "SUFFICIENCY_SECRET_KEY is not set. Set it to a random string of at least "
                    f"{MIN_SECRET_LENGTH} characters (openssl rand -hex 32), point SUFFICIENCY_SECRET_KEY_FILE "
                    "at a file holding one, or set SUFFICIENCY_MODE=dev on a private machine.")
            self.secret_key = SecretStr(secrets.token_hex(32))
        if self.lease_seconds < 2 * self.heartbeat_seconds:
            raise UnsafeSettingsError(
                f"SUFFICIENCY_LEASE_SECONDS ({self.lease_seconds:g}) must be at least twice "
                f"SUFFICIENCY_HEARTBEAT_SECONDS ({self.heartbeat_seconds:g}), or live runs would be marked failed.")
        if len(self.secret_key.get_secret_value()) < MIN_SECRET_LENGTH and self.mode == "production":
            raise UnsafeSettingsError(
                f"SUFFICIENCY_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters; "
                "generate one with: openssl rand -hex 32")
        return self

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def connections(self) -> int:
        """Database connections one service process needs: one per admitted request, two per run worker (its
        own and a cancel check), and one for the heartbeat and one spare."""
        return self.concurrent_requests + 2 * self.job_workers + 2


def _read_key_file(path: Path) -> str:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UnsafeSettingsError(f"{path} can be read by other users; run: chmod 600 {path}")
    return path.read_text(encoding="utf-8").strip()


def ensure_key_file(path: Path) -> Path:
    """Create a key file with a random secret, readable by its owner only, unless it exists."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
    return path
