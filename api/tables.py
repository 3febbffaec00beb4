"""Reading one stored result table of a finished run (standards, post-16) for the routes that serve it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sufficiency.app.store.models import ResultTable, Run
from sufficiency.core.web import ApiError, attachment, csv_response, csv_text, records

__all__ = ["attachment", "csv_response", "csv_text", "records", "stored_table"]

#: What a run needs for each section's tables to exist, for the message when they do not.
_HOW = {"standards": "start a 'full' run on a dataset with school_indicators.csv",
        "post16": "start a 'full' run"}


def stored_table(session: Session, run: Run, section: str, name: str, *, personal: bool = False,
                 missing: str | None = None) -> pd.DataFrame:
    """A result table of ``run`` as a DataFrame (JSON nulls as None).

    Parameters
    ----------
    personal
        Whether the caller may be given a pupil-level table. A personal table asked for without it
        answers 403, so a route cannot serve pupil data by mistake.
    missing
        The message when the run has no such table; by default it says which run makes one.

    Raises
    ------
    ApiError
        404 when the run has no such table, 403 for a personal table without ``personal``.
    """
    row = session.scalars(select(ResultTable).where(ResultTable.run_id == run.id, ResultTable.section == section,
                                                    ResultTable.name == name)).one_or_none()
    if row is None:
        how = _HOW.get(section, f"start a run with the {section} stage")
        raise ApiError(404, missing or f"Run {run.id} has no {section} results ({name}): {how}.")
    if row.personal and not personal:
        raise ApiError(403, f"The {name} table holds pupil-level data and is served to admins only.")
    return pd.DataFrame(row.rows, columns=row.columns)


