"""Badge layouts: the paper they print on, where each badge sits on it, and its type sizes.

All measures are millimetres, type sizes points. A6 and A7 badges tile the whole A4 sheet (cut along
the lines between them; the marks sit on those lines, so the cut removes them); cards leave the
margins of common perforated 10-up sheets (90 × 55 mm, 15 mm left and right, 11 mm top and bottom),
where the crop marks go. ``single`` is one badge per page for a badge printer (4 × 3 inch stock).
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MM_TO_PT = 72 / 25.4
#: Crop marks: length, the gap left between a mark and the badge it points at, and line width.
MARK_LENGTH = 5.0
MARK_GAP = 2.0
MARK_WIDTH = 0.25
#: Marks on edge-to-edge sheets start this far in from the paper's edge, past the printer's margin.
EDGE_MARK_INSET = 4.0


@dataclass(frozen=True)
class TypeSizes:
    """Largest and smallest size (points) of each line of a badge."""

    first_name: tuple[float, float]
    last_name: tuple[float, float]
    organisation: tuple[float, float]
    job_title: tuple[float, float]
    event: tuple[float, float]


@dataclass(frozen=True)
class Mark:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    key: str
    label: object
    page_width: float
    page_height: float
    badge_width: float
    badge_height: float
    columns: int
    rows: int
    #: Top-left corner of the grid of badges on the page.
    origin_left: float
    origin_top: float
    #: Space kept free inside the badge's edge (printer margins on edge-to-edge sheets, holder rims).
    padding: float
    #: "portrait": QR code under the names; "landscape": QR code beside them.
    orientation: str
    qr_size: float
    header_height: float
    logo_height: float
    sizes: TypeSizes
    crop_marks: bool = True

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def fills_sheet(self) -> bool:
        return self.origin_left < MARK_LENGTH or self.origin_top < MARK_LENGTH

    def slot(self, index: int, back: bool = False) -> tuple[float, float]:
        """(left, top) of the ``index``-th badge on a page. A back page mirrors the columns, so
        that printed double-sided (flip on the long edge) each back lands behind its front."""
        column, row = index % self.columns, index // self.columns
        if back:
            column = self.columns - 1 - column
        return (self.origin_left + column * self.badge_width, self.origin_top + row * self.badge_height)

    @property
    def inner_width(self) -> float:
        return self.badge_width - 2 * self.padding

    @property
    def inner_height(self) -> float:
        return self.badge_height - 2 * self.padding

    def names_box(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) of the area the names share, inside the badge's padding."""
        top = self.header_height + 1.5
        if self.orientation == "landscape":
            return 0.0, top, self.inner_width - self.qr_size - self.padding / 2, self.inner_height - top
        return 0.0, top, self.inner_width, self.inner_height - top - self.qr_size - 6

    def qr_box(self) -> tuple[float, float]:
        """(left, top) of the QR code, which is ``qr_size`` square with the code printed under it."""
        if self.orientation == "landscape":
            _, top, _, height = self.names_box()
            return self.inner_width - self.qr_size, top + max((height - self.qr_size - 3.5) / 2, 0)
        return (self.inner_width - self.qr_size) / 2, self.inner_height - self.qr_size - 4.5

    def text_width_pt(self) -> float:
        """Width of the column the names are set in."""
        return self.names_box()[2] * MM_TO_PT

    def text_height_pt(self) -> float:
        """Height of the area the names share."""
        return self.names_box()[3] * MM_TO_PT

    def marks(self) -> list[Mark]:
        """Crop marks along every cut line, outside the badges where the sheet leaves room."""
        if not self.crop_marks:
            return []
        xs = [self.origin_left + c * self.badge_width for c in range(self.columns + 1)]
        ys = [self.origin_top + r * self.badge_height for r in range(self.rows + 1)]
        grid_bottom, grid_right = ys[-1], xs[-1]
        marks = []
        if self.fills_sheet:
            # Cut lines between badges only (the paper's edge is already one); the marks lie on the
            # line inside the badges' padding, so cutting along them removes them.
            top, bottom = EDGE_MARK_INSET, self.page_height - EDGE_MARK_INSET - MARK_LENGTH
            left, right = EDGE_MARK_INSET, self.page_width - EDGE_MARK_INSET - MARK_LENGTH
            for x in xs[1:-1]:
                marks += [Mark(x - MARK_WIDTH / 2, top, MARK_WIDTH, MARK_LENGTH),
                          Mark(x - MARK_WIDTH / 2, bottom, MARK_WIDTH, MARK_LENGTH)]
            for y in ys[1:-1]:
                marks += [Mark(left, y - MARK_WIDTH / 2, MARK_LENGTH, MARK_WIDTH),
                          Mark(right, y - MARK_WIDTH / 2, MARK_LENGTH, MARK_WIDTH)]
            return marks
        for x in xs:
            marks += [Mark(x - MARK_WIDTH / 2, self.origin_top - MARK_GAP - MARK_LENGTH, MARK_WIDTH, MARK_LENGTH),
                      Mark(x - MARK_WIDTH / 2, grid_bottom + MARK_GAP, MARK_WIDTH, MARK_LENGTH)]
        for y in ys:
            marks += [Mark(self.origin_left - MARK_GAP - MARK_LENGTH, y - MARK_WIDTH / 2, MARK_LENGTH, MARK_WIDTH),
                      Mark(grid_right + MARK_GAP, y - MARK_WIDTH / 2, MARK_LENGTH, MARK_WIDTH)]
        return marks


LAYOUTS: dict[str, Layout] = {
    "a6": Layout(
        key="a6", label=_l("A6, four to an A4 sheet"), page_width=210, page_height=297,
        badge_width=105, badge_height=148, columns=2, rows=2, origin_left=0, origin_top=0.5,
        padding=10, orientation="portrait", qr_size=34, header_height=18, logo_height=11,
        sizes=TypeSizes(first_name=(40, 22), last_name=(24, 14), organisation=(16, 10),
                        job_title=(13, 9), event=(12, 8)),
    ),
    "a7": Layout(
        key="a7", label=_l("A7, eight to an A4 sheet"), page_width=210, page_height=297,
        badge_width=105, badge_height=74, columns=2, rows=4, origin_left=0, origin_top=0.5,
        padding=7, orientation="landscape", qr_size=25, header_height=11, logo_height=7,
        sizes=TypeSizes(first_name=(28, 14), last_name=(17, 10), organisation=(12, 8),
                        job_title=(10, 7), event=(9.5, 7)),
    ),
    "card": Layout(
        key="card", label=_l("Cards 90 × 55 mm, ten to an A4 sheet"), page_width=210, page_height=297,
        badge_width=90, badge_height=55, columns=2, rows=5, origin_left=15, origin_top=11,
        padding=4.5, orientation="landscape", qr_size=21, header_height=8.5, logo_height=5.5,
        sizes=TypeSizes(first_name=(22, 12), last_name=(14, 9), organisation=(10, 7),
                        job_title=(8.5, 6.5), event=(8.5, 6.5)),
    ),
    "single": Layout(
        key="single", label=_l("One badge per page (badge printer, 4 × 3 in)"),
        page_width=101.6, page_height=76.2, badge_width=101.6, badge_height=76.2, columns=1, rows=1,
        origin_left=0, origin_top=0, padding=6, orientation="landscape", qr_size=26, header_height=11,
        logo_height=7, crop_marks=False,
        sizes=TypeSizes(first_name=(28, 14), last_name=(17, 10), organisation=(12, 8),
                        job_title=(10, 7), event=(9.5, 7)),
    ),
}
DEFAULT_LAYOUT = "a6"
