"""Name badges as a print-ready PDF: one badge per attendee on the layout's sheets, optional backs.

Each badge shows the first name large, the last name, organisation, job title and the group or table
(each shrunk to fit, then wrapped), the event's name, date and logo, and a QR code of the check-in code. What an
attendee typed only ever reaches the document as escaped text, and the PDF renderer fetches nothing
but the bundled fonts and ``data:`` URLs (see ``pdf.py``).

Long runs are rendered in chunks of a few sheets and joined with pypdf: WeasyPrint keeps the layout
of a whole document in memory, so chunks keep the peak flat however many badges there are, and
they let a caller report progress.
"""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO

import segno
from flask import render_template
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter

from .badge_layouts import LAYOUTS, MM_TO_PT, Layout
from .pdf import SafeFetcher, render_pdf, static_url
from .text_fit import FLOOR_PT, STEP_PT, FittedText, count_lines, direction, fit_text

#: Badges per rendered chunk (rounded up to whole sheets).
CHUNK_BADGES = 40
#: Share of the names' area each line may grow into when it has to wrap (of the lines present).
HEIGHT_SHARES = {"first_name": 0.36, "last_name": 0.26, "organisation": 0.23, "job_title": 0.15, "group": 0.15}
#: Lines set in the type sizes of another line (a layout has no sizes of their own for them).
SIZES_OF = {"group": "job_title"}
#: Vertical gap between lines, points.
LINE_GAP_PT = 2.0


@dataclass(frozen=True)
class BadgeData:
    """What one badge shows about its attendee (plain text as typed)."""

    first_name: str
    last_name: str
    organisation: str
    job_title: str
    code: str
    #: The group or table the person sits at ("Grupp 3: Skola"), or empty.
    group: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str
    direction: str


@dataclass(frozen=True)
class BadgeDesign:
    """What every badge of a run shares."""

    event_title: str
    event_date: str
    #: A PNG as a data: URL, or None.
    logo: str | None = None
    #: The logo's width divided by its height.
    logo_ratio: float = 1.0
    #: Printed on the back of each badge (Wi-Fi, agenda); empty for no back pages.
    back_text: str = ""
    #: (time, title) lines of the agenda for the back; empty for none.
    agenda: Sequence[tuple[str, str]] = field(default_factory=tuple)
    language: str = "sv"

    @property
    def has_back(self) -> bool:
        return bool(self.back_paragraphs or self.agenda)

    @property
    def back_paragraphs(self) -> list[Paragraph]:
        return [Paragraph(text, direction(text)) for text in
                (" ".join(line.split()) for line in self.back_text.splitlines()) if text]


@dataclass(frozen=True)
class FittedBadge:
    lines: list[tuple[str, FittedText]]
    code: str
    qr: Markup
    #: Space above the names that centres them in their area, points.
    offset: float


@dataclass(frozen=True)
class Header:
    """Where the logo and the event's name go in the badge's header, millimetres."""

    logo_width: float
    logo_height: float
    text_left: float
    event: FittedText


@dataclass(frozen=True)
class Page:
    back: bool
    #: (left, top, badge) in millimetres.
    slots: list[tuple[float, float, FittedBadge]]


def qr_svg(code: str) -> Markup:
    """The check-in code as an inline SVG QR code (never Micro QR: phones do not read it)."""
    qr = segno.make(code, error="q", micro=False)
    return Markup(qr.svg_inline(border=2, omitsize=True, dark="#000", light="#fff"))  # noqa: S704 (segno's own SVG)


def fit_badge(badge: BadgeData, layout: Layout) -> FittedBadge:
    """Font size and line count of each line of ``badge``; empty lines are left out entirely."""
    present = [(name, getattr(badge, name).strip()) for name in HEIGHT_SHARES]
    present = [(name, text) for name, text in present if text]
    share_total = sum(HEIGHT_SHARES[name] for name, _ in present) or 1
    height = layout.text_height_pt() - LINE_GAP_PT * max(len(present) - 1, 0)
    width = layout.text_width_pt()
    # The group is one line at most: a long name is cut where it ends at the line's smallest size.
    present = [(name, _one_line(text, width, getattr(layout.sizes, SIZES_OF[name])[1]) if name in SIZES_OF
                else text) for name, text in present]
    lines = []
    for name, text in present:
        largest, smallest = getattr(layout.sizes, SIZES_OF.get(name, name))
        fitted = fit_text(text, width=width, height=height * HEIGHT_SHARES[name] / share_total,
                          largest=largest, smallest=smallest, bold=name in ("first_name", "organisation", "group"))
        lines.append((name, fitted))
    used = sum(line.height for _, line in lines) + LINE_GAP_PT * max(len(lines) - 1, 0)
    offset = max((layout.text_height_pt() - used) / 2, 0)
    return FittedBadge(lines=lines, code=badge.code, qr=qr_svg(badge.code), offset=round(offset, 2))


def _one_line(text: str, width: float, size: float) -> str:
    if count_lines(text, size, width, bold=True) == 1:
        return text
    while len(text) > 1 and count_lines(text + "…", size, width, bold=True) > 1:
        text = text[:-1]
    return text.rstrip() + "…"


def fit_header(design: BadgeDesign, layout: Layout) -> Header:
    """The logo scaled into the header (at most 28 % of its width) and the event's name beside it."""
    logo_width = logo_height = text_left = 0.0
    if design.logo:
        logo_width = min(layout.logo_height * design.logo_ratio, layout.inner_width * 0.28)
        logo_height = logo_width / design.logo_ratio
        text_left = logo_width + 2
    event = fit_text(design.event_title, width=(layout.inner_width - text_left) * MM_TO_PT,
                     height=layout.header_height * MM_TO_PT * 0.6, largest=layout.sizes.event[0],
                     smallest=layout.sizes.event[1], bold=True)
    return Header(round(logo_width, 2), round(logo_height, 2), text_left, event)


def _pages(badges: Sequence[FittedBadge], layout: Layout, with_back: bool) -> list[Page]:
    pages = []
    for start in range(0, len(badges), layout.per_page):
        sheet = badges[start:start + layout.per_page]
        pages.append(Page(False, [(*layout.slot(i), badge) for i, badge in enumerate(sheet)]))
        if with_back:
            pages.append(Page(True, [(*layout.slot(i, back=True), badge) for i, badge in enumerate(sheet)]))
    return pages


def badges_html(badges: Sequence[BadgeData], design: BadgeDesign, layout: Layout) -> str:
    """The HTML document for ``badges`` (already fitted and escaped), ready for ``render_pdf``."""
    fitted = [fit_badge(badge, layout) for badge in badges]
    return render_template(
        "badges/document.html", layout=layout, design=design, header=fit_header(design, layout),
        back_size=back_size(design, layout), names_box=layout.names_box(), qr_box=layout.qr_box(),
        pages=_pages(fitted, layout, design.has_back), marks=layout.marks(), static_url=static_url,
    )


def back_size(design: BadgeDesign, layout: Layout) -> float:
    """The largest type size (points) at which the back's text and agenda fit under its header."""
    width = layout.inner_width * MM_TO_PT
    height = (layout.inner_height - layout.header_height - 2) * MM_TO_PT
    texts = [p.text for p in design.back_paragraphs]
    rows = [f"{time}   {title}" for time, title in design.agenda]
    size = layout.sizes.last_name[1]
    while size > FLOOR_PT:
        # paragraphs are followed by 0.6 em of space; lines are 1.15 em
        lines = sum(count_lines(text, size, width) + 0.55 for text in texts)
        lines += sum(count_lines(row, size, width) + 0.1 for row in rows)
        if lines * size * 1.15 <= height:
            break
        size -= STEP_PT
    return max(size, FLOOR_PT)


def _chunks(badges: Sequence[BadgeData], layout: Layout) -> Iterable[Sequence[BadgeData]]:
    size = max(1, -(-CHUNK_BADGES // layout.per_page)) * layout.per_page
    for start in range(0, len(badges), size):
        yield badges[start:start + size]


def render_badges(badges: Sequence[BadgeData], design: BadgeDesign, layout: Layout | str,
                  progress: Callable[[int], None] | None = None) -> bytes:
    """The PDF for ``badges`` in order; ``progress(done)`` is called after each chunk."""
    if isinstance(layout, str):
        layout = LAYOUTS[layout]
    if not badges:
        raise ValueError("no badges to render")
    parts, done = [], 0
    for chunk in _chunks(badges, layout):
        parts.append(render_pdf(badges_html(chunk, design, layout), SafeFetcher()))
        done += len(chunk)
        if progress is not None:
            progress(done)
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(BytesIO(part)), import_outline=False)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
