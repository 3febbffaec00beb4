"""Rebuild the compact post-16 reference tables in this folder from the shared open-data copy.

Run from the repository root when ``../shared/data`` (or ``SUFFICIENCY_SHARED_DATA``) is present::

    python -m post16.data.build_data [SHARED_DATA_DIR]

It writes ``nccis_la.csv`` (NCCIS 16-17 participation, NEET and not known, every English LA,
region and England, 2021-2025) and ``attainment19_la.csv`` (level 2 and level 3 by age 19 from
the LA Interactive Tool, 2016-2024). Both are published DfE statistics under the Open
Government Licence v3.0; see README.md in this folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

# One file per vintage; each vintage holds one calendar year (the December-February average).
NCCIS_FILES: tuple[str, ...] = (
    "UD_NEETNK_LA_dashboard_2021_vg_removed.csv",
    "UD_NEETNK_LA_dashboard_2022_final.csv",
    "UD_NEETNK_LA_dashboard_2023_final.csv",
    "2024/UD_NEETNK_LA_dashboard_final.csv",
    "2025/UD_NEETNK_LA_dashboard_final.csv",
)

# Source column -> compact column. Percentages stay in percent (0-100) as published.
NCCIS_COLUMNS: dict[str, str] = {
    "time_period": "year",
    "geographic_level": "geographic_level",
    "region_code": "region_code",
    "region_name": "region_name",
    "old_la_code": "la_code",
    "new_la_code": "la_gss_code",
    "la_name": "la_name",
    "Cohort_DJFavg": "cohort",
    "TOTAL_participating_in_education_and_training_percent": "participation_pct",
    "Full_time_education_percent": "full_time_education_pct",
    "Apprenticeship_percent": "apprenticeship_pct",
    "Other_education_and_training_percent": "other_education_training_pct",
    "NEET_percent": "neet_pct",
    "Notknown_percent": "not_known_pct",
    "NEET_not_known_percent": "neet_or_not_known_pct",
    "September_guarantee_Offer_made_percent": "september_guarantee_pct",
    "cohort_noSEN_percent": "cohort_no_sen_pct",
    "NEET_NK_noSEN_percent": "neet_or_not_known_no_sen_pct",
    "cohort_SENDsupport_percent": "cohort_sen_support_pct",
    "NEET_NK_SENDsupport_percent": "neet_or_not_known_sen_support_pct",
    "cohort_EHCP_percent": "cohort_ehcp_pct",
    "NEET_NK_EHCP_percent": "neet_or_not_known_ehcp_pct",
    "VG_cohort_DJF_avg": "vulnerable_group_cohort",
    "VG_cohort_percentage": "cohort_vulnerable_group_pct",
    "VG_NEET_NK_percentage": "neet_or_not_known_vulnerable_group_pct",
}

LAIT_MEASURES: dict[str, str] = {
    "Level2Age19": "level2_at_19_pct",
    "Level3Age19": "level3_at_19_pct",
    "Level2_FMS_Attain": "level2_at_19_fsm_pct",
    "Level3_FMS_Attain": "level3_at_19_fsm_pct",
}


def build_nccis(neet_dir: Path) -> pd.DataFrame:
    """Stack the NCCIS LA dashboard vintages into one compact table.

    Suppressed or not-applicable cells (``c``, ``z``, ``x``) become empty; rows without an LA
    code at LA level (a dashboard demo row) are dropped.
    """
    frames = []
    for name in NCCIS_FILES:
        raw = pd.read_csv(neet_dir / name, dtype=str)
        frame = raw[[c for c in NCCIS_COLUMNS if c in raw.columns]].rename(columns=NCCIS_COLUMNS)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    is_la = table["geographic_level"] == "Local authority"
    table = table[~is_la | table["la_code"].notna()].copy()
    text_cols = ["geographic_level", "region_code", "region_name", "la_code", "la_gss_code", "la_name"]
    for col in table.columns.difference(text_cols):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    # NCCIS labels a figure by the calendar year of its January; the product files it under the
    # academic year by its autumn (the Dec 2024-Feb 2025 average is 2024/25, year 2024), as LAIT does.
    table["year"] = table["year"].astype(int) - 1
    table["la_code"] = table["la_code"].str.replace(r"\.0$", "", regex=True)
    order = {"National": 0, "Regional": 1, "Local authority": 2}
    table = table.sort_values(
        ["year", "geographic_level", "region_code", "la_code"],
        key=lambda s: s.map(order) if s.name == "geographic_level" else s,
    )
    return table.reset_index(drop=True)


def build_attainment19(lait_file: Path) -> pd.DataFrame:
    """Level 2 and level 3 by age 19 for every LA, region and England from the LAIT long file."""
    raw = pd.read_parquet(lait_file, columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number", "Region"])
    raw = raw[raw["Short Desc"].isin(LAIT_MEASURES)].copy()
    raw["measure"] = raw["Short Desc"].map(LAIT_MEASURES)
    raw["value"] = pd.to_numeric(raw["Values"], errors="coerce").round(2)
    wide = raw.pivot_table(
        index=["LA Number", "LA and Regions", "Region", "Years"], columns="measure", values="value", dropna=False
    ).reset_index()
    wide = wide.rename(
        columns={"LA Number": "la_code", "LA and Regions": "la_name", "Region": "region_name", "Years": "year"}
    )
    wide["la_code"] = wide["la_code"].astype(int).astype(str)
    # LAIT labels attainment at 19 by the calendar year of its summer; the product files it under the academic
    # year by its autumn (LAIT's "2024" is 2023/24, year 2023), as the standards extract does: one label.
    wide["year"] = wide["year"].astype(int) - 1
    wide["region_name"] = wide["region_name"].where(wide["region_name"] != "NA")
    wide.columns.name = None
    wide = wide.dropna(subset=list(LAIT_MEASURES.values()), how="all")
    return wide[["la_code", "la_name", "region_name", "year", *LAIT_MEASURES.values()]].sort_values(
        ["la_code", "year"]
    ).reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    """Write both compact tables from the shared data folder given (or found beside the repo)."""
    args = sys.argv[1:] if argv is None else argv
    default = os.environ.get("SUFFICIENCY_SHARED_DATA", str(HERE.parents[2] / "shared" / "data"))
    shared = Path(args[0] if args else default)
    if not (shared / "england" / "neet").is_dir():
        raise SystemExit(f"{shared}/england/neet not found: pass the shared data folder as the first argument")
    build_nccis(shared / "england" / "neet").to_csv(HERE / "nccis_la.csv", index=False)
    build_attainment19(shared / "england" / "lait" / "bds_long_0.parquet").to_csv(
        HERE / "attainment19_la.csv", index=False
    )
    print(f"wrote {HERE / 'nccis_la.csv'} and {HERE / 'attainment19_la.csv'}")


if __name__ == "__main__":
    main()
