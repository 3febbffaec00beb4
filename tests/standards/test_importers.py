"""DfE school-level files into school_indicators: columns mapped, DfE's markers missing (never zero), every
unreadable value named by file, row and column. The files are small copies in DfE's published layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from standards.importers import import_school_file, merge_indicators
from sufficiency.core.errors import InputError

SCHOOLS = pd.DataFrame({"school_id": ["106283", "106284", "136378"]})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ks2_performance_table(tmp_path: Path) -> None:
    path = _write(tmp_path, "england_ks2final.csv",
                  "RECTYPE,LEA,URN,SCHNAME,PTRWM_EXP,PTREAD_EXP,PTRWM_EXP_FSM6CLA1A,TELNUM\n"
                  "1,358,106283,Acre School,65%,78%,SUPP,0161\n"
                  "1,358,106284,Brook School,NE,NP,40%,0161\n"
                  "1,359,999999,Elsewhere,50%,60%,30%,0161\n")
    imported = import_school_file(path, "ks2", 2024, SCHOOLS)
    rows = imported.rows.set_index(["school_id", "indicator"])["value"]
    assert rows[("106283", "ks2_rwm_expected")] == 65.0 and rows[("106283", "ks2_reading_expected")] == 78.0
    assert rows[("106284", "ks2_rwm_expected_disadvantaged")] == 40.0
    assert ("106283", "ks2_rwm_expected_disadvantaged") not in rows.index  # SUPP: missing, not 0
    assert ("106284", "ks2_rwm_expected") not in rows.index  # NE
    assert imported.not_given == {"PTRWM_EXP": 1, "PTREAD_EXP": 1, "PTRWM_EXP_FSM6CLA1A": 1}
    assert imported.unknown_schools == ["999999"] and set(imported.rows["year"]) == {2024}


def test_ks4_ofsted_and_gias(tmp_path: Path) -> None:
    ks4 = _write(tmp_path, "england_ks4final.csv", "URN,ATT8SCR,P8MEA,PTL2BASICS_94\n136378,46.3,-0.21,71%\n")
    rows = import_school_file(ks4, "ks4", 2023).rows.set_index("indicator")["value"]
    assert rows.to_dict() == {"ks4_attainment8": 46.3, "ks4_progress8": -0.21, "ks4_em_grade4": 71.0}
    ofsted = _write(tmp_path, "ofsted.csv", "URN,School name,Overall effectiveness,Inspection start date,"
                    "Previous full inspection overall effectiveness\n106283,Acre,2,15/05/2024,1\n"
                    "106284,Brook,Not judged,02/10/2025,3\n")
    rows = import_school_file(ofsted, "ofsted", 2024).rows.set_index(["school_id", "indicator"])["value"]
    assert rows[("106283", "ofsted_overall_grade")] == 2 and rows[("106283", "ofsted_previous_grade")] == 1
    assert rows[("106283", "ofsted_inspection_date")] == "2024-05-15"
    assert ("106284", "ofsted_overall_grade") not in rows.index  # a report card: no single-word grade
    gias = _write(tmp_path, "edubasealldata.csv", "URN,EstablishmentName,PercentageFSM\n106283,Acre,12.5\n")
    assert import_school_file(gias, "gias", 2024).rows["value"].tolist() == [12.5]


def test_unreadable_values_are_named_by_file_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "england_abs.csv", "URN,PERCTOT,PPERSABS10\n106283,5.1,12\n106284,five,13\n")
    with pytest.raises(InputError) as err:
        import_school_file(path, "absence", 2024)
    assert "england_abs.csv, row 3, column 'PERCTOT': value 'five' is not a number" in str(err.value)
    no_urn = _write(tmp_path, "bad.csv", "SCHNAME,PERCTOT\nA,5\n")
    with pytest.raises(InputError, match="URN"):
        import_school_file(no_urn, "absence", 2024)
    wrong = _write(tmp_path, "wrong.csv", "URN,SOMETHING\n1,5\n")
    with pytest.raises(InputError, match="none of the ks2 columns"):
        import_school_file(wrong, "ks2", 2024)


def test_a_new_figure_replaces_the_old_for_the_same_school_year_and_indicator() -> None:
    old = pd.DataFrame({"school_id": ["1", "1"], "year": [2024, 2024], "indicator": ["fsm_pct", "eal_pct"],
                        "value": [10.0, 5.0]})
    new = pd.DataFrame({"school_id": ["1"], "year": [2024], "indicator": ["fsm_pct"], "value": [12.0]})
    merged = merge_indicators(old, new).set_index("indicator")["value"]
    assert merged.to_dict() == {"eal_pct": 5.0, "fsm_pct": 12.0}
