"""sufficiency: school-place commissioning and sufficiency forecasting for English local authorities.

Three layers that only point down:

* ``sufficiency.app`` (with the top-level ``api`` and ``reports``): the pipeline, the command line,
  the store, the HTTP service and the reports;
* the engines, top-level packages that each declare a stage (``forecasting``, ``optimiser``,
  ``standards``, ``post16``), found through :mod:`sufficiency.core.stages`;
* ``sufficiency.core`` (with ``geodata`` beside it): canonical tables, reading and validation,
  capacity, the Scenario and the result types. It imports no engine.

The names below are loaded on first use, so ``import sufficiency`` costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sufficiency.core.errors import InputError, Problem
    from sufficiency.core.inputs import Inputs, load_inputs

_LAZY = {"InputError": "sufficiency.core.errors", "Problem": "sufficiency.core.errors",
         "Inputs": "sufficiency.core.inputs", "load_inputs": "sufficiency.core.inputs"}

__all__ = ["Inputs", "InputError", "Problem", "load_inputs", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sufficiency' has no attribute {name!r}")
