"""One router per resource."""

from api.routes import auth, datasets, health, post16, results, runs, scenarios, stages, standards, users

ROUTERS = (health.router, auth.router, users.router, datasets.router, scenarios.router, runs.router, stages.router, results.router,
           standards.router, post16.router)
