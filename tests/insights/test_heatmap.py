"""The weekly picture is a real PNG of the promised size, whatever the week held."""

from __future__ import annotations

import io

import pytest
from matplotlib.image import imread

from bot.insights.heatmap import HEIGHT_PX, WIDTH_PX, render_week_heatmap
from bot.insights.rates import CallGrid, Cell, Tally

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "grid",
    [
        CallGrid(),
        CallGrid({Cell(0, 7): Tally(1, 0), Cell(2, 16): Tally(40, 13), Cell(4, 19): Tally(3, 3)}),
        # Weekend and night dials fall outside the picture but still count in its note.
        CallGrid({Cell(5, 10): Tally(4, 1), Cell(1, 2): Tally(2, 0)}),
    ],
    ids=["empty week", "busy week", "only off-hours"],
)
def test_the_heatmap_decodes_as_a_png_of_the_expected_size(grid: CallGrid) -> None:
    png = render_week_heatmap(grid)
    assert png.startswith(PNG_SIGNATURE)
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX) == (600, 1000)


def test_the_team_version_renders_with_its_own_title() -> None:
    png = render_week_heatmap(CallGrid({Cell(3, 8): Tally(5, 1)}), title="Team week")
    assert imread(io.BytesIO(png), format="png").shape[:2] == (600, 1000)
