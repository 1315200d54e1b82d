"""The one way to answer with a file: exports, badges, invoices, calendars and personal-data exports.

File names often come from what organisers and attendees typed (an event title, a name). They go
into the Content-Disposition header, so they are reduced to a plain ASCII fallback and given in
full as RFC 5987 ``filename*`` (UTF-8, percent-encoded): no quote, semicolon or line break can
reach the header.
"""
import re
import unicodedata
from urllib.parse import quote

from flask import Response

#: Characters kept in the ASCII fallback name; everything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_LENGTH = 150


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition value for ``filename`` that cannot break out of the header."""
    cleaned = "".join(c for c in unicodedata.normalize("NFC", filename) if unicodedata.category(c)[0] != "C")
    cleaned = cleaned.replace("/", "_").replace("\\", "_").strip(" .") or "download"
    cleaned = cleaned[-MAX_NAME_LENGTH:]
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE.sub("_", ascii_name).strip("_.") or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def send_bytes(data: bytes, filename: str | None, mimetype: str, *, inline: bool = False,
               public_max_age: int | None = None) -> Response:
    """Answer with ``data`` as a download named ``filename`` (any characters, safely encoded).

    ``mimetype`` may carry its own charset ("text/plain; charset=cp437"); a text type without one
    is sent as UTF-8. ``filename=None`` sends no Content-Disposition (a feed that calendar clients
    subscribe to). ``public_max_age`` lets any cache keep the answer that many seconds: only for
    what is public and the same for every visitor.
    """
    if ";" in mimetype:
        response = Response(data, content_type=mimetype)
    else:
        response = Response(data, mimetype=mimetype)
    if filename is not None:
        response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["Content-Length"] = str(len(data))
    if public_max_age is None:
        # Downloads hold attendee data: no cache keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={int(public_max_age)}"
    return response
