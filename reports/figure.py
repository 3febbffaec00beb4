"""A matplotlib figure drawn without a screen, and its PNG bytes: the base of every chart and map."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Resolution of every chart and map in the report (sharp on screen and in print at page width).
DPI = 130


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def to_png(fig: Figure, tight: bool = True) -> bytes:
    """The figure as PNG bytes.

    ``tight`` fits the saved area to what is drawn so nothing is cut off; it draws the figure
    twice, so charts drawn many times (one per planning area) set their margins themselves.
    """
    buffer = io.BytesIO()
    if tight:
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08)
    else:
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
