"""The risk-of-NEET indicator (RONI): a calibrated classifier with per-pupil explanations.

Two candidate pipelines are compared by stratified cross-validated log loss on the authority's
history (pupils whose outcome at 16-17 is known):

- ``logistic``: median imputation, standardisation, L2 logistic regression;
- ``boosting``: median imputation, scikit-learn ``HistGradientBoostingClassifier``.

The one with the lower log loss is wrapped in ``CalibratedClassifierCV`` so that a score of 0.2
means about one in five such pupils became NEET.

Explanations. For the logistic regression, each factor's contribution to a pupil's log-odds is
its coefficient times the pupil's standardised value (contributions plus the intercept add up
to the model's log-odds exactly; a contribution is measured against the average pupil). For
gradient boosting we fit a *linear surrogate*: a ridge regression of the boosting model's
log-odds on the same standardised features, and report coefficient times standardised value
from it, with the surrogate's fidelity (R squared) in ``surrogate_r2_``. scikit-learn has no
per-pupil attribution for tree ensembles; the SHAP package would add numba and llvmlite as
dependencies for one table, and a surrogate whose fidelity is reported is easier to explain to
a school. Calibration is monotone, so it changes neither the ranking nor which factors push a
score up.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from post16.config import DEFAULT_BINARY_FEATURES, DEFAULT_NUMERIC_FEATURES

#: Plain-English names and units for the ranked list.
FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "attendance_pct": ("Attendance", "{:.0f}%"),
    "suspensions": ("Suspensions", "{:.0f}"),
    "permanent_exclusion": ("Permanently excluded", "flag"),
    "attainment8": ("Attainment 8", "{:.0f}"),
    "sen_support": ("SEN support", "flag"),
    "ehcp": ("EHC plan", "flag"),
    "disadvantaged": ("Disadvantaged", "flag"),
    "looked_after": ("Looked after", "flag"),
    "child_in_need": ("Child in need", "flag"),
    "eal": ("English as an additional language", "flag"),
    "school_moves": ("School moves", "{:.0f}"),
}


def candidate_pipelines(random_state: int = 0) -> dict[str, Pipeline]:
    """The two candidate pipelines, unfitted."""
    return {
        "logistic": Pipeline(
            [
                ("impute", SimpleImputer(strategy="median")),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=1.0, max_iter=2000)),
            ]
        ),
        "boosting": Pipeline(
            [
                ("impute", SimpleImputer(strategy="median")),
                (
                    "model",
                    HistGradientBoostingClassifier(
                        learning_rate=0.05,
                        max_iter=150,
                        max_leaf_nodes=15,
                        min_samples_leaf=40,
                        l2_regularization=1.0,
                        early_stopping=False,
                        random_state=random_state,
                    ),
                ),
            ]
        ),
    }


class RoniModel(ClassifierMixin, BaseEstimator):
    """Choose, calibrate and explain a risk-of-NEET classifier.

    Parameters
    ----------
    numeric_features, binary_features
        Columns of ``X`` used as inputs; other columns are ignored.
    candidates
        Names from :func:`candidate_pipelines` to compare.
    cv_folds
        Stratified folds, for the comparison and for calibration.
    calibration_method
        ``"isotonic"`` or ``"sigmoid"``.
    random_state
        Seed for fold shuffling and the boosting model.
    n_threads
        OpenMP/BLAS threads while fitting. One by default: on cohorts of a few thousand pupils the
        boosting model's threads cost more in start-up and contention than they save, badly so when
        other work shares the machine (measured 2.7 s single-threaded against 37 s with contended
        threads on 2 cores).

    Attributes
    ----------
    cv_log_loss_ : dict[str, float]
        Mean cross-validated log loss of each candidate.
    chosen_ : str
        The candidate with the lowest log loss.
    calibrated_ : CalibratedClassifierCV
        The calibrated chosen pipeline, used for scores.
    explainer_ : Pipeline
        The chosen pipeline refitted on all rows, used for explanations.
    contribution_coef_, contribution_mean_, contribution_scale_ : numpy.ndarray
        The linear weights and standardisation behind the explanations.
    surrogate_r2_ : float
        Fidelity of the linear surrogate (1.0 for the logistic regression, which is its own).
    """

    def __init__(
        self,
        numeric_features: Sequence[str] = DEFAULT_NUMERIC_FEATURES,
        binary_features: Sequence[str] = DEFAULT_BINARY_FEATURES,
        candidates: Sequence[str] = ("logistic", "boosting"),
        cv_folds: int = 5,
        calibration_method: str = "sigmoid",
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.numeric_features = numeric_features
        self.binary_features = binary_features
        self.candidates = candidates
        self.cv_folds = cv_folds
        self.calibration_method = calibration_method
        self.random_state = random_state
        self.n_threads = n_threads

    @property
    def features(self) -> list[str]:
        """All input columns, numeric first."""
        return [*self.numeric_features, *self.binary_features]

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.features if c not in X.columns]
        if missing:
            raise ValueError(f"pupil table lacks model columns {missing}; add them or change post16.roni features")
        return X[self.features].to_numpy(dtype=float)

    def fit(self, X: pd.DataFrame, y: Sequence[int]) -> RoniModel:
        """Compare the candidates, calibrate the best and prepare explanations."""
        with threadpool_limits(limits=self.n_threads):
            return self._fit(X, y)

    def _fit(self, X: pd.DataFrame, y: Sequence[int]) -> RoniModel:
        matrix, target = self._matrix(X), np.asarray(y, dtype=int)
        folds = StratifiedKFold(self.cv_folds, shuffle=True, random_state=self.random_state)
        pipelines = candidate_pipelines(self.random_state)
        self.cv_log_loss_ = {
            name: float(-cross_val_score(pipelines[name], matrix, target, cv=folds, scoring="neg_log_loss").mean())
            for name in self.candidates
        }
        self.chosen_ = min(self.cv_log_loss_, key=self.cv_log_loss_.get)
        chosen = pipelines[self.chosen_]
        self.calibrated_ = CalibratedClassifierCV(clone(chosen), method=self.calibration_method, cv=folds)
        self.calibrated_.fit(matrix, target)
        self.classes_ = self.calibrated_.classes_
        self.explainer_ = clone(chosen).fit(matrix, target)
        self._fit_contributions(matrix)
        return self

    def _fit_contributions(self, matrix: np.ndarray) -> None:
        """Linear weights on standardised inputs: exact for logistic, a ridge surrogate for boosting."""
        imputed = self.explainer_.named_steps["impute"].transform(matrix)
        self.contribution_mean_ = imputed.mean(axis=0)
        scale = imputed.std(axis=0)
        self.contribution_scale_ = np.where(scale > 0, scale, 1.0)
        if self.chosen_ == "logistic":
            scaler = self.explainer_.named_steps["scale"]
            self.contribution_mean_, self.contribution_scale_ = scaler.mean_, scaler.scale_
            self.contribution_coef_ = self.explainer_.named_steps["model"].coef_.ravel()
            self.surrogate_r2_ = 1.0
            return
        standardised = (imputed - self.contribution_mean_) / self.contribution_scale_
        log_odds = self.explainer_.decision_function(matrix)
        surrogate = Ridge(alpha=1.0).fit(standardised, log_odds)
        self.contribution_coef_ = surrogate.coef_
        self.surrogate_r2_ = float(surrogate.score(standardised, log_odds))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, columns ``[not NEET, NEET]``."""
        with threadpool_limits(limits=self.n_threads):
            return self.calibrated_.predict_proba(self._matrix(X))

    def risk(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of NEET at 16-17 for each row."""
        return self.predict_proba(X)[:, 1]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each factor's contribution to each pupil's log-odds, against the average pupil."""
        imputed = self.explainer_.named_steps["impute"].transform(self._matrix(X))
        standardised = (imputed - self.contribution_mean_) / self.contribution_scale_
        return pd.DataFrame(standardised * self.contribution_coef_, columns=self.features, index=X.index)

    def explain(self, X: pd.DataFrame, top: int = 3, min_contribution: float = 0.05) -> pd.DataFrame:
        """The ``top`` factors raising each pupil's risk, strongest first.

        Parameters
        ----------
        X
            Pupils to explain.
        top
            Factors kept per pupil.
        min_contribution
            Smallest log-odds contribution worth naming (0.05 is about a 5% rise in the odds);
            smaller pushes are noise to a reader.

        Returns
        -------
        pandas.DataFrame
            Long table with the index of ``X`` as ``row``, and ``order, factor, feature, value,
            contribution`` (log-odds). Only factors raising risk by ``min_contribution`` appear.
        """
        contrib = self.contributions(X)
        long = contrib.stack().rename("contribution").reset_index()
        long.columns = ["row", "feature", "contribution"]
        long = long[long["contribution"] >= min_contribution]
        long = long.sort_values(["row", "contribution"], ascending=[True, False])
        long["order"] = long.groupby("row").cumcount() + 1
        long = long[long["order"] <= top].copy()
        values = X[self.features].stack().rename("value").reset_index()
        values.columns = ["row", "feature", "value"]
        long = long.merge(values, on=["row", "feature"], how="left")
        long["factor"] = _describe(long["feature"], long["value"])
        return long[["row", "order", "factor", "feature", "value", "contribution"]].reset_index(drop=True)


def _describe(features: pd.Series, values: pd.Series) -> pd.Series:
    """Readable factor text such as ``Attendance 81%`` or ``Looked after``."""
    text = []
    for feature, value in zip(features.to_numpy(), values.to_numpy(), strict=True):
        label, fmt = FACTOR_LABELS.get(feature, (feature, "{:g}"))
        if fmt == "flag":
            text.append(label if value == 1 else f"not {label.lower()}")
        else:
            text.append(f"{label} {fmt.format(value)}" if pd.notna(value) else f"{label} missing")
    return pd.Series(text, index=features.index, dtype="string")
