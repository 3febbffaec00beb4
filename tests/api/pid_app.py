"""Tiny apps for the tests of :mod:`api.workers`: one answers with its process id, one cannot be built."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def _pid(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(os.getpid()))


def create_app() -> Starlette:
    return Starlette(routes=[Route("/", _pid)])


def broken() -> Starlette:
    raise RuntimeError("this app cannot be built")
