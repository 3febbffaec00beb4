"""Runs share the service's process, each in its own thread: its BLAS libraries stay at one thread, so that one
run re-sizing OpenBLAS's thread pool (k-means, the post-16 model) cannot leave another run's matrix product
waiting in that pool for ever."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from threadpoolctl import threadpool_info
from api.jobs import JobRunner
from sufficiency.app.store import make_engine, session_factory, upgrade
engine = make_engine("sqlite:///" + sys.argv[1])
upgrade(engine)
runner = JobRunner(session_factory(engine), workers=2, heartbeat_seconds=None)
import numpy as np
a = np.ones((400, 400))
a @ a  # a product that OpenBLAS would split over its threads
with __import__("threadpoolctl").threadpool_limits(limits=2, user_api="blas"):
    pass  # as k-means does: a limit for its own work, then the old count back
print(json.dumps([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]))
runner.shutdown(wait=True)
"""


def test_a_runner_holds_every_blas_library_to_one_thread(tmp_path: Path) -> None:
    # A fresh process: the limit is the process's, and every BLAS library it loads (numpy's, scipy's) is held.
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "store.db")], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    threads = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(threads) >= 2 and threads == [1] * len(threads)
