"""Rebuild the compact LAIT extract shipped in ``standards/data`` from the full LAIT files.

Run ``python -m standards.data.build [SHARED_LAIT_DIR]``; the default source folder is
``../shared/data/england/lait`` beside the project. The product itself only ever reads the
compact files written here, so it runs without the full download.

Source: DfE Local Authority Interactive Tool (LAIT), dfe-analytical-services/
local-authority-interactive-tool @ 2e30e395. Contains public sector information licensed under
the Open Government Licence v3.0.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCE = DATA_DIR.parents[2] / "shared" / "data" / "england" / "lait"
#: District-to-education-LA lookup with each LA's ONS GSS code(s) and its old three-digit code.
DEFAULT_HIERARCHY = DEFAULT_SOURCE.parent / "boundaries" / "la_lad_hierarchy.csv"

#: LAIT measures the standards module uses (KPI tables, benchmarking, targets).
MEASURES: tuple[str, ...] = (
    "FSP_NEW_GOODDEV", "KS1P_all", "KS1R_Expected_STD", "KS1W_Expected _STD",
    "KS1M_Expected _STD", "KS2RWM_Expected_STD", "KS2R_Expected_STD", "KS2W_Teacher_Assess",
    "KS2M_Expected_STD", "KS2RWM_Higher_STD", "DAP_NEW_KS2_RWM", "NonDAP_NEW_KS2_RWM",
    "FSM_NEW_KS2_RWM", "NonFSM_NEW_KS2_RWM", "NoID_SEN_NEW_KS2_RWM", "NEW_KS2_RWM_Sen_W/Osta",
    "AVG_Attain8_Score", "AVG_Prog8_Score", "EngMaths9-4", "EngMaths9-5", "DAP_KS4_ATT8",
    "NonDAP_KS4_ATT8", "FSM_AVG_Attain8_Score", "NonFSM_AVG_Attain8_Score",
    "SEN_WoStat_AVG_Attain8_Score", "SEN_NoID_AVG_Attain8_Score", "PriAuth", "PriUnauth",
    "PriTotAbs", "SecAuth", "SecUnauth", "SecTotAbs", "TotAbs", "TotAuthAbs", "TotUnAuthAbs",
    "TotPerAbNew", "SFPriPerAbNew", "SFSecPerAbNew", "TotPermEx", "TotFixedEx", "PriPermEx",
    "PriFixedEx", "SecPermEx", "SecFixedEx", "16-17 NEET", "16-17_not known_NEET",
    "16-17Ed&Training", "EALPri", "EALSec", "PriFSM", "SecFSM", "SEN_TotStat", "SEN_TotSENSuP",
    # Looked-after children (the strategies' attainment and progress targets) and care leavers.
    "LAC_KS2_ExpStd_RWM", "LAC_KS2_AVG_Prog8_R", "LAC_KS2_AVG_Prog8_W", "LAC_KS2_AVG_Prog8_M",
    "LAC_KS4_AVG_Attain8", "LAC_KS4_AVG_Prog8", "LAC_EngMaths9-4", "CareLeaverEET",
    # Level 3 at 19; Progress 8 of disadvantaged pupils and the others (the gap).
    "Level3Age19", "DAP_KS4_Prog8", "NonDAP_KS4_Prog8",
    # Destinations after KS4: in education, employment or training, apprenticeships, not sustained.
    "SusEdOverall_All", "KS4_DES_Apprentice", "KS4_DES_NotSus",
    # Early years: take-up of funded early education at 2, and at 3 and 4.
    "%_2yr_olds", "%_3&4yr_olds",
)
#: Oldest academic year (autumn convention) kept: 2021/22 onward, the years after the pandemic
#: gaps of 2019/20-2020/21, keep the extract small while giving a trend and a baseline.
FIRST_YEAR = 2021
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")


def period_to_year(period: str) -> float:
    """Map a LAIT period label to the academic year by its autumn (2023 = 2023/24).

    ``2023/24`` and ``2023-24`` give 2023; a single year such as ``2024`` (a summer result or a
    January/March snapshot, possibly suffixed ``(Rev)``, ``(prov)``, ``(Final)``) gives 2023;
    multi-year averages (``2014-16``) give NaN because they belong to no single year.

    Parameters
    ----------
    period : str
        The LAIT ``Years`` label.

    Returns
    -------
    float
        The academic year, or NaN when the label spans several years.
    """
    label = re.sub(r"\s*\(.*\)\s*$", "", str(period)).strip()
    if m := re.fullmatch(r"(\d{4})[/-](\d{2})", label):
        start, end = int(m.group(1)), int(m.group(2))
        return float(start) if (start + 1) % 100 == end else np.nan
    if re.fullmatch(r"\d{4}", label):
        return float(int(label) - 1)
    return np.nan


def build(source: Path = DEFAULT_SOURCE, dest: Path = DATA_DIR) -> dict[str, int]:
    """Write ``lait_values.csv`` (measure, year, then one column per LA number), ``lait_measures.csv`` and
    ``la_codes.csv`` into ``dest``.

    Parameters
    ----------
    source : Path
        Folder holding ``bds_long_0.parquet``, ``lait_data_dictionary.csv`` and
        ``la_code_list.xlsx``.
    dest : Path
        Output folder.

    Returns
    -------
    dict of str to int
        Row counts of the files written.
    """
    raw = pd.read_parquet(source / "bds_long_0.parquet")
    raw = raw[raw["Short Desc"].isin(MEASURES)]
    values = pd.DataFrame({
        "measure": raw["Short Desc"],
        "period": raw["Years"],
        "year": raw["Years"].map(period_to_year),
        "la_number": raw["LA Number"].astype(int),
        "value": raw["Values"].str.strip(),
    })
    # "-" and "x" are LAIT's suppressed / not-published markers: missing, never zero.
    values = values[values["value"].str.match(_NUMERIC, na=False) & values["year"].notna()]
    values = values[values["year"] >= FIRST_YEAR]
    values["value"] = values["value"].astype(float)
    values["year"] = values["year"].astype(int)
    # Where a provisional and a revised label share a year, keep the later (revised) label.
    values = (values.sort_values(["measure", "la_number", "year", "period"])
              .drop_duplicates(["measure", "la_number", "year"], keep="last"))
    # Wide (one column per LA number) keeps the shipped file a few hundred KB.
    wide = values.pivot(index=["measure", "year"], columns="la_number", values="value")
    wide.to_csv(dest / "lait_values.csv", float_format="%.6g")

    dictionary = pd.read_csv(source / "lait_data_dictionary.csv")
    dictionary = dictionary[dictionary["Measure_short"].isin(MEASURES)].drop_duplicates(
        "Measure_short")
    measures = pd.DataFrame({
        "measure": dictionary["Measure_short"],
        "topic": dictionary["Topic"],
        "description": dictionary["Measure"],
        "polarity": dictionary["Polarity"].fillna("-"),
        "unit": dictionary["y_axis_name"],
        "year_type": dictionary["Year_Type"],
    })
    measures.to_csv(dest / "lait_measures.csv", index=False)

    codes = pd.read_excel(source / "la_code_list.xlsx")
    codes.columns = ["la_number", "la_name", "region", "la_type"]
    codes.to_csv(dest / "la_codes.csv", index=False)
    return {"lait_values.csv": len(values), "lait_measures.csv": len(measures),
            "la_codes.csv": len(codes)}


def build_gss_codes(hierarchy: Path = DEFAULT_HIERARCHY, dest: Path = DATA_DIR) -> int:
    """Write ``la_gss_codes.csv`` (gss_code, la_number) into ``dest`` and return its row count:
    every ONS GSS code an education LA has had, one a row, since some have had two (Northumberland
    E06000048 and E06000057; Somerset, a county become a unitary, E10000027 and E06000066).

    ``hierarchy`` is ``la_lad_hierarchy.csv`` (dfe-analytical-services/pupil-yields-dashboard- @
    6f33279d): its ``new_la_code`` is the GSS code and ``old_la_code`` the LAIT LA number.
    """
    lookup = pd.read_csv(hierarchy, dtype=str)
    codes = (lookup[["new_la_code", "old_la_code"]].dropna().drop_duplicates()
             .rename(columns={"new_la_code": "gss_code", "old_la_code": "la_number"})
             .sort_values(["la_number", "gss_code"]))
    codes.to_csv(dest / "la_gss_codes.csv", index=False)
    return len(codes)


#: Years of synthetic school indicators for the sample borough: the years of the LAIT extract.
SAMPLE_YEARS = range(FIRST_YEAR, 2025)
SAMPLE_SEED = 20250101


def build_sample_indicators(trafford_csv: Path = DEFAULT_SOURCE.parents[1] / "trafford"
                            / "trafford_schools_and_colleges.csv",
                            schools_csv: Path | None = None,
                            dest: Path = DATA_DIR) -> int:
    """Write ``sample_school_indicators.csv`` for the Trafford sample borough.

    Parameters
    ----------
    trafford_csv : Path
        GIAS extract of Trafford schools (URN, % FSM, Ofsted rating).
    schools_csv : Path, optional
        Canonical schools table of the sample borough; by default the one embedded in
        ``sufficiency/sample/data``, else the state-funded mainstream schools of the GIAS file.
    dest : Path
        Output folder.

    Returns
    -------
    int
        Number of rows written.
    """
    from standards.synthetic import sample_school_indicators

    gias = pd.read_csv(trafford_csv, dtype={"unique_reference_number": str})
    fsm = gias.set_index("unique_reference_number")["percent_fsm"]
    schools_csv = schools_csv or DATA_DIR.parents[1] / "sufficiency/sample/data/schools.csv"
    if schools_csv.exists():
        schools = pd.read_csv(schools_csv, dtype={"school_id": str})
    else:
        mainstream = gias[gias["type"].isin(["Local authority maintained schools", "Academies",
                                             "Free Schools"])]
        schools = pd.DataFrame({
            "school_id": mainstream["unique_reference_number"],
            "phase": np.where(mainstream["highest_admission_age"] <= 11, "primary",
                              "secondary"),
            "ofsted": mainstream["ofsted_rating"].fillna("Not inspected"),
        })
    table = sample_school_indicators(schools, SAMPLE_YEARS, SAMPLE_SEED, fsm, la_number=358)
    table.to_csv(dest / "sample_school_indicators.csv", index=False, float_format="%.6g")
    return len(table)


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    print(build(src))
    print({"la_gss_codes.csv": build_gss_codes(src.parent / "boundaries" / "la_lad_hierarchy.csv")})
    print({"sample_school_indicators.csv": build_sample_indicators(
        src.parents[1] / "trafford" / "trafford_schools_and_colleges.csv")})
