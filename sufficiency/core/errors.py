"""Problems found in a user's input, reported the way a person can act on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The longest message or fix a problem keeps (longer ones are cut, ending in "...").
MAX_MESSAGE = 500


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in the input.

    Parameters
    ----------
    file
        The file name as the user gave it (for example ``rolls.csv``).
    row
        The row as a spreadsheet shows it: the header is row 1, the first record row 2.
        ``None`` when the problem concerns the whole file or a whole column.
    column
        The column name, or ``None`` when the problem concerns a whole row or file.
    message
        What is wrong and what was expected.
    fix
        What to do about it.
    severity
        ``"error"`` stops loading; ``"warning"`` is reported and loading goes on.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    fix: str
    severity: Literal["error", "warning"] = "error"

    def __post_init__(self) -> None:
        # A message may quote the input (a cell, a file name); it never quotes more than a short excerpt.
        for name, limit in (("file", 120), ("column", 120), ("message", MAX_MESSAGE), ("fix", MAX_MESSAGE)):
            value = getattr(self, name)
            if isinstance(value, str) and len(value) > limit:
                object.__setattr__(self, name, value[:limit - 3] + "...")

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}. {self.fix}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }


class InputError(ValueError):
    """The input folder cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity == "warning"]
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        super().__init__("\n".join(lines))
