"""National runs started by the service (``POST /national/runs``): the job in a thread of its own, its
progress in the store's record as it goes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from national.authority import Settings
from national.record import RunRecord

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

#: Threads of national runs still going, by run id (a service stopping does not wait for them).
RUNNING: dict[str, threading.Thread] = {}


def start(sessions: sessionmaker[Session], data: Path, out_root: Path, settings: Settings, *,
          scheduler: str | None = None, workers: int | None = None, codes: list[str] | None = None,
          organisation_id: str | None = None, created_by: str | None = None) -> str:
    """Record a national run, start it in the background and return its id; its results go to
    ``out_root/<id>``."""
    options = {"paths": settings.n_paths, "plan": settings.plan, "accuracy": settings.accuracy,
               "scheduler": scheduler, "workers": workers, "authorities": codes}
    record = RunRecord.create(sessions, str(data), "", options, organisation_id, created_by)
    out = Path(out_root) / record.run_id
    record.set_out(str(out))

    def work() -> None:
        from national.job import run_national

        record.start([])
        try:
            result = run_national(data, out, settings, scheduler=scheduler, workers=workers, codes=codes,
                                  on_status=record.status, show=False, announce=lambda _text: None)
        except Exception as exc:  # the run fails with the reason; the service goes on
            record.finish(None, f"{type(exc).__name__}: {exc}")
        else:
            record.finish(result)
        finally:
            RUNNING.pop(record.run_id, None)

    thread = threading.Thread(target=work, name=f"national-{record.run_id}", daemon=True)
    RUNNING[record.run_id] = thread
    thread.start()
    return record.run_id


def wait(run_id: str, timeout: float | None = None) -> None:
    """Wait for a national run started here to end (tests)."""
    thread = RUNNING.get(run_id)
    if thread is not None:
        thread.join(timeout)
