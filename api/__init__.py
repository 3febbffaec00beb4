"""The HTTP API: ``create_app(settings)`` builds the FastAPI service (see api/README.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.main import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI and the store load when the service is built, not with the command line.
    if name == "create_app":
        from api.main import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
