"""The sufficiency map: planning areas shaded by surplus or deficit, schools and schemes on top.

Drawn with geopandas and matplotlib from the boundaries in the inputs; no web tiles, so it
renders offline. Lightness carries the surplus (dark = short of places) and deficit areas are
hatched, so the map reads in greyscale; Ofsted grades differ by marker shape as well as colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.figure import new_figure, to_png
from reports.format import signed_percent, year_label
from sufficiency.core.phases import schools_teaching

if TYPE_CHECKING:
    from reports.content import ReportData

OFSTED_STYLE = {"Outstanding": ("*", "#1a9850"), "Good": ("o", "#91bfdb"), "Requires improvement": ("^", "#fdae61"),
                "Inadequate": ("X", "#d73027"), "Not inspected": ("s", "#ffffff")}
LIMIT = 0.15  # colour scale runs from 15% short to 15% spare; beyond that the end colour is used


def area_balance(data: ReportData, year: int) -> pd.DataFrame:
    """Surplus (positive) or deficit (negative) before the programme, per area, one year.

    Returns ``planning_area_id, pupils, places, places_needed, balance, rate`` over the phase's year
    groups (the figures of :mod:`reports.measures`); ``rate`` is the balance as a share of places.
    """
    rows = data.area_year[data.area_year["year"] == year]
    out = rows[["planning_area_id", "pupils", "places", "places_needed"]].copy()
    out["balance"] = out["places"] - out["pupils"]
    out["rate"] = out["balance"] / out["places"].where(out["places"] > 0)
    return out.reset_index(drop=True)


def _schools_layer(data: ReportData) -> gpd.GeoDataFrame | None:
    schools = data.result.inputs.schools
    if not {"x", "y"} <= set(schools.columns):
        return None
    rolls = data.result.current.schools.set_index("school_id")["roll"]
    growth = set(data.programme.loc[data.programme["kind"].isin(("expand", "bulge")), "school_id"])
    cuts = set(data.programme.loc[data.programme["kind"].isin(("reduce", "close")), "school_id"])
    layer = schools[["school_id", "phase", "x", "y"]].assign(
        roll=schools["school_id"].map(rolls).fillna(0).to_numpy(),
        ofsted=schools["ofsted"].fillna("Not inspected") if "ofsted" in schools else "Not inspected",
        grows=schools["school_id"].isin(growth), shrinks=schools["school_id"].isin(cuts))
    layer = layer.dropna(subset=["x", "y"])
    return gpd.GeoDataFrame(layer, geometry=gpd.points_from_xy(layer["x"], layer["y"]), crs="EPSG:27700")


def _draw_panel(ax, areas: gpd.GeoDataFrame, schools: gpd.GeoDataFrame | None, phase: str,
                new_areas: set[str], norm: colors.Normalize) -> None:
    part = areas[areas["phase"] == phase]
    part.plot(ax=ax, column="rate", cmap="cividis", norm=norm, edgecolor="white", linewidth=1.2,
              missing_kwds={"color": "#eeeeee"})
    short = part[part["rate"] < 0]
    if len(short):
        short.plot(ax=ax, facecolor="none", edgecolor="white", hatch="///", linewidth=0.0)
    for row in part.itertuples(index=False):
        point = row.geometry.representative_point()
        text = f"{row.planning_area_id}\n{signed_percent(row.rate)}" if pd.notna(row.rate) else row.planning_area_id
        ax.annotate(text, (point.x, point.y), ha="center", va="center", fontsize=6, color="black", zorder=10,
                    fontweight="bold", bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.85,
                                             "edgecolor": "black", "linewidth": 0.5})
        if row.planning_area_id in new_areas:
            ax.plot(point.x, point.y - 900, marker="P", markersize=11, color="white", markeredgecolor="black")
    if schools is not None:
        mine = schools[schools["phase"].isin(schools_teaching(phase))]
        size = 8 + 60 * np.sqrt(mine["roll"] / max(mine["roll"].max(), 1))
        for grade, (marker, color) in OFSTED_STYLE.items():
            pick = (mine["ofsted"] == grade).to_numpy()
            if pick.any():
                ax.scatter(mine["x"][pick], mine["y"][pick], s=size[pick], marker=marker, c=color,
                           edgecolors="black", linewidths=0.5, zorder=3)
        grow = mine[mine["grows"]]
        ax.scatter(grow["x"], grow["y"], s=size[mine["grows"].to_numpy()] * 3.2, facecolors="none",
                   edgecolors="black", linewidths=1.4, zorder=4)
        cut = mine[mine["shrinks"]]
        ax.scatter(cut["x"], cut["y"], s=18, marker="_", c="black", linewidths=1.6, zorder=5)
    ax.set_title(f"{phase.capitalize()} planning areas", fontsize=9)
    ax.set_xlabel("Easting (km, British National Grid)", fontsize=7)
    ax.set_ylabel("Northing (km)", fontsize=7)
    ax.tick_params(labelsize=6)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(5))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}"))
    ax.set_aspect("equal")


def _legend(fig, cbar_ax, norm) -> None:
    from matplotlib.cm import ScalarMappable

    bar = fig.colorbar(ScalarMappable(norm=norm, cmap="cividis"), cax=cbar_ax, orientation="horizontal",
                       format=lambda v, _: signed_percent(v))
    bar.set_label("Spare places (+) or shortfall (−) as % of places, before the programme; hatched: short",
                  fontsize=7)
    bar.ax.tick_params(labelsize=6.5)
    handles = [Line2D([], [], linestyle="none", marker=m, markerfacecolor=c, markeredgecolor="black",
                      markersize=7, label=grade) for grade, (m, c) in OFSTED_STYLE.items()]
    handles += [Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor="black",
                       markeredgewidth=1.4, markersize=11, label="Expansion or bulge proposed"),
                Line2D([], [], linestyle="none", marker="_", color="black", markeredgewidth=1.6, markersize=8,
                       label="Reduction proposed"),
                Line2D([], [], linestyle="none", marker="P", markerfacecolor="white", markeredgecolor="black",
                       markersize=9, label="New school proposed")]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=6.5, frameon=False,
               bbox_to_anchor=(0.5, 0.19), title="Schools by Ofsted grade (size: roll)", title_fontsize=7)


def sufficiency_map(data: ReportData, year: int | None = None) -> dict[str, bytes]:
    """The map as ``{"map": png}``, or nothing when the planning areas have no boundaries."""
    areas = data.result.inputs.planning_areas
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry.isna().all():
        return {}
    year = year or data.map_year
    areas = areas.to_crs("EPSG:27700") if areas.crs is not None and areas.crs.to_epsg() != 27700 else areas
    areas = areas.merge(area_balance(data, year), on="planning_area_id", how="left")
    new_areas = set(data.programme.loc[data.programme["kind"] == "new_school", "planning_area_id"])
    phases = [p for p in data.phases if p in ("primary", "secondary")]
    fig = new_figure(7.2, 4.4)
    grid = fig.add_gridspec(2, len(phases), height_ratios=[16, 1], hspace=0.45, wspace=0.28, top=0.9, bottom=0.3)
    norm = colors.Normalize(vmin=-LIMIT, vmax=LIMIT, clip=True)
    schools = _schools_layer(data)
    for i, phase in enumerate(phases):  # a panel for each phase the borough plans, none empty
        _draw_panel(fig.add_subplot(grid[0, i]), areas, schools, phase, new_areas, norm)
    _legend(fig, fig.add_subplot(grid[1, :]), norm)
    fig.suptitle(f"Surplus and deficit of places by planning area, {year_label(year)}", fontsize=10)
    return {"map": to_png(fig)}
