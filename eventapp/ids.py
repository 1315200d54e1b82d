"""Numbers that name a row, in addresses, query strings and forms: digits only, within the columns' range.

A number past the range is not an id of anything: it is answered like an unknown id, never passed to
the database (PostgreSQL's ``integer`` and SQLite's 64-bit integers both overflow on it).
"""
from werkzeug.routing import IntegerConverter

#: The largest id a column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1


def parse_id(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The positive whole number written in ASCII digits in ``text``, at most ``maximum``; else None.

    ``str.isdigit`` alone is not enough: it accepts superscripts such as "²", which ``int`` refuses.
    """
    if not text or len(text) > len(str(maximum)) or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= maximum else None


class IdConverter(IntegerConverter):
    """``<int:…>`` for ids: at most ``MAX_ID`` unless the rule says otherwise, so a longer number is a 404."""

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
