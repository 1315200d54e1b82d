"""Merge fields in organisers' texts: {first_name}, {last_name}, {event}, {starts}, {link}.

A text is checked when it is saved (``unknown_fields``), so what is merged when an e-mail is written
never fails: anything in braces that is not a merge field is left as it was written.
"""
import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

FIELDS = ("first_name", "last_name", "event", "starts", "link")
#: Anything in single braces that looks like it is meant as a field (no spaces, short).
_FIELD = re.compile(r"\{([^{}\s]{1,40})\}")
#: The longest text of a message or an e-mail's own text.
MAX_BODY = 20_000
MAX_SUBJECT = 200


def unknown_fields(text: str) -> list[str]:
    """The names in braces that are no merge field, in the order written, each once."""
    found = []
    for name in _FIELD.findall(text):
        if name not in FIELDS and name not in found:
            found.append(name)
    return found


def merge(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each merge field replaced by its value; other braces are left alone."""
    return _FIELD.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def check_text(subject: str, body: str) -> dict[str, list]:
    """What is wrong with a subject and a body an organiser wrote, as {field: [messages]}."""
    errors: dict[str, list] = {}
    subject, body = subject or "", body or ""
    if not subject.strip():
        errors["subject"] = [_l("Write a subject.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_l("At most %(max)d characters.", max=MAX_SUBJECT)]
    elif any(ord(c) < 32 or ord(c) == 127 for c in subject):
        errors["subject"] = [_l("Line breaks and control characters are not allowed here.")]
    elif unknown := unknown_fields(subject):
        errors["subject"] = [_unknown_message(unknown)]
    elif "{link}" in subject:
        errors["subject"] = [_l("The personal link {link} can only be in the text, not in the subject.")]
    if not body.strip():
        errors["body"] = [_l("Write the text of the message.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_l("At most %(max)d characters.", max=MAX_BODY)]
    elif unknown := unknown_fields(body):
        errors["body"] = [_unknown_message(unknown)]
    return errors


def _unknown_message(names: list[str]):
    return _l("Unknown merge field: %(fields)s. You can use %(known)s.",
              fields=", ".join(f"{{{name}}}" for name in names),
              known=", ".join(f"{{{name}}}" for name in FIELDS))
