"""Badge PDFs: pages per layout, every name findable, the QR code readable, hostile text inert."""
from io import BytesIO
from math import ceil

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import LineBox, TextBox

from eventapp.exports.badge_layouts import LAYOUTS, MM_TO_PT
from eventapp.exports.badges import BadgeData, BadgeDesign, badges_html, render_badges
from eventapp.exports.pdf import STATIC_SCHEME, SafeFetcher

DESIGN = BadgeDesign("Kommunikation och integration – lär av varandra", "onsdag 15 februari 2017")
HOSTILE = [
    BadgeData('<img src="file:///etc/passwd">', "Bild", "Nacka kommun", "", "HSTL2345"),
    BadgeData("Länk", '<link rel=attachment href="file:///etc/hostname">', "", "", "HSTL6789"),
    BadgeData("Stil", "Css", '</style><style>body{display:none} @import url(file:///etc/passwd);',
              '"; background: url(http://127.0.0.1:9/x)', "HSTLABCD"),
]
ARABIC = BadgeData("محمود", "آغا", "Migrationsverket", "", "ARAB2345")
SWEDISH = BadgeData("Åsa", "Öberg-Ärlig", "Älvsbyns kommun", "Kommunikatör", "SWED2345")
#: As long as the registration form allows (200 characters per field), without a space to break at.
LONGEST = BadgeData("W" * 200, "M" * 200, "Myndigheten " * 16, "Å" * 200, "LONG2345")
REALISTIC_LONG = BadgeData("Maximiliana-Charlotte", "von Lindenhjelm-Grönstedt Åkerblad",
                           "Myndigheten för stöd till trossamfund och samverkan i Västra Götaland",
                           "Strategisk samordnare för nyanländas etablering", "REAL2345")
#: The longest names at a group with the longest name a group may have (100 characters).
LONGEST_AT_A_TABLE = BadgeData("W" * 200, "M" * 200, "Myndigheten " * 16, "Å" * 200, "LONG2345",
                               group="Grupp 12: " + "Bostad och arbete " * 5 + "Ö" * 10)


#: WeasyPrint lays out in CSS pixels.
MM_TO_PX = 96 / 25.4


def people(n: int) -> list[BadgeData]:
    return [BadgeData(f"Anna{i}", f"Andersson{i}", "Nacka kommun", "Kommunikatör", f"CODE{i:04d}") for i in range(n)]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def render(app):
    """Render with a request context in Swedish, as the views and the command line do."""
    def render(badges, design=DESIGN, layout="a6"):
        with app.test_request_context():
            return render_badges(badges, design, layout)
    return render


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("count", [1, 4, 5])
def test_one_page_per_sheet_of_badges(render, layout, count):
    """How many pages does each layout need for 1, 4 and 5 attendees, and is each page the paper's size?"""
    reader = PdfReader(BytesIO(render(people(count), layout=layout)))
    per_page = LAYOUTS[layout].per_page
    assert len(reader.pages) == ceil(count / per_page)
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM_TO_PT) == round(LAYOUTS[layout].page_width)
    assert round(float(box.height) / MM_TO_PT) == round(LAYOUTS[layout].page_height)


def test_120_attendees_in_chunks_make_one_document_with_every_name(render):
    """Rendered in chunks and joined: are all 120 badges there, in order?"""
    badges = people(120)
    pdf = render(badges, layout="card")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 12
    text = text_of(pdf)
    positions = [text.index(f"Andersson{i}\n") for i in range(120)]
    assert positions == sorted(positions)
    assert all(badge.code in text for badge in badges)


@pytest.mark.parametrize("layout,pages", [("a6", 2), ("a7", 1), ("card", 1), ("single", 5)])
def test_120_attendees_page_count_per_layout(app, layout, pages):
    """The page plan for 120 attendees (the rendering of each page is tested above)."""
    from eventapp.exports.badges import _pages, fit_badge

    fitted = [fit_badge(b, LAYOUTS[layout]) for b in people(120)]
    assert len(_pages(fitted, LAYOUTS[layout], with_back=False)) == {"a6": 30, "a7": 15, "card": 12,
                                                                        "single": 120}[layout]
    assert len(_pages(fitted[:5], LAYOUTS[layout], with_back=True)) == 2 * pages


def test_swedish_and_arabic_names_extract_in_reading_order(render):
    text = text_of(render([SWEDISH, ARABIC], layout="a7"))
    assert "Åsa\nÖberg-Ärlig\nÄlvsbyns kommun\nKommunikatör" in text
    assert "محمود\nآغا" in text


def test_arabic_name_is_set_right_to_left(app):
    with app.test_request_context():
        html = badges_html([ARABIC], DESIGN, LAYOUTS["a6"])
    assert 'dir="rtl"' in html and "محمود" in html


@pytest.mark.parametrize("layout", ["a6", "card"])
def test_qr_code_decodes_to_the_check_in_code(render, layout):
    """Rendered at 150 dpi, as a phone camera sees a printed badge, does the QR code give the code back?"""
    pdf = render([SWEDISH], layout=layout)
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=150 / 72).to_pil()
    document.close()
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == ["SWED2345"]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_hostile_names_are_printed_literally_and_fetch_nothing(app, monkeypatch):
    fetchers = []

    class RecordingFetcher(SafeFetcher):
        def fetch(self, url, headers=None):
            fetchers.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr("eventapp.exports.badges.SafeFetcher", RecordingFetcher)
    with app.test_request_context():
        pdf = render_badges(HOSTILE, DESIGN, "a6")
    assert all(url.startswith(STATIC_SCHEME + "fonts/") for url in fetchers)
    reader = PdfReader(BytesIO(pdf))
    assert not reader.attachments
    assert b"/EmbeddedFile" not in pdf and b"/URI" not in pdf
    text = text_of(pdf).replace("\n", "")  # lines wrapped on the badge, joined again
    assert '<img src="file:///etc/passwd">' in text
    assert 'href="file:///etc/hostname">' in text
    assert "</style><style>body{display:none}" in text
    assert "root:" not in text


def test_an_empty_organisation_leaves_no_line(app):
    with app.test_request_context():
        html = badges_html([BadgeData("Bo", "Ek", "", "", "EMPT2345")], DESIGN, LAYOUTS["a6"])
    assert 'class="organisation"' not in html and 'class="job-title"' not in html


def test_the_group_or_table_is_printed_when_the_person_has_one(render, app):
    seated = BadgeData("Åsa", "Öberg", "Älvsbyns kommun", "Kommunikatör", "SWED2345", group="Grupp 3: Skola")
    assert "Grupp 3: Skola" in text_of(render([seated, ARABIC]))
    with app.test_request_context():
        assert 'class="group"' not in badges_html([ARABIC], DESIGN, LAYOUTS["a6"])


def test_back_side_follows_each_sheet_mirrored(render):
    design = BadgeDesign(DESIGN.event_title, DESIGN.event_date,
                         back_text="Wi-Fi: Citykonferensen\nLösenord: integration",
                         agenda=[("kl. 09.00", "Välkommen"), ("kl. 09.15", "Kommunikation som når fram")])
    pdf = render(people(5), design=design, layout="a6")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 4  # front, back, front, back
    back = reader.pages[1].extract_text().replace("\n", " ")
    assert "Lösenord: integration" in back and "Kommunikation som når fram" in back
    assert "Anna0" not in back and "Anna0" in reader.pages[0].extract_text()


def _boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("badge", [LONGEST, REALISTIC_LONG, LONGEST_AT_A_TABLE],
                         ids=["longest", "realistic", "longest-at-a-table"])
def test_long_names_stay_inside_the_badge(app, layout, badge):
    """Laid out by WeasyPrint, does any line of text reach outside the badge's padding?"""
    geometry = LAYOUTS[layout]
    with app.test_request_context():
        html = badges_html([badge], DESIGN, geometry)
    page = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=SafeFetcher()).render().pages[0]
    pad = geometry.padding * MM_TO_PX
    badge_box = next(b for b in _boxes(page._page_box) if getattr(b, "element_tag", "") == "article")
    left, top = badge_box.position_x, badge_box.position_y
    right = left + geometry.badge_width * MM_TO_PX
    bottom = top + geometry.badge_height * MM_TO_PX
    texts = [b for b in _boxes(badge_box) if isinstance(b, TextBox | LineBox)]
    assert any(badge.last_name[:10] in getattr(t, "text", "") for t in texts)
    tolerance = 0.5
    for box in texts:
        assert box.position_x >= left + pad - tolerance, getattr(box, "text", box)
        assert box.position_x + box.width <= right - pad + tolerance, getattr(box, "text", box)
        assert box.position_y >= top + pad - tolerance, getattr(box, "text", box)
        assert box.position_y + box.height <= bottom - pad + tolerance, getattr(box, "text", box)
