"""One router per resource."""

from api.routes import auth, datasets, health, results, runs, scenarios, users

ROUTERS = (health.router, auth.router, users.router, datasets.router, scenarios.router, runs.router, results.router)
