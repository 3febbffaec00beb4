"""Datasets: upload an input folder (a zip or its files), read its validation report, list, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from sqlalchemy import func, select

from api.deps import AdminUser, CurrentUser, SessionDep, StateDep
from api.errors import ERROR_RESPONSES, ApiError, error_doc
from api.geo import planning_areas_geojson, schools_geojson
from api.schemas import DatasetPublic, ValidationReport
from api.scoping import owned
from sufficiency.app.store.datasets import UploadError, create_dataset, unpack_zip
from sufficiency.app.store.models import Dataset, Run
from sufficiency.core.errors import Problem

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=ERROR_RESPONSES)
GEOJSON = {200: {"content": {"application/geo+json": {}}, "description": "A GeoJSON FeatureCollection in WGS84."}}


def to_public(dataset: Dataset) -> DatasetPublic:
    errors = sum(1 for p in dataset.problems if p.get("severity") == "error")
    return DatasetPublic(id=dataset.id, name=dataset.name, content_hash=dataset.content_hash, valid=dataset.valid,
                         errors=errors, warnings=len(dataset.problems) - errors, files=dataset.files,
                         created_at=dataset.created_at)


def _read_upload(files: list[UploadFile], max_bytes: int) -> dict[str, bytes]:
    names = [f.filename or "upload" for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UploadError([Problem(n, None, None, "this file was uploaded twice", "Upload each file once")
                           for n in twice])
    contents = {name: f.file.read() for name, f in zip(names, files, strict=True)}
    if len(contents) == 1 and next(iter(contents)).lower().endswith(".zip"):
        return unpack_zip(next(iter(contents.values())), max_bytes)
    return contents


@router.post("", response_model=DatasetPublic, status_code=status.HTTP_201_CREATED,
             responses={413: error_doc("The upload is larger than the limit.")},
             summary="Upload an input folder (admin)")
def upload_dataset(
    admin: AdminUser, session: SessionDep, state: StateDep,
    files: Annotated[list[UploadFile], File(description="One .zip of the data folder, or its files (schools.csv, "
                                            "rolls.csv, planning_areas.geojson, scenario.yaml, ...).")],
    name: Annotated[str, Form(min_length=1, max_length=200, description="A name people will recognise.")],
) -> DatasetPublic:
    """Store and validate a data folder. An invalid folder is kept with its report (``valid`` false):
    fix the problems listed at ``GET /datasets/{id}/validation`` and upload again."""
    try:
        contents = _read_upload(files, state.settings.max_upload_bytes)
        dataset = create_dataset(session, admin.organisation_id, name, contents, created_by=admin.id)
    except UploadError as exc:
        raise ApiError(422, f"The upload cannot be used: {exc.problems[0].message}. "
                       f"{exc.problems[0].fix}.", exc.problems) from None
    session.commit()
    return to_public(dataset)


@router.get("", response_model=list[DatasetPublic], summary="Datasets of your organisation")
def list_datasets(user: CurrentUser, session: SessionDep) -> list[DatasetPublic]:
    rows = session.scalars(select(Dataset).where(Dataset.organisation_id == user.organisation_id)
                           .order_by(Dataset.created_at.desc()))
    return [to_public(d) for d in rows]


@router.get("/{dataset_id}", response_model=DatasetPublic, summary="One dataset")
def get_dataset(dataset_id: str, user: CurrentUser, session: SessionDep) -> DatasetPublic:
    return to_public(owned(session, Dataset, dataset_id, user))


@router.get("/{dataset_id}/validation", response_model=ValidationReport, summary="Validation report")
def get_validation(dataset_id: str, user: CurrentUser, session: SessionDep) -> ValidationReport:
    """Every problem found in the dataset, each with file, row, column, what is wrong and what to do."""
    dataset = owned(session, Dataset, dataset_id, user)
    return ValidationReport(dataset_id=dataset.id, valid=dataset.valid, problems=dataset.problems)


@router.delete("/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={409: error_doc("The dataset still has runs.")}, summary="Delete a dataset (admin)")
def delete_dataset(dataset_id: str, admin: AdminUser, session: SessionDep) -> None:
    dataset = owned(session, Dataset, dataset_id, admin)
    runs = session.scalar(select(func.count()).select_from(Run).where(Run.dataset_id == dataset.id))
    if runs:
        raise ApiError(409, f"The dataset has {runs} run(s); delete them first (DELETE /runs/{{id}}), "
                       "since a run's results must keep the data they came from.")
    session.delete(dataset)
    session.commit()


@router.get("/{dataset_id}/planning-areas.geojson", response_class=Response, responses=GEOJSON,
            summary="Planning areas as GeoJSON")
def get_planning_areas(dataset_id: str, user: CurrentUser, session: SessionDep) -> Response:
    dataset = owned(session, Dataset, dataset_id, user)
    return Response(planning_areas_geojson(session, dataset), media_type="application/geo+json")


@router.get("/{dataset_id}/schools.geojson", response_class=Response, responses=GEOJSON,
            summary="Schools as GeoJSON points")
def get_schools(dataset_id: str, user: CurrentUser, session: SessionDep) -> Response:
    dataset = owned(session, Dataset, dataset_id, user)
    return Response(schools_geojson(session, dataset), media_type="application/geo+json")
