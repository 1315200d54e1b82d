"""The geometry of the bar charts drawn on the server as SVG (templates/admin/_charts.html).

Each label stands on its own line above its bar, wrapped at spaces into lines of at most
``LINE_CHARACTERS`` characters. The browser picks the font, so the server cannot measure text; but
no letter of a text font is wider than 1.1 em, so a line of ``LINE_CHARACTERS`` fits the chart's
width and a label is never cut off, however long it is and whatever the font.
"""
import textwrap
from dataclasses import dataclass

#: The width of every chart in SVG units; the page scales it to the column.
WIDTH = 360
#: The labels' font size in SVG units, as .chart-label in style.css.
FONT_SIZE = 13
LINE_HEIGHT = 16
LINE_CHARACTERS = int(WIDTH / (FONT_SIZE * 1.1))
BAR_HEIGHT = 16
#: Room to the right of the longest bar for its number.
VALUE_ROOM = 56
#: Space between the label and its bar, and between one bar and the next label.
GAP, ROW_GAP = 3, 10
#: Room on the left for glyphs that reach past their start ("J" in many fonts).
LEFT = 2


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    #: The label's lines, each with the y of its baseline.
    lines: list[tuple[str, float]]
    y: float
    width: float

    @property
    def value_x(self) -> float:
        return LEFT + self.width + 6

    @property
    def value_y(self) -> float:
        return self.y + BAR_HEIGHT - 3


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: float
    bar_height: int = BAR_HEIGHT
    left: int = LEFT


def label_lines(label: str) -> list[str]:
    """The label wrapped at spaces; a word longer than a line is broken."""
    return textwrap.wrap(label, LINE_CHARACTERS, break_on_hyphens=False) or [""]


def bar_chart(rows: list[tuple[str, int]]) -> BarChart:
    """Bars for (label, value) rows, the longest as wide as the chart allows, each under its label."""
    top = max((value for _label, value in rows), default=0)
    plot_width = WIDTH - LEFT - VALUE_ROOM
    bars, y = [], 0.0
    for label, value in rows:
        lines = label_lines(label)
        baselines = [(line, y + FONT_SIZE + index * LINE_HEIGHT) for index, line in enumerate(lines)]
        bar_y = y + len(lines) * LINE_HEIGHT + GAP
        width = value / top * plot_width if top else 0.0
        # A bar for one person among thousands still shows; a bar for nobody does not.
        bars.append(Bar(label, value, baselines, bar_y, max(width, 1.0) if value else 0.0))
        y = bar_y + BAR_HEIGHT + ROW_GAP
    return BarChart(bars, WIDTH, max(y - ROW_GAP + 2, 0))
