"""The web app for place-planning officers: server-rendered pages served by the same FastAPI service.

``create_app(settings)`` builds the service (:func:`api.main.create_app`) with the pages mounted under
``/app`` (``/`` opens the sign-in page). The pages call the API's own route functions, so they read and
write through the same code, scoped to the signed-in user's organisation in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
