"""The PDF report: the HTML report printed with weasyprint (A4, page numbers, repeated table headers)."""

from __future__ import annotations

import logging
from pathlib import Path


def write_pdf(html: str, path: Path) -> Path:
    """Print the self-contained HTML report to ``path`` as PDF."""
    from weasyprint import HTML

    # weasyprint logs every unsupported CSS property at WARNING; the report's CSS is known to print
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=str(path.parent)).write_pdf(path)
    return path
