"""HTML to PDF through WeasyPrint, with no access to files or the network.

Whatever an attendee typed ends up in these documents. The fetcher serves only the project's own
static files (``static:fonts/NotoSans-Regular.ttf``) and ``data:`` URLs; ``file:``, ``http(s):``
and everything else are refused, and nothing is ever redirected.
"""
import logging
import mimetypes
from io import BytesIO
from pathlib import Path

import pypdfium2
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
STATIC_SCHEME = "static:"

logger = logging.getLogger(__name__)


def static_url(path: str) -> str:
    """The URL under which a PDF template refers to a file in ``eventapp/static``."""
    return STATIC_SCHEME + path.lstrip("/")


class SafeFetcher(URLFetcher):
    """Serves ``static:`` and ``data:`` URLs; refuses everything else."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        #: URLs that were asked for and refused, for the record (and the tests).
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            return self._static(url)
        if url.startswith("data:"):
            return super().fetch(url, headers)
        self.refused.append(url)
        logger.warning("PDF rendering refused to fetch %s", url[:200])
        raise ValueError("only the project's static files and data: URLs may be used in documents")

    def _static(self, url: str) -> URLFetcherResponse:
        relative = url[len(STATIC_SCHEME):].split("?")[0].split("#")[0]
        path = (STATIC_ROOT / relative).resolve()
        if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"no static file {relative!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_pdf(html: str, fetcher: SafeFetcher | None = None) -> bytes:
    """Render an HTML document (already escaped by its template) to PDF bytes."""
    return HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=fetcher or SafeFetcher()).write_pdf()


def first_page_png(pdf: bytes, width: int = 900) -> bytes:
    """The first page of a PDF as a PNG ``width`` pixels wide (a preview)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=width / page.get_width())
        out = BytesIO()
        bitmap.to_pil().save(out, "PNG")
        return out.getvalue()
    finally:
        document.close()
