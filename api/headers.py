"""Headers every answer carries: no caching of data, no content sniffing, no framing, no referrer.

Every answer of the API may hold a council's data, and some hold pupils' (the risk-of-NEET list, the
admissions preferences, the run workbook): none may stay in a browser's or a proxy's cache, so each is
sent ``Cache-Control: no-store`` unless a route chose otherwise. Only the documentation's own
scripts and styles (``/docs-assets``) may be cached. The Content-Security-Policy lets an answer load
nothing at all; the documentation pages may load their scripts and styles from the service itself
(Swagger UI and ReDoc start from an inline script, hence 'unsafe-inline' there and only there).

Five fixed headers, set in a plain ASGI middleware: a dependency would be more than they need.
"""

from __future__ import annotations

from typing import Any

from api.docs import ASSETS

API_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (b"default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
               b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
DOCS_PAGES = ("/docs", "/redoc")
COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"no-referrer")]


class SecurityHeadersMiddleware:
    """Add the security headers and ``Cache-Control: no-store`` (unless set) to every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        docs = path.startswith(DOCS_PAGES) or path.startswith(ASSETS)
        cacheable = path.startswith(ASSETS)

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers += [h for h in COMMON if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOCS_POLICY if docs else API_POLICY))
                if b"cache-control" not in names and not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
