"""The web app's pages, each calling the API's route functions for its data."""

from __future__ import annotations

from fastapi import APIRouter

from web.render import PREFIX, PageRoute
from web.routes import admissions, auth, datasets, missing, results, runs, scenarios

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)
for module in (auth, datasets, scenarios, runs, results, admissions, missing):
    router.include_router(module.router)
