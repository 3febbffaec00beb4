"""Refuse the NUL character at the door: in the path, the query, a header, a form or a JSON body (422).

The store refuses NUL in anything it would write or look up (:mod:`sufficiency.app.store.guard`), on
both databases; this middleware answers earlier and the same way for text that never reaches the
database (a password, a filter). Multipart uploads are not scanned (files are binary): their names
are checked with the dataset's files and their text fields by the store.
"""

from __future__ import annotations

import re
from typing import Any

from api.limits import send_error

#: ``\\u0000`` in JSON, unless its backslash is itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_MESSAGE = ("The request holds the NUL character (\\u0000 or %00), which no text may contain; remove it and "
            "send again.")


def _form_has_nul(body: bytes) -> bool:
    return b"\x00" in body or b"%00" in body


def _json_has_nul(body: bytes) -> bool:
    return b"\x00" in body or _JSON_NUL.search(body) is not None


class NulGuardMiddleware:
    """Answer 422 to a request whose path, query string, urlencoded form or JSON body holds a NUL."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = bytes(scope.get("query_string") or b"")
        raw_headers = scope.get("headers") or []
        if ("\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query
                or any(b"\x00" in value for _, value in raw_headers)):
            await send_error(send, 422, "invalid", _MESSAGE, [])
            return
        headers = dict(raw_headers)
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        check = {b"application/x-www-form-urlencoded": _form_has_nul, b"application/json": _json_has_nul}.get(kind)
        if check is None:
            await self.app(scope, receive, send)
            return
        # A form or JSON body is small (the size limit applies first): read it whole, check it, then replay it.
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if check(body):
            await send_error(send, 422, "invalid", _MESSAGE, [])
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
