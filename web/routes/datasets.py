"""Datasets: upload a data folder, its validation problems, template files and the sample borough."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, StateDep
from api.errors import ApiError
from api.routes import datasets as api_datasets
from sufficiency.core.schemas import TABLES, TableSpec
from sufficiency.sample import sample_dir
from web.render import PREFIX, PageRoute, render
from web.session import PageAdmin, PageUser, check_csrf

router = APIRouter(route_class=PageRoute)

TableName = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")]


def _listing(request: Request, user: PageUser, session: SessionDep, **extra: object) -> Response:
    status = int(extra.pop("status", 200))  # type: ignore[call-overload]
    return render(request, "datasets.html", {"datasets": api_datasets.list_datasets(user, session),
                                             "tables": TABLES, **extra}, status=status)


@router.get("/datasets")
def datasets_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    return _listing(request, user, session)


@router.post("/datasets", dependencies=[Depends(check_csrf)])
def upload(request: Request, admin: PageAdmin, session: SessionDep, state: StateDep,
           files: Annotated[list[UploadFile], File()], name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The API's upload (``POST /datasets``): a zip of the folder, or its files."""
    files = [f for f in files if f.filename]
    if not files:
        return _listing(request, admin, session, status=422, error="Choose a .zip of the data folder, or its files.",
                        name=name)
    label = name.strip() or (files[0].filename or "upload").rsplit(".", 1)[0][:200]
    try:
        dataset = api_datasets.upload_dataset(admin, session, state, files, label)
    except ApiError as exc:
        return _listing(request, admin, session, status=exc.status, error=exc.message, problems=exc.problems,
                        name=name)
    return RedirectResponse(f"{PREFIX}/datasets/{dataset.id}", status_code=303)


@router.get("/datasets/{dataset_id}")
def dataset_page(request: Request, dataset_id: Annotated[str, Path(max_length=64)], user: PageUser,
                 session: SessionDep) -> Response:
    dataset = api_datasets.get_dataset(dataset_id, user, session)
    report = api_datasets.get_validation(dataset_id, user, session)
    return render(request, "dataset.html", {"dataset": dataset, "problems": report.problems})


def template_csv(spec: TableSpec) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = [c.name for c in spec.columns]
    writer.writerow(columns)
    for row in spec.example:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


@router.get("/templates/{table}.csv")
def template_file(table: TableName, user: PageUser) -> Response:
    spec = TABLES.get(table)
    if spec is None:
        raise ApiError(404, f"No input table '{table}'; the tables are {', '.join(TABLES)}.")
    return Response(template_csv(spec), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{table}.csv"'})


@router.get("/templates.zip")
def templates_zip(user: PageUser) -> Response:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, spec in TABLES.items():
            archive.writestr(f"{name}.csv", template_csv(spec))
        archive.writestr("scenario.yaml", (sample_dir() / "scenario.yaml").read_text(encoding="utf-8"))
    return Response(out.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="sufficiency-templates.zip"'})


def sample_files() -> list[tuple[str, int, int, str]]:
    """(file, size in bytes, data rows, what it holds) for each file of the sample borough."""
    rows = []
    for path in sorted(sample_dir().iterdir()):
        if not path.is_file() or path.suffix == ".md":
            continue
        spec = TABLES.get(path.stem)
        text = path.read_text(encoding="utf-8")
        count = (text.count("\n") - 1) if path.suffix == ".csv" else text.count('"type": "Feature"')
        what = spec.description if spec else ("The scenario's settings." if path.stem == "scenario"
                                              else "The education strategy's targets.")
        rows.append((path.name, path.stat().st_size, max(count, 0), what))
    return rows


@router.get("/sample")
def sample_page(request: Request, user: PageUser) -> Response:
    readme = (sample_dir() / "README.md").read_text(encoding="utf-8")
    return render(request, "sample.html", {"files": sample_files(), "readme": readme})


@router.get("/sample.zip")
def sample_zip(user: PageUser) -> Response:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(sample_dir().iterdir()):
            if path.is_file() and path.suffix != ".md":  # the data files only, so the zip uploads as it is
                archive.write(path, path.name)
    return Response(out.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="sample-borough.zip"'})
