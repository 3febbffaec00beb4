"""Participation in education and training, NEET and not known for one authority (NCCIS).

The figures come from the DfE NCCIS local authority dashboard shipped in ``post16/data``
(every English LA, academic years 2020/21 to 2024/25). For the authority chosen we report, by year, participation, NEET,
not known and the September Guarantee, set against the participation target, England, the region
and the authority's rank among all LAs; the SEND and vulnerable-group splits; and a trend chart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
NCCIS_FILE = DATA_DIR / "nccis_la.csv"

#: Measures reported for the authority, with their direction (True: higher is better).
MEASURES: dict[str, bool] = {
    "participation_pct": True,
    "neet_pct": False,
    "not_known_pct": False,
    "neet_or_not_known_pct": False,
    "september_guarantee_pct": True,
    # 16-17 year olds in an apprenticeship (part of participation): the strategies' apprenticeship measure.
    "apprenticeship_pct": True,
}

#: NCCIS NEET-or-not-known splits: group label -> (share of cohort column, NEET/NK column).
GROUP_SPLITS: dict[str, tuple[str, str]] = {
    "No SEN": ("cohort_no_sen_pct", "neet_or_not_known_no_sen_pct"),
    "SEN support": ("cohort_sen_support_pct", "neet_or_not_known_sen_support_pct"),
    "EHCP": ("cohort_ehcp_pct", "neet_or_not_known_ehcp_pct"),
    "Vulnerable group": ("cohort_vulnerable_group_pct", "neet_or_not_known_vulnerable_group_pct"),
}


class UnknownAuthority(LookupError, ValueError):
    """The authority named in the scenario is not in the reference tables."""


def load_nccis(path: Path | str | None = None) -> pd.DataFrame:
    """Read the compact NCCIS table (the shipped copy unless ``path`` is given).

    Parameters
    ----------
    path
        A CSV in the layout written by ``post16.data.build_data``.

    Returns
    -------
    pandas.DataFrame
        One row per year and geography (National, Regional, Local authority); codes as strings.
        The shipped copy is read once per process; each call gets its own copy.
    """
    return _read_nccis(path) if path else _shipped_nccis().copy()


def _read_nccis(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(
        path, dtype={"la_code": "string", "la_gss_code": "string", "region_code": "string", "la_name": "string"}
    )


@lru_cache(maxsize=1)
def _shipped_nccis() -> pd.DataFrame:
    return _read_nccis(NCCIS_FILE)


def resolve_la(nccis: pd.DataFrame, la: str) -> pd.Series:
    """Find an authority by DfE code, GSS code or name; return its latest row.

    Raises
    ------
    UnknownAuthority
        (a LookupError and a ValueError) With the closest names when nothing matches, so the user can correct the code.
    """
    las = nccis[nccis["geographic_level"] == "Local authority"]
    key = str(la).strip()
    hit = las[(las["la_code"] == key) | (las["la_gss_code"] == key) | (las["la_name"].str.lower() == key.lower())]
    if hit.empty:
        names = sorted(las["la_name"].dropna().unique())
        close = [n for n in names if key.lower()[:4] in n.lower()][:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownAuthority(
            f"No local authority '{key}' in the NCCIS table (try the three-digit DfE code such as 358, "
            f"the GSS code such as E08000009, or the name).{hint}"
        )
    return hit.sort_values("year").iloc[-1]


def period_label(year: pd.Series) -> pd.Series:
    """The months an NCCIS figure averages, from its academic year: 2024 -> "Dec 2024-Feb 2025".

    NCCIS labels each figure by the calendar year of its January (its "2025" file); the shipped
    table files it under the academic year by its autumn (2024 = 2024/25), as the rest of the
    product and LAIT do, so one figure has one year label everywhere.
    """
    year = pd.Series(year).astype(int)
    return "Dec " + year.astype(str) + "-Feb " + (year + 1).astype(str)


def _ranks(las: pd.DataFrame) -> pd.DataFrame:
    """Rank every LA within each year on each measure (1 = best; ties share the better rank)."""
    ranked = las[["year", "la_code"]].copy()
    for measure, higher_is_better in MEASURES.items():
        ranked[f"{measure}_rank"] = las.groupby("year")[measure].rank(
            ascending=not higher_is_better, method="min"
        )
        ranked[f"{measure}_of"] = las.groupby("year")[measure].transform("count")
    return ranked


def participation_table(nccis: pd.DataFrame, la: str, target_pct: float = 95.0) -> pd.DataFrame:
    """Participation, NEET, not known and September Guarantee for one LA, by year, with comparators.

    Parameters
    ----------
    nccis
        Table from :func:`load_nccis`.
    la
        DfE code, GSS code or name of the authority.
    target_pct
        Participation target (percent) the authority is measured against.

    Returns
    -------
    pandas.DataFrame
        Long table: ``year, period, measure, la, england, region, rank, of, target, gap_to_target,
        meets_target`` (target columns filled for participation only). ``rank`` is 1 for the best LA.
        ``year`` is the academic year by its autumn; ``period`` names the months averaged.
    """
    row = resolve_la(nccis, la)
    las = nccis[nccis["geographic_level"] == "Local authority"]
    ranks = _ranks(las)
    mine = las[las["la_code"] == row["la_code"]].merge(ranks, on=["year", "la_code"])
    england = nccis[nccis["geographic_level"] == "National"].set_index("year")
    region = nccis[
        (nccis["geographic_level"] == "Regional") & (nccis["region_code"] == row["region_code"])
    ].set_index("year")
    frames = []
    for measure in MEASURES:
        frame = pd.DataFrame(
            {
                "year": mine["year"].to_numpy(),
                "measure": measure,
                "la": mine[measure].to_numpy(),
                "rank": mine[f"{measure}_rank"].to_numpy(),
                "of": mine[f"{measure}_of"].to_numpy(),
            }
        )
        frame["england"] = frame["year"].map(england[measure])
        frame["region"] = frame["year"].map(region[measure])
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    is_participation = table["measure"] == "participation_pct"
    table["target"] = np.where(is_participation, target_pct, np.nan)
    table["gap_to_target"] = (table["la"] - table["target"]).round(1)
    table["meets_target"] = pd.array(
        np.where(is_participation, table["la"] >= target_pct, pd.NA), dtype="boolean"
    )
    table["rank"] = table["rank"].astype("Int64")
    table["of"] = table["of"].astype("Int64")
    table["period"] = period_label(table["year"]).to_numpy()
    cols = ["year", "period", "measure", "la", "england", "region", "rank", "of", "target", "gap_to_target",
            "meets_target"]
    return table[cols].sort_values(["measure", "year"]).reset_index(drop=True)


def group_splits(nccis: pd.DataFrame, la: str) -> pd.DataFrame:
    """NEET-or-not-known rates for SEND and vulnerable groups: the LA against England and region.

    Returns
    -------
    pandas.DataFrame
        ``year, period, group, cohort_share_pct, la, england, region, gap_to_england`` where ``la``,
        ``england`` and ``region`` are NEET-or-not-known percentages (lower is better). Years in
        which the source suppresses or omits a split are left out.
    """
    row = resolve_la(nccis, la)
    mine = nccis[(nccis["geographic_level"] == "Local authority") & (nccis["la_code"] == row["la_code"])]
    england = nccis[nccis["geographic_level"] == "National"].set_index("year")
    region = nccis[
        (nccis["geographic_level"] == "Regional") & (nccis["region_code"] == row["region_code"])
    ].set_index("year")
    frames = []
    for group, (share_col, rate_col) in GROUP_SPLITS.items():
        frame = pd.DataFrame(
            {
                "year": mine["year"].to_numpy(),
                "group": group,
                "cohort_share_pct": mine[share_col].to_numpy(),
                "la": mine[rate_col].to_numpy(),
            }
        )
        frame["england"] = frame["year"].map(england[rate_col])
        frame["region"] = frame["year"].map(region[rate_col])
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True).dropna(subset=["la"])
    table["gap_to_england"] = (table["la"] - table["england"]).round(1)
    table.insert(1, "period", period_label(table["year"]).to_numpy())
    return table.sort_values(["group", "year"]).reset_index(drop=True)


def trend_chart(table: pd.DataFrame, la_name: str, target_pct: float | None = None):
    """Line chart of participation and NEET-or-not-known: the LA, its region and England.

    Parameters
    ----------
    table
        Output of :func:`participation_table`.
    la_name
        Title for the chart.
    target_pct
        Drawn as a dashed line on the participation panel when given.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels; save with ``fig.savefig(path)``. Uses the non-interactive Agg canvas.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    panels = (("participation_pct", "In education or training (%)"), ("neet_or_not_known_pct", "NEET or not known (%)"))
    for i, (measure, title) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, 2, i)
        part = table[table["measure"] == measure].sort_values("year")
        for col, style in (("la", "-o"), ("region", "--s"), ("england", ":^")):
            label = la_name if col == "la" else col.capitalize()
            ax.plot(part["year"], part[col], style, label=label, linewidth=1.6, markersize=4)
        if measure == "participation_pct" and target_pct is not None:
            ax.axhline(target_pct, color="grey", linestyle="--", linewidth=1, label=f"Target {target_pct:g}%")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(part["year"].tolist())
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"16-17 year olds, {la_name} (NCCIS, Dec-Feb average)", fontsize=11)
    fig.tight_layout()
    return fig
