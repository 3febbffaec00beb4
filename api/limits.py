"""Upload size and request-rate limits, as a plain ASGI middleware (cheap on every request)."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

Scope = dict[str, Any]


class _TooLarge(Exception):
    pass


class RateWindow:
    """Requests per client in fixed one-minute windows."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._window = 0
        self._counts: dict[bytes, int] = {}
        self._lock = threading.Lock()

    def allow(self, client: bytes, now: float | None = None) -> tuple[bool, int]:
        """Whether the client may make one more request, and seconds until its window resets."""
        now = time.time() if now is None else now
        window = int(now // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        return count <= self.per_minute, max(1, math.ceil((window + 1) * 60 - now))


async def _send_error(send: Any, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": {"status": status, "code": code, "message": message, "problems": []}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    """Refuse bodies over ``max_bytes`` (413) and clients over ``per_minute`` requests (429).

    A client is its API key or bearer token when it sends one, else its address, so one
    organisation's dashboard cannot exhaust another's allowance behind the same proxy.
    """

    def __init__(self, app: Any, max_bytes: int, per_minute: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.rate = RateWindow(per_minute)

    def _client(self, scope: Scope, headers: dict[bytes, bytes]) -> bytes:
        for name in (b"x-api-key", b"authorization"):
            if name in headers:
                return name + b":" + headers[name][:200]
        client = scope.get("client") or ("unknown", 0)
        return b"addr:" + str(client[0]).encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        allowed, reset = self.rate.allow(self._client(scope, headers))
        if not allowed:
            await _send_error(send, 429, "rate_limited", f"Too many requests: the limit is {self.rate.per_minute} a "
                              f"minute. Try again in {reset} s.", [(b"retry-after", str(reset).encode())])
            return
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(send)
            return
        await self._guarded(scope, receive, send)

    async def _too_large(self, send: Any) -> None:
        await _send_error(send, 413, "too_large", f"The upload is larger than the limit of "
                          f"{self.max_bytes / 1024 / 1024:.3g} MB. Upload a smaller dataset or ask the administrator "
                          "to raise SUFFICIENCY_MAX_UPLOAD_MB.", [])

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        # A body sent without a length (chunked) is counted as it arrives.
        received = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)
