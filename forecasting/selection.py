"""Model selection: a rolling-origin splitter for scikit-learn and the error every score rests on.

`RollingOrigin` splits a long table of rolls by year, as a forecast is used: fit on the years up
to an origin, score on the next ``horizon`` years. With `CohortSurvival.score` it lets
`sklearn.model_selection.GridSearchCV` choose hyperparameters by out-of-sample accuracy::

    GridSearchCV(CohortSurvival(), {"ratio_method": ["mean", "weighted", "median"]},
                 cv=RollingOrigin(origins=[2019, 2020, 2021], horizon=2)).fit(rolls)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_scalar

#: Outturns below one pupil are not scored: a percentage error of a near-empty cell means nothing.
MIN_OUTTURN = 1.0


def percentage_errors(forecast: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Errors in percent of the outturn, for the cells with an outturn of at least one pupil.

    Returns
    -------
    scored : ndarray of bool
        Which cells are scored, the shape of ``actual``.
    errors : ndarray
        ``(forecast - actual) / actual * 100`` of the scored cells, in their order.
    """
    scored = actual >= MIN_OUTTURN
    return scored, (forecast[scored] - actual[scored]) / actual[scored] * 100


class RollingOrigin(BaseCrossValidator):
    """Rolling-origin splits of a long table of rolls: fit up to an origin, test the years after.

    Parameters
    ----------
    origins : sequence of int
        Base years, one split each; the training rows are those with ``year <= origin``.
    horizon : int, default=1
        Years after each origin in its test rows: ``origin < year <= origin + horizon``.

    Examples
    --------
    >>> rolls = pd.DataFrame({"planning_area_id": "A", "year": [2020, 2021, 2022, 2023],
    ...                       "ncy": 0, "pupils": [30, 31, 29, 30]})
    >>> [(train.tolist(), test.tolist()) for train, test in RollingOrigin(origins=[2021], horizon=2).split(rolls)]
    [([0, 1], [2, 3])]
    """

    def __init__(self, *, origins: Sequence[int], horizon: int = 1) -> None:
        self.origins = origins
        self.horizon = horizon

    def split(self, X: pd.DataFrame, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Row positions of the training and test rows for each origin.

        Parameters
        ----------
        X : DataFrame
            Rolls with a ``year`` column.
        y, groups : None
            Ignored.

        Yields
        ------
        train, test : ndarray of int
            Positions (not index labels) of the rows, as scikit-learn expects.

        Raises
        ------
        TypeError, ValueError
            When the horizon is not a whole number of at least 1, there are no origins, or an
            origin leaves no rows to train or test on.
        """
        years = self._years(X)
        for origin in self.origins:
            train = np.flatnonzero(years <= origin)
            test = np.flatnonzero((years > origin) & (years <= origin + self.horizon))
            if not len(train) or not len(test):
                raise ValueError(
                    f"origin {origin} leaves no rows to {'train' if not len(train) else 'test'} on: rolls run "
                    f"{years.min()}-{years.max()}, so origins must lie in {years.min()}-{years.max() - 1}"
                )
            yield train, test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of origins."""
        return len(self.origins)

    def _years(self, X: pd.DataFrame) -> np.ndarray:
        """The year of every row, once the splitter's own settings are checked."""
        check_scalar(self.horizon, "horizon", Integral, min_val=1)
        if not len(self.origins):
            raise ValueError("origins is empty: give at least one base year to forecast from")
        if not isinstance(X, pd.DataFrame) or "year" not in X:
            raise ValueError("RollingOrigin splits a DataFrame of rolls with a 'year' column")
        return X["year"].to_numpy(int)
