"""Fitting a line of text into a box: shrink step by step to a minimum size, then wrap.

Widths are measured from the advance widths of the fonts the badges embed (Noto Sans and Noto Sans
Arabic), so the decision is made before WeasyPrint lays anything out and costs microseconds instead
of a second rendering pass. Kerning and Arabic joining only ever narrow a line slightly, and a
safety margin covers the rest; the template also lets the renderer wrap anywhere, so an estimate
that is a little off still never overflows the badge.
"""
import unicodedata
from dataclasses import dataclass
from functools import cache
from math import ceil

from fontTools.ttLib import TTFont

from .pdf import STATIC_ROOT

FONTS = {
    (False, False): "NotoSans-Regular.ttf",
    (True, False): "NotoSans-Bold.ttf",
    (False, True): "NotoSansArabic-Regular.ttf",
    (True, True): "NotoSansArabic-Bold.ttf",
}
#: The line height the badge stylesheet gives every fitted text, in ems.
LINE_HEIGHT = 1.15
#: Estimated widths are stretched by this much before comparing, for what the estimate ignores.
SAFETY = 1.04
#: Below the layout's minimum, text shrinks no further than this (points), wrapping instead.
FLOOR_PT = 4.0
STEP_PT = 0.5


@dataclass(frozen=True)
class FittedText:
    text: str
    #: Font size in points.
    size: float
    #: Lines the text is expected to take (1 unless it had to wrap).
    lines: int
    #: "rtl" when the text starts with a right-to-left letter (Arabic, Hebrew, Dari …).
    direction: str

    @property
    def height(self) -> float:
        return self.lines * self.size * LINE_HEIGHT


@cache
def _advances(bold: bool, arabic: bool) -> tuple[dict[int, int], float]:
    font = TTFont(STATIC_ROOT / "fonts" / FONTS[(bold, arabic)], lazy=True)
    metrics = font["hmtx"].metrics
    widths = {codepoint: metrics[glyph][0] for codepoint, glyph in font.getBestCmap().items()}
    units = float(font["head"].unitsPerEm)
    font.close()
    return widths, units


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points at ``size`` points, Latin from Noto Sans, the rest from Noto Sans Arabic."""
    latin, units = _advances(bold, False)
    arabic, arabic_units = _advances(bold, True)
    total = 0.0
    for char in text:
        codepoint = ord(char)
        if codepoint in latin:
            total += latin[codepoint] / units
        elif codepoint in arabic:
            total += arabic[codepoint] / arabic_units
        elif unicodedata.combining(char):
            continue
        else:
            total += 0.6  # a glyph neither font has: the fallback font's, guessed generously
    return total * size * SAFETY


def direction(text: str) -> str:
    """'rtl' or 'ltr' from the first strong letter, as the HTML dir=auto rule decides."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def count_lines(text: str, size: float, width: float, bold: bool = False) -> int:
    """Lines that ``text`` takes in a box ``width`` points wide, wrapping at spaces, then anywhere."""
    space = text_width(" ", size, bold)
    lines, used = 1, 0.0
    for word in text.split():
        word_width = text_width(word, size, bold)
        if word_width > width:  # a word longer than the line is broken anywhere
            if used:
                lines += 1
            extra = ceil(word_width / width)
            lines += extra - 1
            used = word_width - (extra - 1) * width
            continue
        needed = word_width if not used else used + space + word_width
        if needed <= width:
            used = needed
        else:
            lines += 1
            used = word_width
    return lines


def fit_text(text: str, *, width: float, height: float, largest: float, smallest: float,
             bold: bool = False) -> FittedText:
    """The largest size at which ``text`` fits ``width`` on one line, down to ``smallest``; below
    that, the largest size at which it fits ``width`` × ``height`` points wrapped."""
    text = " ".join(text.split())
    size = largest
    while size > smallest and text_width(text, size, bold) > width:
        size = max(size - STEP_PT, smallest)
    lines = count_lines(text, size, width, bold)
    while size > FLOOR_PT and lines * size * LINE_HEIGHT > height:
        size = max(size - STEP_PT, FLOOR_PT)
        lines = count_lines(text, size, width, bold)
    return FittedText(text, size, lines, direction(text))
