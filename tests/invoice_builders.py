"""Builders for no-show and invoice tests: staff accounts and an event that has taken place."""
import os
import re
import sqlite3
from datetime import datetime, timedelta
from itertools import count

import psycopg
from builders import make_event, register
from sqlalchemy.engine import make_url

from eventapp.extensions import db
from eventapp.models import Event, Registration, User
from eventapp.services import invoicing, noshow
from eventapp.services.cancellation import cancel_registration

_numbers = count(1)

#: An invoice address: street, postcode and city (an invoice is held back without one).
ADDRESS = dict(invoice_street="Storgatan 1", invoice_postcode="111 22", invoice_city="Stockholm")
#: A buyer with everything an invoice needs: organisation number, reference and postal address.
NACKA = dict(organisation="Nacka kommun", org_number="212000-0142", invoice_reference="KS-4711",
             invoice_street="Granitvägen 15", invoice_postcode="131 81", invoice_city="Nacka")


def staff(role: str) -> User:
    """A back-office account with ``role`` (no usable password: services only)."""
    user = User(email=f"{role}{next(_numbers)}@example.org", name=role.title(), role=role, password_hash="!")
    db.session.add(user)
    db.session.commit()
    return user


def past_event(now: datetime, **fields) -> tuple[Event, datetime]:
    """An event with a 250 kr no-show fee that ended a day before ``now``; returns it and its registration time."""
    opened = now - timedelta(days=32)
    fields.setdefault("no_show_fee", 25000)
    fields.setdefault("capacity", None)
    return make_event(opened, **fields), opened


def check_in(registration: Registration, at: datetime) -> None:
    registration.checked_in_at = at
    db.session.commit()


def attended(event: Event, registered_at: datetime, n: int, **fields) -> Registration:
    registration = register(event, registered_at, n, **fields).registration
    check_in(registration, event.starts_at)
    return registration


def no_show(event: Event, registered_at: datetime, n: int, **fields) -> Registration:
    return register(event, registered_at, n, **fields).registration


def late_cancelled(event: Event, registered_at: datetime, n: int, **fields) -> Registration:
    registration = register(event, registered_at, n, **fields).registration
    cancel_registration(registration.id, event.effective_cancellation_deadline + timedelta(seconds=1))
    return registration


def cancelled_in_time(event: Event, registered_at: datetime, n: int, **fields) -> Registration:
    registration = register(event, registered_at, n, **fields).registration
    cancel_registration(registration.id, event.effective_cancellation_deadline - timedelta(seconds=1))
    return registration


def approved_and_issued(event: Event, now: datetime, organiser: User, finance: User, waive=()):
    noshow.approve_no_shows(event.id, actor=organiser, now=now, waive=waive)
    return invoicing.issue_invoices(event.id, actor=finance, now=now)


def write_from_another_connection(database_uri: str) -> None:
    """Begin a writing transaction on a new connection that does not wait for a lock, and roll it back.

    On SQLite it fails ("database is locked") while any other connection holds the write lock; on
    PostgreSQL it fails if the number series' row is locked.
    """
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, options="-c lock_timeout=100") as connection:
        connection.execute("SELECT name FROM invoice_series FOR UPDATE")
        connection.rollback()


def ubl(invoice) -> bytes:
    """The invoice's Peppol XML; also written to $PEPPOL_OUTPUT_DIR when set, for the official validator."""
    from eventapp.exports.peppol import invoice_xml

    xml = invoice_xml(invoice)
    folder = os.environ.get("PEPPOL_OUTPUT_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        kind = "creditnote" if invoice.is_credit_note else "invoice"
        name = f"{_test_name()}-{kind}-{invoice.number}-{db.engine.dialect.name}.xml"
        with open(os.path.join(folder, name), "wb") as f:
            f.write(xml)
    return xml


def pdf(invoice) -> bytes:
    """The invoice's PDF; also written to $INVOICE_PDF_DIR when set, to look at."""
    from eventapp.exports.invoice_pdf import invoice_pdf

    data = invoice_pdf(invoice)
    folder = os.environ.get("INVOICE_PDF_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{_test_name()}-{invoice.number}.pdf"), "wb") as f:
            f.write(data)
    return data


def _test_name() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
    return re.sub(r"[^A-Za-z0-9_]+", "_", current.split("::")[-1])[:80]
