"""The forecast stage's checks of a data folder (``Stage.input_checks``): housing is only counted with yields.

New dwellings add pupils through ``pupil_yields`` (pupils per dwelling by phase, type, tenure and years since
completion). No default yields are shipped: the figures vary several-fold between authorities and between
sites (DfE, "Estimating pupil yield from housing development", 2023, asks authorities to use local evidence),
and a national figure we could not check against its published source would be a number with no footing.
So a folder with ``housing`` and no ``pupil_yields`` is refused, saying how to go on, rather than forecast as
if the dwellings brought no children; and a housing row whose dwelling type and tenure have no yield is
refused too, since it would add none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sufficiency.core.crosscheck import row_of
from sufficiency.core.errors import Problem

YIELD_KEYS = ("dwelling_type", "tenure")


def _counts_housing(scenario: Any) -> bool:
    settings = getattr(scenario, "forecast", None)
    return bool(getattr(settings, "housing", True))


def check(tables: Mapping[str, Any], files: Mapping[str, str], scenario: Any) -> list[Problem]:
    """Housing without yields (unless ``forecast.housing`` is off), and housing rows no yield row matches."""
    housing = tables.get("housing")
    if housing is None or housing.empty or not _counts_housing(scenario):
        return []
    yields = tables.get("pupil_yields")
    file = files["housing"]
    if yields is None:
        return [Problem(
            file, None, None,
            f"{file} gives {int(housing['dwellings'].sum()) if 'dwellings' in housing else len(housing):,} "
            "dwellings but there is no pupil_yields table, so they would add no pupils to the forecast",
            "Add pupil_yields.csv (phase, dwelling_type, tenure, years_since_completion, pupils_per_dwelling: "
            "your authority's own survey, or its figures from DfE's pupil yield dashboard); or, to forecast "
            "from the roll trend alone, set 'forecast: {housing: false}' in scenario.yaml")]
    keys = [k for k in YIELD_KEYS if k in housing.columns and k in yields.columns]
    if not keys or not set(keys) <= set(yields.columns):
        return []
    given = set(yields[keys].astype(str).itertuples(index=False, name=None))
    combos = housing[keys].astype(str).apply(tuple, axis=1)
    lost = ~combos.isin(given) & housing[keys].notna().all(axis=1)
    problems = []
    for combo, index in housing[lost].groupby(combos[lost], sort=True).groups.items():
        label = ", ".join(f"{k} '{v}'" for k, v in zip(keys, combo, strict=True))
        more = f" (and {len(index) - 1} more rows)" if len(index) > 1 else ""
        problems.append(Problem(
            file, row_of(dict(files), "housing", index[0]), keys[0],
            f"no pupil_yields row has {label}, so these dwellings would add no pupils{more}",
            f"Add yields for {label} to {files['pupil_yields']}, or correct the row"))
    return problems
