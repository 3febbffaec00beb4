"""The store: datasets, scenarios, runs and their results in SQLite or PostgreSQL.

:func:`make_engine` and :func:`upgrade` set up a database (``upgrade`` applies the Alembic
migrations shipped in this package); :mod:`sufficiency.app.store.models` holds the tables and
:mod:`sufficiency.app.store.runs` writes a run's results in one transaction.
"""

from sufficiency.app.store.db import downgrade, make_engine, read_session_factory, session_factory, upgrade
from sufficiency.app.store.models import (
    ApiKey,
    Base,
    Dataset,
    DatasetFile,
    ForecastRow,
    Organisation,
    PlanScheme,
    ResultTable,
    Run,
    RunFile,
    ScenarioRecord,
    SufficiencyRow,
    User,
)

__all__ = [
    "ApiKey", "Base", "Dataset", "DatasetFile", "ForecastRow", "Organisation", "PlanScheme", "ResultTable", "Run",
    "RunFile", "ScenarioRecord", "SufficiencyRow", "User", "downgrade", "make_engine", "read_session_factory",
    "session_factory", "upgrade",
]
