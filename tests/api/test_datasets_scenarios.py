"""Datasets (upload, validation report, GeoJSON, deletion) and scenarios (JSON and YAML)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pandas as pd
import yaml

from sufficiency.app.store.datasets import content_hash
from sufficiency.sample import sample_dir
from tests.api.conftest import World, sample_files, wait_for
from tests.api.test_security import assert_error


def _sample_bytes() -> dict[str, bytes]:
    return {name: data for _, (name, data, _) in sample_files()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"trafford/{name}", data)
    return buffer.getvalue()


def test_uploaded_files_are_hashed_by_content(world: World) -> None:
    dataset = world.client.get(f"/datasets/{world.dataset_id}", headers=world.as_["viewer"]).json()
    assert dataset["content_hash"] == content_hash(_sample_bytes())
    assert dataset["valid"] is True and dataset["errors"] == 0
    assert {f["name"] for f in dataset["files"]} == set(_sample_bytes())


def test_a_zip_of_the_folder_is_the_same_dataset_as_its_files(world: World) -> None:
    response = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "zipped"},
                                 files=[("files", ("trafford.zip", _zip(_sample_bytes()), "application/zip"))])
    assert response.status_code == 201, response.text
    assert response.json()["content_hash"] == content_hash(_sample_bytes())
    assert world.client.delete(f"/datasets/{response.json()['id']}", headers=world.as_["admin"]).status_code == 204
    assert_error(world.client.get(f"/datasets/{response.json()['id']}", headers=world.as_["admin"]), 404, "not_found")


def test_an_invalid_folder_is_kept_with_a_report_naming_file_row_and_column(world: World) -> None:
    files = _sample_bytes()
    rolls = pd.read_csv(io.BytesIO(files["rolls.csv"]), dtype=str)
    rolls.loc[9, "pupils"] = "-3"  # spreadsheet row 11: header is row 1
    files["rolls.csv"] = rolls.to_csv(index=False).encode()
    uploaded = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "broken"},
                                 files=[("files", (n, d, "text/csv")) for n, d in files.items()])
    assert uploaded.status_code == 201 and uploaded.json()["valid"] is False
    report = world.client.get(f"/datasets/{uploaded.json()['id']}/validation", headers=world.as_["viewer"]).json()
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert [(p["file"], p["row"], p["column"]) for p in errors] == [("rolls.csv", 11, "pupils")]
    refused = world.client.post("/runs", headers=world.as_["planner"], json={"dataset_id": uploaded.json()["id"]})
    error = assert_error(refused, 422, "invalid", "did not pass validation")
    assert error["problems"][0]["row"] == 11 and error["problems"][0]["fix"]
    assert_error(world.client.get(f"/datasets/{uploaded.json()['id']}/schools.geojson",
                                  headers=world.as_["viewer"]), 422, "invalid")


def test_a_misspelt_column_is_warned_in_the_validation_report(world: World) -> None:
    # The same warning as 'sufficiency validate': the column is not read, and the one meant is named.
    files = _sample_bytes()
    files["schools.csv"] = files["schools.csv"].replace(b",pan,", b",PAN_,", 1)
    uploaded = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "misspelt"},
                                 files=[("files", (n, d, "text/csv")) for n, d in files.items()])
    assert uploaded.status_code == 201 and uploaded.json()["valid"] is True
    report = world.client.get(f"/datasets/{uploaded.json()['id']}/validation", headers=world.as_["viewer"]).json()
    warnings = [p for p in report["problems"] if p["column"] == "PAN_"]
    assert [(p["severity"], p["file"], p["row"]) for p in warnings] == [("warning", "schools.csv", 1)]
    assert warnings[0]["message"].endswith("did you mean 'pan'?")


def test_files_that_are_not_data_are_refused(world: World) -> None:
    response = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "x"},
                                 files=[("files", ("setup.exe", b"MZ", "application/octet-stream"))])
    error = assert_error(response, 422, "invalid", "not part of a data folder")
    assert error["problems"][0]["file"] == "setup.exe"


def test_a_file_uploaded_twice_is_refused(world: World) -> None:
    twice = [("files", ("rolls.csv", b"a", "text/csv")), ("files", ("rolls.csv", b"b", "text/csv"))]
    response = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "x"}, files=twice)
    assert assert_error(response, 422, "invalid", "uploaded twice")["problems"][0]["file"] == "rolls.csv"


def test_a_dataset_with_runs_cannot_be_deleted(world: World) -> None:
    assert_error(world.client.delete(f"/datasets/{world.dataset_id}", headers=world.as_["admin"]), 409, "conflict",
                 "delete them first")


def test_schools_and_planning_areas_as_geojson_in_wgs84(world: World) -> None:
    schools = pd.read_csv(sample_dir() / "schools.csv", dtype={"school_id": str})
    located = schools.dropna(subset=["x", "y"])
    response = world.client.get(f"/datasets/{world.dataset_id}/schools.geojson", headers=world.as_["viewer"])
    assert response.headers["content-type"] == "application/geo+json"
    features = response.json()["features"]
    assert sorted(f["properties"]["school_id"] for f in features) == sorted(located["school_id"])
    lon, lat = zip(*(f["geometry"]["coordinates"] for f in features), strict=True)
    assert -2.55 < min(lon) and max(lon) < -2.2 and 53.35 < min(lat) and max(lat) < 53.5  # Trafford
    areas = world.client.get(f"/datasets/{world.dataset_id}/planning-areas.geojson", headers=world.as_["viewer"]).json()
    expected = pd.read_csv(sample_dir() / "planning_areas.csv")["planning_area_id"]
    assert sorted(f["properties"]["planning_area_id"] for f in areas["features"]) == sorted(expected)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in areas["features"])


def test_scenarios_from_json_and_yaml(world: World) -> None:
    planner = world.as_["planner"]
    made = world.client.post("/scenarios", headers=planner,
                             json={"name": "short", "description": "three years", "settings": {"horizon": 3}})
    assert made.status_code == 201, made.text
    assert made.json()["settings"] == {"horizon": 3}
    text = yaml.safe_dump({"name": "from-yaml", "description": "d", "horizon": 4, "base_year": 2023})
    from_yaml = world.client.post("/scenarios", headers={**planner, "Content-Type": "application/yaml"}, content=text)
    assert from_yaml.status_code == 201, from_yaml.text
    assert from_yaml.json()["settings"] == {"horizon": 4, "base_year": 2023}
    assert from_yaml.json()["name"] == "from-yaml"
    names = [s["name"] for s in world.client.get("/scenarios", headers=world.as_["viewer"]).json()]
    assert {"short", "from-yaml"} <= set(names)
    got = world.client.get(f"/scenarios/{made.json()['id']}", headers=world.as_["viewer"]).json()
    assert got["description"] == "three years"
    assert_error(world.client.get(f"/scenarios/{made.json()['id']}", headers=world.as_["other_admin"]), 404,
                 "not_found")


def test_invalid_scenarios_say_which_setting_and_why(world: World) -> None:
    planner = world.as_["planner"]
    typo = world.client.post("/scenarios", headers=planner, json={"name": "t", "settings": {"horizn": 3}})
    error = assert_error(typo, 422, "invalid", "'horizn' is not a scenario setting")
    assert error["problems"][0]["column"] == "horizn"
    too_far = world.client.post("/scenarios", headers=planner, json={"name": "t", "settings": {"horizon": 99}})
    assert assert_error(too_far, 422, "invalid")["problems"][0]["column"] == "horizon"
    bad_yaml = world.client.post("/scenarios", headers={**planner, "Content-Type": "application/yaml"},
                                 content="name: [unclosed")
    assert_error(bad_yaml, 422, "invalid", "not valid YAML")
    as_text = world.client.post("/scenarios", headers={**planner, "Content-Type": "text/plain"}, content="x")
    assert_error(as_text, 415, "unsupported_media_type", "application/json")
    body = json.dumps({"name": "dup"})
    assert world.client.post("/scenarios", headers={**planner, "Content-Type": "application/json"},
                             content=body).status_code == 201
    dup = world.client.post("/scenarios", headers={**planner, "Content-Type": "application/json"}, content=body)
    assert_error(dup, 409, "conflict", "already has a scenario")


def test_a_scenario_changes_the_run(world: World) -> None:
    scenario = world.client.post("/scenarios", headers=world.as_["planner"],
                                 json={"name": "horizon-3", "settings": {"horizon": 3}}).json()
    run = world.client.post("/runs", headers=world.as_["planner"],
                            json={"dataset_id": world.dataset_id, "scenario_id": scenario["id"]}).json()
    finished = wait_for(world.client, run["id"], world.as_["viewer"])
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["provenance"]["scenario"]["horizon"] == 3
    rows = world.client.get(f"/runs/{run['id']}/forecast", headers=world.as_["viewer"]).json()["rows"]
    assert sorted({r["year"] for r in rows}) == [2025, 2026, 2027]  # sample base year 2024, three years ahead


def test_a_run_reads_the_files_of_its_own_dataset(world: World) -> None:
    """Two datasets alike but for the pupils on roll: each run forecasts from the rolls uploaded with it."""
    files = _sample_bytes()
    rolls = pd.read_csv(io.BytesIO(files["rolls.csv"]), dtype={"school_id": str})
    rolls["pupils"] = rolls["pupils"] * 2
    files["rolls.csv"] = rolls.to_csv(index=False).encode()
    uploaded = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "Rolls doubled"},
                                 files=[("files", ("trafford.zip", _zip(files), "application/zip"))])
    assert uploaded.status_code == 201, uploaded.text
    doubled = uploaded.json()
    assert doubled["valid"] and doubled["content_hash"] == content_hash(files)
    started = world.client.post("/runs", headers=world.as_["planner"], json={"dataset_id": doubled["id"]}).json()
    run = wait_for(world.client, started["id"], world.as_["viewer"])
    assert run["status"] == "succeeded", run["error"]
    assert run["provenance"]["source_hashes"]["rolls.csv"] == hashlib.sha256(files["rolls.csv"]).hexdigest()
    baseline = world.client.get(f"/runs/{world.run_id}", headers=world.as_["viewer"]).json()
    assert baseline["provenance"]["source_hashes"]["rolls.csv"] != run["provenance"]["source_hashes"]["rolls.csv"]

    def forecast(run_id: str) -> pd.Series:
        rows = world.client.get(f"/runs/{run_id}/forecast", headers=world.as_["viewer"],
                                params={"year": 2025}).json()["rows"]
        return pd.DataFrame(rows).set_index(["planning_area_id", "ncy"])["pupils"].sort_index()

    before, after = forecast(world.run_id), forecast(run["id"])
    assert list(after.index) == list(before.index)
    # Pupils already on roll move up a year, so next year's forecast roughly doubles with them
    # (new housing adds the same pupils to both, so the ratio stays a little under two).
    ratio = after.sum() / before.sum()
    assert 1.8 < ratio <= 2.0 + 1e-9, ratio


def test_a_scenario_may_name_only_files_of_the_dataset(world: World, tmp_path) -> None:
    private = tmp_path / "private.csv"
    private.write_text("indicator,baseline,baseline_year,target,deadline\nsecret,1,2024,2,2030\n")
    planner = world.as_["planner"]
    for given in (str(private), "../private.csv", "elsewhere/targets.yaml"):
        refused = world.client.post("/scenarios", headers=planner, json={
            "name": f"outside {given}", "settings": {"la_code": "358", "standards": {"targets_file": given}}})
        error = assert_error(refused, 422, "invalid", "standards.targets_file", "not a file name of the dataset")
        assert error["problems"][0]["column"] == "standards.targets_file"
    # A plain name is accepted, and checked against the dataset's files when a run starts.
    missing = world.client.post("/scenarios", headers=planner, json={
        "name": "targets elsewhere", "settings": {"la_code": "358", "standards": {"targets_file": "goals.yaml"}}})
    assert missing.status_code == 201, missing.text
    started = world.client.post("/runs", headers=planner, json={
        "dataset_id": world.dataset_id, "scenario_id": missing.json()["id"], "kind": "full"}).json()
    run = wait_for(world.client, started["id"], planner)
    assert run["status"] == "failed"
    assert "the dataset has no file 'goals.yaml'" in run["error"] and "targets.yaml" in run["error"]


def test_a_dataset_whose_scenario_names_a_file_outside_it_is_invalid(world: World) -> None:
    files = _sample_bytes()
    files["scenario.yaml"] = files["scenario.yaml"].replace(b"targets_file: targets.yaml", b"targets_file: /etc/passwd")
    uploaded = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "reaches outside"},
                                 files=[("files", (n, d, "application/octet-stream")) for n, d in files.items()])
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["valid"] is False
    report = world.client.get(f"/datasets/{uploaded.json()['id']}/validation", headers=world.as_["viewer"]).json()
    assert [(p["file"], p["column"]) for p in report["problems"]] == [("scenario.yaml", "standards.targets_file")]
