"""The national data folder: its two forms, the shipped extract and its builder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from national.build import SHIPPED, build
from national.folder import Authority, NationalFolderError, authorities, authority_folder, folder_form
from sufficiency.core.inputs import load_inputs


def test_the_shipped_extract_lists_every_english_authority_with_its_name() -> None:
    found = authorities(SHIPPED)
    assert folder_form(SHIPPED) == "tables"
    assert len(found) == 152
    assert Authority("358", "Trafford") in found
    assert (SHIPPED / "README.md").read_text(encoding="utf-8").count("Open Government Licence v3.0") >= 1


def test_an_authority_of_the_tables_form_is_an_ordinary_data_folder(tmp_path: Path) -> None:
    folder = authority_folder(SHIPPED, Authority("358", "Trafford"), tmp_path)
    schools = pd.read_csv(folder / "schools.csv", dtype=str)
    assert "la_code" not in schools and list(schools["school_id"]) == ["358P", "358S"]
    inputs = load_inputs(folder)
    assert inputs.rolls["school_id"].isin(["358P", "358S"]).all()
    assert inputs.scenario.base_year == 2016


def test_sub_folders_are_the_other_form(tmp_path: Path) -> None:
    for code in ("201", "207"):
        authority_folder(SHIPPED, Authority(code), tmp_path)
    assert folder_form(tmp_path) == "folders"
    assert [(a.la_code, a.folder) for a in authorities(tmp_path)] == [("201", tmp_path / "201"),
                                                                      ("207", tmp_path / "207")]


def test_a_table_without_la_code_is_refused_saying_so(tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text("school_id,planning_area_id\nA,PA\n", encoding="utf-8")
    with pytest.raises(NationalFolderError, match="la_code"):
        authorities(tmp_path)
    with pytest.raises(NationalFolderError, match="not a folder"):
        folder_form(tmp_path / "schools.csv")
    (tmp_path / "schools.csv").unlink()
    with pytest.raises(NationalFolderError, match="neither"):
        folder_form(tmp_path)


@pytest.mark.shared
def test_the_builder_makes_the_shipped_extract_from_the_open_data(shared_data: Path, tmp_path: Path) -> None:
    out = build(shared_data, tmp_path)
    for name in ("authorities.csv", "schools.csv", "rolls.csv", "births.csv", "scenario.yaml"):
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes(), name
