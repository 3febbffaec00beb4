"""One router per resource (a stage's own routes are declared in its stage.py and included by api.main)."""

from api.routes import auth, datasets, health, national, results, runs, scenarios, stages, users

ROUTERS = (health.router, auth.router, users.router, datasets.router, scenarios.router, runs.router, stages.router,
           results.router, national.router)
