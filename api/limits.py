"""Upload size and request-rate limits, as a plain ASGI middleware (cheap on every request)."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from typing import Any

Scope = dict[str, Any]


#: An address may make this many times one principal's requests (several people behind one office proxy).
ADDRESS_FACTOR = 5


class _TooLarge(Exception):
    pass


class RateWindow:
    """Requests per client in one-minute windows, each starting at the client's first request."""

    def __init__(self, per_minute: int, max_clients: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._windows: dict[bytes, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def allow(self, client: bytes, now: float | None = None) -> tuple[bool, int]:
        """Whether the client may make one more request, and seconds until its window ends."""
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._windows.get(client, (now, 0))
            if now - start >= 60:
                start, count = now, 0
            self._windows[client] = (start, count + 1)
            if len(self._windows) > self.max_clients:
                self._windows = {c: w for c, w in self._windows.items() if now - w[0] < 60}
        return count + 1 <= self.per_minute, max(1, math.ceil(start + 60 - now))


#: Where passwords are checked: the API's token endpoint and the web app's sign-in form.
SIGN_IN_PATHS = ("/auth/token", "/app/sign-in")


async def send_error(send: Any, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": {"status": status, "code": code, "message": message, "problems": []}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    """Refuse bodies over ``max_bytes`` (413) and addresses over ``per_address`` requests a minute (429).

    Every request counts against its address, whatever credentials it carries (a made-up API key
    beside a valid token is no new client). The signed-in user's own allowance is counted once the
    credentials are checked (:func:`api.deps.get_current_user`), so one organisation's dashboard
    cannot exhaust another's behind the same proxy. Sign-in has its own, lower limit by address.
    """

    def __init__(self, app: Any, max_bytes: int, per_minute: int, sign_in_per_minute: int = 20,
                 per_address: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.rate = RateWindow(per_address or per_minute * ADDRESS_FACTOR)
        self.sign_in = RateWindow(sign_in_per_minute)

    @staticmethod
    def _address(scope: Scope) -> bytes:
        client = scope.get("client") or ("unknown", 0)
        return b"addr:" + str(client[0]).encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        # Sign-in has its own, lower limit by address, so passwords cannot be guessed at speed.
        signing_in = scope.get("path") in SIGN_IN_PATHS and scope.get("method") == "POST"
        window = self.sign_in if signing_in else self.rate
        allowed, reset = window.allow(self._address(scope))
        if not allowed:
            what = "sign-in attempts" if signing_in else "requests from your address"
            await send_error(send, 429, "rate_limited", f"Too many {what}: the limit is {window.per_minute} a "
                             f"minute. Try again in {reset} s.", [(b"retry-after", str(reset).encode())])
            return
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(send)
            return
        await self._guarded(scope, receive, send)

    async def _too_large(self, send: Any) -> None:
        await send_error(send, 413, "too_large", f"The upload is larger than the limit of "
                         f"{self.max_bytes / 1024 / 1024:.3g} MB. Upload a smaller dataset or ask the administrator "
                         "to raise SUFFICIENCY_MAX_UPLOAD_MB.", [])

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        # A body sent without a length (chunked) is counted as it arrives. Once it passes the limit the
        # app's own answer is dropped (the form parser turns any read failure into a 400) and a 413 is
        # sent instead.
        received = 0
        over = False
        started = False

        async def counting_receive() -> Any:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if over and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            pass
        if over and not started:
            await self._too_large(send)


class AdmissionMiddleware:
    """Serve at most ``concurrent`` requests at once; the rest wait their turn for up to ``queue_seconds``, then
    get 503 with ``Retry-After``.

    Each admitted request holds one database connection and one worker thread at a time, so the pool and the
    thread limiter, sized to ``concurrent`` (:func:`api.main.create_app`), can never both run out: an overloaded
    service answers 503 at once instead of hanging on the pool. A plain asyncio semaphore suffices
    (its waiters are served first come, first served); the queue lives in the event loop and costs no thread.
    """

    def __init__(self, app: Any, concurrent: int, queue_seconds: float) -> None:
        self.app = app
        self.concurrent = concurrent
        self.queue_seconds = queue_seconds
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made in the server's event loop, on its first request
            self._slots = asyncio.Semaphore(self.concurrent)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_seconds)
        except TimeoutError:
            await send_overloaded(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


#: Seconds a client is told to wait before trying again when the service is overloaded or its database is away.
RETRY_AFTER_SECONDS = 5


def overloaded_message() -> str:
    return (f"The service is busy: too many requests at once, or its database is not answering. Try again in "
            f"{RETRY_AFTER_SECONDS} s.")


async def send_overloaded(send: Any) -> None:
    await send_error(send, 503, "unavailable", overloaded_message(),
                     [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
