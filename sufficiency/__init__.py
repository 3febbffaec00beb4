"""sufficiency: school-place commissioning and sufficiency forecasting for English local authorities.

The core package holds the Scenario, the canonical tables and their schemas, the loader, the
pipeline stages and the command line. The engines sit beside it as top-level packages:
``forecasting``, ``optimiser``, ``geodata``, ``standards``, ``post16``, ``reports`` and ``api``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from sufficiency.errors import InputError, Problem  # noqa: E402
from sufficiency.inputs import Inputs, load_inputs  # noqa: E402

__all__ = ["Inputs", "InputError", "Problem", "load_inputs", "__version__"]
