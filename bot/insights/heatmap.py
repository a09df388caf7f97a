"""The weekly picture: a rep's dials and connect rate by their prospects' hour and weekday.

Drawn with matplotlib's object API on an Agg canvas, never pyplot: pyplot keeps global figure
state and picks a GUI backend, neither of which belongs in a server rendering PNGs on worker
threads.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from bot.insights.rates import CallGrid, Cell

WIDTH_PX, HEIGHT_PX, DPI = 1000, 600, 100
SHOWN_HOURS = range(7, 20)
SHOWN_WEEKDAYS = range(5)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
YOUR_TITLE = "Your week: dials and connect rate by hour"

RATE_SCALE_TOP = 0.5
"""A fixed colour scale, so one week's picture can be compared with the last."""


def render_week_heatmap(grid: CallGrid, title: str = YOUR_TITLE) -> bytes:
    """A 1000×600 PNG: colour is the connect rate, each cell also shows dials and rate.

    Hours are the prospects' local hours, so "8 AM" means their 8 AM whatever the rep's zone.
    Cells without dials stay blank; dials outside 7 AM–8 PM on weekdays are counted in a note
    rather than silently dropped.
    """
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # NaN marks a cell without dials: drawn blank, not as a 0% rate.
    rates = [
        [_nan_if_none(grid.tally(Cell(d, h)).rate) for h in SHOWN_HOURS] for d in SHOWN_WEEKDAYS
    ]
    colours = ListedColormap(
        ["#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c"], name="connects"
    ).with_extremes(bad="#f0f0f0")
    image = axes.imshow(
        rates,
        cmap=colours,
        vmin=0,
        vmax=RATE_SCALE_TOP,
        aspect="auto",
    )
    for row, d in enumerate(SHOWN_WEEKDAYS):
        for col, h in enumerate(SHOWN_HOURS):
            tally = grid.tally(Cell(d, h))
            if tally.rate is None:
                continue
            dark = tally.rate > RATE_SCALE_TOP * 0.6
            axes.text(
                col,
                row,
                f"{_dials(tally.dials)}\n{tally.rate:.0%}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    axes.set_xticks(range(len(SHOWN_HOURS)), [_hour_label(h) for h in SHOWN_HOURS])
    axes.set_yticks(range(len(SHOWN_WEEKDAYS)), [WEEKDAY_NAMES[d] for d in SHOWN_WEEKDAYS])
    axes.set_xlabel("Hour of the day, their time")
    figure.suptitle(title, fontsize=14)
    colourbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    colourbar.set_label("Connect rate")
    colourbar.ax.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    total = grid.total()
    shown = grid.total(Cell(d, h) for d in SHOWN_WEEKDAYS for h in SHOWN_HOURS)
    note = f"{_dials(total.dials)}, {total.connects} connected"
    if hidden := total.dials - shown.dials:
        note += f" ({hidden} outside the hours shown)"
    axes.set_title(note, fontsize=10, color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _hour_label(hour: int) -> str:
    """'7 AM', '12 PM': how reps say the hour."""
    return f"{hour % 12 or 12} {'AM' if hour < 12 else 'PM'}"


def _nan_if_none(rate: float | None) -> float:
    return float("nan") if rate is None else rate


def _dials(n: int) -> str:
    return f"{n} dial" if n == 1 else f"{n} dials"
