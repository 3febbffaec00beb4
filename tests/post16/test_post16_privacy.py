"""Pupil-level data: pseudonyms, the key setting, retention, input checks, and nothing in the logs."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
from pydantic import ValidationError

from post16.config import Post16Config, Post16Settings, RoniConfig
from post16.privacy import apply_retention, delete_after, ephemeral_settings, pseudonymise, pseudonymise_table
from post16.risk import check_pupils, train_and_rank
from post16.synthetic import synthetic_pupils
from sufficiency.core.errors import InputError

KEY = "k" * 32


def test_pseudonyms_are_keyed_stable_and_short():
    ids = pd.Series(["A123456789012", "B123456789012", "A123456789012"])
    first = pseudonymise(ids, KEY)
    assert first.iloc[0] == first.iloc[2] != first.iloc[1]
    assert first.str.len().eq(16).all()
    assert pseudonymise(ids, KEY).equals(first)  # same key, same pseudonyms across runs
    assert not pseudonymise(ids, "z" * 32).equals(first)  # another key, other pseudonyms
    # HMAC-SHA256 of "A123456789012" under the key, first 16 hex characters (computed independently).
    import hashlib
    import hmac

    expected = hmac.new(KEY.encode(), b"A123456789012", hashlib.sha256).hexdigest()[:16]
    assert first.iloc[0] == expected


def test_table_loses_the_raw_id():
    pupils = pd.DataFrame({"pupil_id": ["X1", "X2"], "ncy": [10, 11]})
    out = pseudonymise_table(pupils, Post16Settings(pseudonym_key=KEY))
    assert "pupil_id" not in out.columns
    assert "X1" not in out.to_csv()


def test_key_comes_from_the_environment_and_must_be_long(monkeypatch):
    monkeypatch.setenv("SUFFICIENCY_POST16_PSEUDONYM_KEY", "s" * 20)
    assert Post16Settings().pseudonym_key.get_secret_value() == "s" * 20
    assert "s" * 20 not in repr(Post16Settings())  # the secret never prints
    monkeypatch.setenv("SUFFICIENCY_POST16_PSEUDONYM_KEY", "short")
    with pytest.raises(ValidationError, match="at least 16"):
        Post16Settings()
    monkeypatch.delenv("SUFFICIENCY_POST16_PSEUDONYM_KEY")
    with pytest.raises(ValidationError):
        Post16Settings()


def test_retention_drops_old_records_and_dates_the_list():
    today = dt.date(2026, 3, 1)
    pupils = pd.DataFrame({"recorded_on": ["2026-02-01", "2025-02-01", None], "ncy": [9, 10, 11]})
    kept = apply_retention(pupils, 365, today)
    assert list(kept["ncy"]) == [9, 11]  # 2025-02-01 is 393 days old; undated records are kept
    assert delete_after(365, today) == dt.date(2027, 3, 1)


def test_scenario_section_refuses_unknown_keys():
    with pytest.raises(ValidationError):
        Post16Config.model_validate({"retention_dayz": 30})
    with pytest.raises(ValidationError):
        Post16Config.model_validate({"roni": {"calibration_method": "platt"}})


def test_input_problems_name_row_and_column():
    pupils = synthetic_pupils(20, 0, random_state=1).drop(columns=["eal"])
    pupils.loc[3, "attendance_pct"] = 140
    with pytest.raises(InputError) as err:
        check_pupils(pupils, Post16Config(), file="pupils.csv")
    text = str(err.value)
    assert "pupils.csv, column 'eal': required column is missing" in text
    assert "pupils.csv, row 5, column 'attendance_pct'" in text


@pytest.mark.parametrize("column, value, limits", [
    ("attainment8", 91, "0-90"), ("attainment8", -1, "0-90"), ("suspensions", -2, "0-50"),
    ("suspensions", 51, "0-50"), ("school_moves", 21, "0-20"), ("ncy", 15, "0-14"), ("ehcp", 2, "0-1"),
])
def test_out_of_range_pupil_values_are_refused(column, value, limits):
    pupils = synthetic_pupils(20, 0, random_state=1)
    pupils[column] = pupils[column].astype(float)
    pupils.loc[2, column] = value
    with pytest.raises(InputError) as err:
        check_pupils(pupils, Post16Config(), file="pupils.csv")
    assert f"pupils.csv, row 4, column '{column}': value '{value}" in str(err.value)
    assert f"outside {limits}" in str(err.value)


def test_no_pupil_identifier_reaches_the_logs(caplog):
    pupils = synthetic_pupils(600, 120, random_state=5, recorded_on=dt.date(2026, 1, 1))
    settings = Post16Settings(pseudonym_key=KEY)
    config = Post16Config(roni=RoniConfig(cv_folds=3))
    with caplog.at_level(logging.DEBUG):
        report = train_and_rank(pupils, config, settings, today=dt.date(2026, 1, 2))
    assert caplog.records, "the run should log its progress (counts only)"
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    refs = pseudonymise(pupils["pupil_id"], KEY)
    assert not any(pid in text for pid in pupils["pupil_id"])
    assert not any(ref in text for ref in refs)
    assert set(report.ranked["pupil_ref"]) <= set(refs)


def test_the_run_folder_keeps_no_pupil_rows(tmp_path):
    """``sufficiency run``'s output folder (CSVs and run/) holds the model's aggregates, never the pupil list."""
    from sufficiency.app.bundle import read_bundle, write_bundle
    from sufficiency.app.pipeline import write_results
    from sufficiency.core.inputs import load_inputs
    from sufficiency.core.result import run_scenario
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    inputs = inputs.replace(scenario=inputs.scenario.model_copy(update={"la_code": "358"}))
    pupils = synthetic_pupils(600, 80, random_state=5, recorded_on=dt.date.today())
    result = run_scenario(inputs, ["post16"], options={"pupils": pupils, "pupil_settings": ephemeral_settings(2)})
    assert len(result.post16.roni.ranked) == 80
    written = write_results(result, tmp_path, every_table=True)
    assert any(p.name.startswith("post16_roni_metrics") for p in written)
    assert not any("roni_ranked" in p.name or "roni_factors" in p.name for p in written)
    write_bundle(result, tmp_path)
    frames = [pd.read_parquet(p) for p in (tmp_path / "run").rglob("*.parquet")]
    assert not any("pupil_ref" in f.columns and len(f) for f in frames)
    again = read_bundle(tmp_path)[0].post16.roni
    assert again.ranked.empty and "pupil_ref" in again.ranked.columns  # its columns, none of its rows
