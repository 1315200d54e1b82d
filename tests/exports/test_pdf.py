"""The PDF renderer reads nothing from disk or network, whatever the document asks for."""
import pytest

from eventapp.exports.pdf import SafeFetcher, render_pdf, static_url

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
    '<img src="https://example.org/tracker.png">',
    '<div style="background: url(file:///etc/shadow)">x</div>',
    f'<img src="{static_url("../../config.py")}">',
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_hostile_references_are_refused_and_nothing_is_attached(markup):
    fetcher = SafeFetcher()
    pdf = render_pdf(f"<html><body><p>Anna</p>{markup}</body></html>", fetcher)
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused, "the reference should have been asked for and refused"
    assert b"/EmbeddedFile" not in pdf
    assert b"root:" not in pdf


def test_static_files_and_data_urls_are_served():
    fetcher = SafeFetcher()
    pixel = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    html = f'<link rel="stylesheet" href="{static_url("style.css")}"><img src="{pixel}"><p>Åsa</p>'
    assert render_pdf(html, fetcher).startswith(b"%PDF")
    assert fetcher.refused == []
