"""Any other address under the app: a page saying it does not exist (not the API's JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.render import PageRoute, error_page

router = APIRouter(route_class=PageRoute)


@router.api_route("/{rest:path}", methods=["GET", "POST"])
def missing(request: Request, rest: str) -> Response:
    return error_page(request, 404, "There is no such page. Use the links at the top of the page.")
