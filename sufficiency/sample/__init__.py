"""The embedded sample borough: real Trafford schools, wards and population, synthetic rolls.

See ``data/README.md`` for what is real, what is synthetic, and the attribution.
"""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).parent / "data"


def sample_dir() -> Path:
    """The folder of the sample borough, a complete input folder like a user's own."""
    return _DATA
