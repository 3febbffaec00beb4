"""The HTTP API: ``create_app(settings)`` builds the FastAPI service (see api/README.md)."""

from api.main import create_app

__all__ = ["create_app"]
