"""What a benchmark ran on, printed beside its figures (not a benchmark: the runner skips it, see ``HELPERS``)."""

from __future__ import annotations

import os
import platform


def machine(*extras: str) -> str:
    """CPU model, cores and Python version, then ``extras`` (a load average, a library's version)."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return ", ".join((cpu, f"{os.cpu_count()} cores", f"Python {platform.python_version()}", *extras))


def load_average() -> str:
    """The one-minute load average, to read wall times against what else ran."""
    return f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load average unknown"
