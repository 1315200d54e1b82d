"""The attendee list as CSV, XLSX or a PDF door list."""
from collections.abc import Iterable, Sequence
from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import Row

from ..collation import sort_by_name
from ..localtime import STOCKHOLM
from ..models import Event, OrganisationKind, Question, Registration, RegistrationStatus
from .pdf import render_pdf
from .tabular import Cell, to_csv, to_xlsx

FORMATS = ("csv", "xlsx")


def _local(value: datetime | None) -> datetime | None:
    """Spreadsheets know no time zones: Stockholm wall-clock time, as the organiser reads it."""
    return value.astimezone(STOCKHOLM).replace(tzinfo=None) if value is not None else None


def header() -> list[str]:
    return [_("Last name"), _("First name"), _("E-mail"), _("Organisation"), _("Type of organisation"),
            _("County"), _("Job title"), _("Phone"), _("Dietary needs"), _("Organisation number"),
            _("Invoice reference"), _("Status"), _("Registered at"), _("Checked in at"), _("Check-in code"),
            _("Note")]


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Kind and status labels translated once per export, not once per row."""
    return ({kind.value: str(kind.label) for kind in OrganisationKind},
            {status.value: str(status.label) for status in RegistrationStatus})


def row(registration: Row, labels: tuple[dict[str, str], dict[str, str]]) -> list[Cell]:
    """One line of the list from a row of ``attendees.EXPORT_COLUMNS``."""
    kinds, statuses = labels
    (last_name, first_name, email, organisation, kind, county, job_title, phone, dietary, org_number,
     invoice_reference, status, registered_at, checked_in_at, check_in_code, note, _id) = registration
    return [last_name, first_name, email, organisation, kinds.get(kind, ""), county or "", job_title, phone,
            dietary, org_number, invoice_reference, statuses.get(status, status), _local(registered_at),
            _local(checked_in_at), check_in_code, note]


def attendee_table(event: Event, registrations: Iterable[Row], fmt: str, delimiter: str = ";",
                   questions: Sequence[Question] = (), answers: dict[int, dict[int, str]] | None = None,
                   extra: tuple[list[str], dict[int, list[str]]] = ([], {}),
                   groups: dict[int, str] | None = None) -> bytes:
    """The rows of ``attendees.attendee_export_rows`` as ``csv`` or ``xlsx`` bytes, with a column per
    question of the event (``answers``: {registration id: {question id: answer}}), the ``extra``
    columns (headers, {registration id: values}), such as the sessions chosen, and, when the event
    has groups, the group or table of each person (``groups``: {registration id: label})."""
    labels = _labels()
    answers = answers or {}
    extra_headers, extra_values = extra
    blank = [""] * len(extra_headers)
    group_column = [_("Group or table")] if groups else []
    columns = header() + [question.text for question in questions] + extra_headers + group_column
    rows = (row(registration, labels) + [question.answer_label(answers.get(registration.id, {}).get(question.id, ""))
                                         for question in questions]
            + extra_values.get(registration.id, blank)
            + ([groups.get(registration.id, "")] if groups else [])
            for registration in registrations)
    if fmt == "csv":
        return to_csv(columns, rows, delimiter=delimiter)
    if fmt == "xlsx":
        return to_xlsx(columns, rows, title=_("Attendees"))
    raise ValueError(f"unknown format {fmt!r}")


def door_list_pdf(event: Event, registrations: Sequence[Registration],
                  sessions: dict[int, str] | None = None, groups: dict[int, str] | None = None) -> bytes:
    """An alphabetical list to tick off at the door: name, organisation, the sessions chosen
    (``sessions``: {registration id: titles}), the group or table (when the event has groups;
    ``groups``: {registration id: label}) and a check box."""
    people = sort_by_name(registrations)
    return render_pdf(render_template("admin/door_list_pdf.html", event=event, registrations=people,
                                      sessions=sessions or {}, groups=groups or {}))
