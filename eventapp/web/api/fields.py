"""Reading JSON input field by field: the shape only, with a message per field (what forms do for HTML).

Every string is checked for what the database or an e-mail header would choke on (NUL, control
characters, unpaired surrogates), and every number and date for a range the columns hold.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l

MISSING = object()
YEARS = (2000, 2100)


class Reader:
    """Reads typed fields from a JSON object, collecting errors as {field: [messages]}."""

    def __init__(self, body: dict, prefix: str = ""):
        self.body = body
        self.prefix = prefix
        self.errors: dict[str, list] = {}

    def error(self, name: str, message) -> object:
        self.errors.setdefault(self.prefix + name, []).append(message)
        return MISSING

    def unknown(self, known: set[str]) -> None:
        for name in self.body:
            if name not in known:
                self.error(name, _l("Unknown field."))

    def text(self, name: str, *, max_length: int, multiline: bool = False, nullable: bool = False):
        value = self.body.get(name, MISSING)
        if value is MISSING or (value is None and nullable):
            return value
        if not isinstance(value, str):
            return self.error(name, _l("Expected text."))
        if not _encodable(value):
            return self.error(name, _l("The text contains characters that cannot be stored."))
        allowed = "\n\r\t" if multiline else ""
        if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value):
            return self.error(name, _l("Line breaks and control characters are not allowed here."))
        if len(value) > max_length:
            return self.error(name, _l("At most %(max)d characters.", max=max_length))
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, nullable: bool = False):
        value = self.body.get(name, MISSING)
        if value is MISSING or (value is None and nullable):
            return value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return self.error(name, _l("Expected a whole number."))
        if not minimum <= value <= maximum:
            return self.error(name, _l("Must be between %(min)d and %(max)d.", min=minimum, max=maximum))
        return value

    def boolean(self, name: str):
        value = self.body.get(name, MISSING)
        if value is MISSING or isinstance(value, bool):
            return value
        return self.error(name, _l("Expected true or false."))

    def moment(self, name: str, *, nullable: bool = False):
        value = self.body.get(name, MISSING)
        if value is MISSING or (value is None and nullable):
            return value
        parsed = parse_moment(value)
        if parsed is None:
            return self.error(name, _l("Expected a date and time in ISO 8601 with a UTC offset, "
                                       "e.g. 2027-02-15T08:30:00+01:00."))
        return parsed

    def objects(self, name: str, *, max_items: int):
        """A list of JSON objects (or None/absent)."""
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return self.error(name, _l("Expected a list of objects."))
        if len(value) > max_items:
            return self.error(name, _l("At most %(max)d items.", max=max_items))
        return value


def parse_moment(value) -> datetime | None:
    """An aware datetime from ISO 8601 text with an offset, within the years the app handles."""
    if not isinstance(value, str) or len(value) > 40 or not _encodable(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None or not YEARS[0] <= parsed.year <= YEARS[1]:
        return None
    return parsed


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value
