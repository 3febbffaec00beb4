"""optimiser: turn a pupil forecast into a least-cost capital programme.

Pipeline (as PyPSA's): :func:`check_inputs` → :func:`build_model` → :func:`solve` → :class:`Plan`.
:func:`run_plan` does all four and reports the greedy baseline beside the optimum;
:func:`greedy_plan` gives the baseline alone. The formulation is written out in
:mod:`optimiser.model`.
"""

import lazy_loader

# Loaded on first use: importing the package (for its stage declaration) costs nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "checks": ["PlanInputs", "SpecificationError", "check_inputs"],
    "config": ["OptimiserConfig"],
    "model": ["PlanModel", "build_model"],
    "plan": ["Plan"],
    "solve": ["SolveResult", "available_solvers", "solve"],
    "run": ["greedy_plan", "run_plan"],
})
