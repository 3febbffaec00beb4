"""``create_app(settings)``: the HTTP service with the web app mounted under ``/app``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.jobs import Pipeline, run_pipeline
from api.main import create_app as create_service
from sufficiency.app.settings import Settings
from web.render import HERE, PREFIX
from web.routes import router


class WebSettings(BaseSettings):
    """The web app's own settings, from ``SUFFICIENCY_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SUFFICIENCY_", extra="ignore")

    tile_url: str | None = Field(None, max_length=300, description=(
        "Background map tiles, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (with tile_attribution). "
        "Off by default: the map draws planning areas and schools without any outside request."))
    tile_attribution: str = Field("", max_length=300, description="The attribution the tile provider asks for.")


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3]) if len(parts) > 3 and parts[0] in ("https:", "http:") else ""


def content_security_policy(tile_url: str | None) -> str:
    """Only the app's own scripts and styles; images also from the tile server when one is configured."""
    tiles = _origin(tile_url or "")
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data:{' ' + tiles if tiles else ''}; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class PageHeaders:
    """Security headers on the web app's responses (pages, fragments and its static files)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or path.startswith(PREFIX)):
            await self.app(scope, receive, send)
            return
        static = path.startswith(PREFIX + "/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {b"content-security-policy", b"x-content-type-options", b"referrer-policy",
                         b"x-frame-options", b"cache-control"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                cache = b"public, max-age=3600" if static else b"no-store"
                message["headers"] = headers + self.headers + [(b"cache-control", cache)]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings | None = None, pipeline: Pipeline = run_pipeline, migrate: bool = True,
               web: WebSettings | None = None) -> FastAPI:
    """The service (:func:`api.main.create_app`) with the web app under ``/app``; ``/`` opens it."""
    web = web or WebSettings()  # type: ignore[call-arg]
    app = create_service(settings, pipeline=pipeline, migrate=migrate)
    app.state.web = web
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def home() -> Any:
        return RedirectResponse(PREFIX + "/", status_code=303)

    app.add_middleware(PageHeaders, csp=content_security_policy(web.tile_url))
    return app
