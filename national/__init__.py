"""National runs: every English authority in one job, on Dask (``sufficiency national``).

A national data folder (:mod:`national.folder`) holds many authorities; each is one task graph
(load → forecast → paths → plan, :mod:`national.authority`) run on a Dask cluster (:mod:`national.job`),
its results written atomically per authority, then gathered into national tables (:mod:`national.tables`).
"""
