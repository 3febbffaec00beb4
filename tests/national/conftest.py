"""A LocalCluster of two worker processes, shared by the national tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

#: Three small authorities of the shipped national extract (City of London, Kensington and Chelsea, Isles of
#: Scilly) and one that fails (pre-2019 Poole: the scorecards list no places for it).
SMALL = ("201", "207", "420")
FAILING = "836"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      memory_limit=0) as cluster, Client(cluster) as connected:
        yield connected
