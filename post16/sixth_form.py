"""Sixth-form demand: Year 12 and 13 pupils against post-16 places, by school or planning area.

Demand is any long table of pupils by ``year`` and ``ncy`` keyed by ``school_id`` or
``planning_area_id``: the forecasting engine's ``Forecast.by_school`` / ``Forecast.by_area`` (whose
Years 12-13 come from staying-on ratios) or the actual ``rolls``. Only rows with ncy 12-13 are used.

Post-16 places: a school whose ``ncy_high`` is 13 has a sixth form. Its places are the
``post16_capacity`` column of the schools table where given (places across Years 12 and 13), else
its published admission number for each of the two year groups (``2 * pan``), the same per-year-group
basis DfE's net capacity assessment uses for the main school.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.core.capacity import sixth_form_places
from sufficiency.core.phases import PHASE_NCY, SIXTH_FORM

#: Years 12 and 13 (sufficiency.core.phases).
SIXTH_FORM_NCY = PHASE_NCY[SIXTH_FORM]


def post16_places(schools: pd.DataFrame) -> pd.DataFrame:
    """Post-16 places for each school with a sixth form, on the product's one basis
    (:func:`sufficiency.core.capacity.sixth_form_places`, which the current position and the plan
    read too): the school's post16_capacity, else what net capacity leaves after the main school,
    else the admission number in each sixth-form year.

    Returns
    -------
    pandas.DataFrame
        ``school_id, planning_area_id, places, places_basis``.
    """
    sixth = sixth_form_places(schools)
    sixth = sixth[sixth["sixth_form_years"] == len(SIXTH_FORM_NCY)]
    out = sixth.assign(places=sixth["places"].astype(int))
    return out[["school_id", "planning_area_id", "places", "places_basis"]].reset_index(drop=True)


def sixth_form_demand(demand: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Year 12 and 13 pupils against post-16 places, with the drop-out from Year 12 to Year 13.

    Parameters
    ----------
    demand
        Long table ``school_id`` or ``planning_area_id``, ``year, ncy, pupils``.
    schools
        Canonical schools table (``school_id, planning_area_id, ncy_high, pan``, optional
        ``post16_capacity``).

    Returns
    -------
    pandas.DataFrame
        One row per provider (or planning area) and year: ``<key>, year, year12, year13, pupils,
        places, surplus, shortfall, utilisation_pct, retention_12_to_13_pct, dropout_12_to_13_pct``.
        ``surplus`` is places minus pupils (negative when short), ``shortfall`` the places missing.
        Retention compares Year 13 with the same provider's Year 12 a year earlier, so the first
        year has none.
    """
    key = "school_id" if "school_id" in demand.columns else "planning_area_id"
    if key not in demand.columns:
        raise ValueError("demand needs a 'school_id' or 'planning_area_id' column (Forecast.by_school / by_area)")
    rows = demand[demand["ncy"].isin(SIXTH_FORM_NCY)]
    wide = (
        rows.pivot_table(index=[key, "year"], columns="ncy", values="pupils", aggfunc="sum", fill_value=0)
        .reindex(columns=list(SIXTH_FORM_NCY), fill_value=0)
        .rename(columns={12: "year12", 13: "year13"})
        .reset_index()
    )
    wide.columns.name = None
    places = post16_places(schools).groupby(key)["places"].sum()
    wide["pupils"] = wide["year12"] + wide["year13"]
    wide["places"] = wide[key].map(places).fillna(0).astype(int)
    wide["surplus"] = wide["places"] - wide["pupils"]
    wide["shortfall"] = (-wide["surplus"]).clip(lower=0)
    wide["utilisation_pct"] = (100 * wide["pupils"] / wide["places"].replace(0, np.nan)).round(1)
    earlier = wide[[key, "year", "year12"]].assign(year=wide["year"] + 1).rename(columns={"year12": "prior_year12"})
    wide = wide.merge(earlier, on=[key, "year"], how="left")
    wide["retention_12_to_13_pct"] = (100 * wide["year13"] / wide["prior_year12"].replace(0, np.nan)).round(1)
    wide["dropout_12_to_13_pct"] = (100 - wide["retention_12_to_13_pct"]).round(1)
    return wide.drop(columns="prior_year12").sort_values([key, "year"]).reset_index(drop=True)


def to_planning_areas(demand: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Sum a by-school demand table to planning areas (schools table gives each school's area).

    Rows whose school is not in the schools table are kept under planning area ``"unknown"`` so
    no pupil is silently lost.
    """
    area = demand["school_id"].map(schools.set_index("school_id")["planning_area_id"]).fillna("unknown")
    return (
        demand.assign(planning_area_id=area.to_numpy())
        .groupby(["planning_area_id", "year", "ncy"], as_index=False)["pupils"].sum()
    )


def sixth_form_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Authority totals by year from :func:`sixth_form_demand`, with the providers that are short.

    Returns
    -------
    pandas.DataFrame
        ``year, year12, year13, pupils, places, surplus, shortfall, providers_short,
        retention_12_to_13_pct`` (shortfall sums each provider's missing places, without offsetting
        one provider's spare places against another's shortage, as DfE counts places needed).
    """
    grouped = table.groupby("year")
    out = grouped[["year12", "year13", "pupils", "places", "shortfall"]].sum()
    out["surplus"] = out["places"] - out["pupils"]
    out["providers_short"] = grouped["shortfall"].apply(lambda s: int((s > 0).sum()))
    prior = out["year12"].shift(1).where(out.index.to_series().diff() == 1)
    out["retention_12_to_13_pct"] = (100 * out["year13"] / prior.replace(0, np.nan)).round(1)
    cols = ["year12", "year13", "pupils", "places", "surplus", "shortfall", "providers_short", "retention_12_to_13_pct"]
    return out[cols].reset_index()
