"""The Content-Disposition of every download the views send: names kept, header never breakable.

What can reach a file name: the event slug (badges, attendee exports, door list, calendar), a
check-in code (walk-in badge), an invoice number and a period (finance, API). Slugs are refused by
the event service unless they are lower-case ASCII words joined by hyphens, codes are generated,
numbers and dates are parsed, so quotes, semicolons, line breaks and non-ASCII can only arrive
through a row written to the database in some other way; the last tests show that even then the
header holds.
"""
from datetime import timedelta
from urllib.parse import quote

import pytest
from builders import log_in, make_event, register
from conftest import submit
from invoice_builders import NACKA, approved_and_issued, no_show, past_event, staff

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, User
from eventapp.services import badges
from eventapp.services.api_tokens import create_token
from eventapp.services.badges import BadgeOptions
from eventapp.services.errors import ValidationFailed
from eventapp.services.events import SLUG_RE, EventData, save_event, slugify

HOSTILE_SLUG = 'a"b;c\r\nSet-Cookie: x=1 Älvsbyn'


def disposition_parts(response) -> tuple[str, str, str]:
    """(kind, ASCII filename, filename*) of a response's one Content-Disposition header."""
    [value] = response.headers.getlist("Content-Disposition")
    assert value.isascii() and "\r" not in value and "\n" not in value
    kind, plain, extended = value.split("; ")
    assert plain.startswith('filename="') and plain.endswith('"') and plain.count('"') == 2
    assert extended.startswith("filename*=UTF-8''")
    return kind, plain[len('filename="'):-1], extended[len("filename*=UTF-8''"):]


def assert_download(response, filename: str, content_type: str, *, kind: str = "attachment") -> None:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert disposition_parts(response) == (kind, filename, quote(filename, safe=""))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == str(len(response.data))


@pytest.fixture
def organiser_event(app, client):
    """A published conference with one confirmed attendee and a finished badge run; an organiser logged in."""
    now = utcnow()
    with app.test_request_context():
        event = make_event(now, slug="konferens", title='Frukost; "möte"')
        registration = register(event, now, first_name="Åsa", last_name="Öberg").registration
        organiser = staff("organiser")
        run = badges.start_run(event.id, BadgeOptions(), actor=organiser, now=now)
        badges.process_run(run.id, utcnow)
        data = {"slug": event.slug, "event_id": event.id, "run": run.id, "registration": registration.id,
                "code": registration.check_in_code}
        log_in(client, organiser.id)
    return data


@pytest.mark.parametrize(("path", "filename", "content_type", "kind"), [
    ("attendees.csv", "konferens-deltagare.csv", "text/csv; charset=utf-8", "attachment"),
    ("attendees.xlsx", "konferens-deltagare.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
    ("door-list.pdf", "konferens-dorrlista.pdf", "application/pdf", "inline"),
    ("badges/runs/{run}.pdf", "namnbrickor-konferens-{run}.pdf", "application/pdf", "attachment"),
])
def test_organiser_downloads_keep_their_names(client, organiser_event, path, filename, content_type, kind):
    """Do the attendee list, door list and badge run keep their names, types and no-store?"""
    response = client.get(f"/admin/events/konferens/{path.format(**organiser_event)}")
    assert_download(response, filename.format(**organiser_event), content_type, kind=kind)


def test_a_walk_in_badge_is_named_after_its_check_in_code(client, organiser_event):
    """Is the walk-in badge a safe, uncached attachment named after the attendee's code?"""
    url = f"/admin/events/konferens/badges/registration/{organiser_event['registration']}.pdf"
    response = submit(client, url, {"layout": "single"})
    assert_download(response, f"namnbricka-{organiser_event['code']}.pdf", "application/pdf")


@pytest.fixture
def invoice_number(app):
    """One issued no-show invoice; returns its number and the finance and organiser user ids."""
    now = utcnow()
    with app.test_request_context():
        event, at = past_event(now, slug="nyfiken")
        no_show(event, at, 1, **NACKA)
        organiser, finance = staff("organiser"), staff("finance")
        [invoice] = approved_and_issued(event, now, organiser, finance).invoices
        return {"number": invoice.number, "finance": finance.id, "issued": invoice.issue_date}


def test_finance_documents_and_exports_keep_their_names(client, invoice_number):
    """Do the invoice PDF and XML, the CSV and the SIE file keep names and types, and go uncached?"""
    log_in(client, invoice_number["finance"])
    number, day = invoice_number["number"], invoice_number["issued"].isoformat()
    assert_download(client.get(f"/finance/invoices/{number}.pdf"), f"faktura-{number}.pdf", "application/pdf")
    assert_download(client.get(f"/finance/invoices/{number}.xml"), f"faktura-{number}.xml",
                    "application/xml; charset=utf-8")
    period = f"date_from={day}&date_to={day}"
    assert_download(client.get(f"/finance/exports/invoices.csv?{period}"), f"fakturor-{day}-{day}.csv",
                    "text/csv; charset=utf-8")
    assert_download(client.get(f"/finance/exports/invoices.si?{period}"), f"fakturor-{day}-{day}.si",
                    "text/plain; charset=cp437")


def test_api_invoice_documents_keep_their_names(app, client, invoice_number):
    """Does the API send the invoice PDF and XML as safe, uncached attachments?"""
    with app.app_context():
        token = create_token(db.session.get(User, invoice_number["finance"]).email, now=utcnow())[1]
    headers = {"Authorization": f"Bearer {token}"}
    number = invoice_number["number"]
    assert_download(client.get(f"/api/v1/invoices/{number}.pdf", headers=headers), f"faktura-{number}.pdf",
                    "application/pdf")
    assert_download(client.get(f"/api/v1/invoices/{number}.xml", headers=headers), f"faktura-{number}.xml",
                    "application/xml; charset=utf-8")


@pytest.mark.parametrize("number", ['1"', "1;x=2", "1%0D%0ASet-Cookie:%20x=1", "%C2%B9"])
def test_an_invoice_number_that_is_not_digits_never_reaches_a_header(client, invoice_number, number):
    """Is an invoice "number" with a quote, semicolon, line break or non-ASCII digit simply not found?"""
    log_in(client, invoice_number["finance"])
    for url in (f"/finance/invoices/{number}.pdf", f"/finance/invoices/{number}.xml"):
        response = client.get(url)
        assert response.status_code == 404 and "Content-Disposition" not in response.headers


def test_calendars_may_be_cached_and_keep_their_name(app, client):
    """Are the public calendars cacheable (no attendee data) and is the event's file still <slug>.ics?"""
    with app.app_context():
        make_event(utcnow(), slug="frukost", title='Frukost; "möte"\r\nX: y')
    one = client.get("/events/frukost/calendar.ics")
    assert one.status_code == 200 and one.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert disposition_parts(one) == ("attachment", "frukost.ics", "frukost.ics")
    assert one.headers["Cache-Control"] == "public, max-age=900"
    feed = client.get("/calendar.ics")
    assert feed.status_code == 200 and "Content-Disposition" not in feed.headers
    assert feed.headers["Cache-Control"] == "public, max-age=900"


@pytest.fixture
def hostile_event(app, client):
    """An event whose slug has a quote, a semicolon, CR/LF and non-ASCII, written past the event service."""
    now = utcnow()
    with app.test_request_context():
        event = make_event(now, slug=HOSTILE_SLUG)
        register(event, now)
        organiser = staff("organiser")
        run = badges.start_run(event.id, BadgeOptions(), actor=organiser, now=now)
        badges.process_run(run.id, utcnow)
        return {"run": run.id, "organiser": organiser.id}


@pytest.mark.parametrize(("path", "filename", "logged_in"), [
    ("/admin/events/{slug}/attendees.csv", "{slug}-deltagare.csv", True),
    ("/admin/events/{slug}/attendees.xlsx", "{slug}-deltagare.xlsx", True),
    ("/admin/events/{slug}/door-list.pdf", "{slug}-dorrlista.pdf", True),
    ("/admin/events/{slug}/badges/runs/{run}.pdf", "namnbrickor-{slug}-{run}.pdf", True),
    ("/events/{slug}/calendar.ics", "{slug}.ics", False),
])
def test_a_slug_that_got_past_the_rules_cannot_break_the_header(client, hostile_event, path, filename, logged_in):
    """If a slug with '"', ';', CR/LF and 'Ä' were in the database, would every download's header still hold?"""
    if logged_in:
        log_in(client, hostile_event["organiser"])
    response = client.get(path.format(slug=quote(HOSTILE_SLUG, safe=""), run=hostile_event["run"]))
    assert response.status_code == 200
    assert not [cookie for cookie in response.headers.getlist("Set-Cookie") if cookie.startswith("x=")]
    _, plain, extended = disposition_parts(response)
    assert plain == filename.format(slug="a_b_cSet-Cookie_x_1_Alvsbyn", run=hostile_event["run"])
    without_line_break = HOSTILE_SLUG.replace("\r\n", "")
    assert extended == quote(filename.format(slug=without_line_break, run=hostile_event["run"]), safe="")


@pytest.mark.parametrize("slug", ['a"b', "a;b", "a\r\nb", "möte", "a b", "A-b"])
def test_the_event_service_refuses_such_slugs(ctx, slug):
    """Can an organiser or the API give an event a slug with quotes, semicolons, CR/LF or non-ASCII?"""
    now = utcnow()
    source = make_event(now)
    with pytest.raises(ValidationFailed) as error:
        save_event(slug, EventData.from_event(source), actor=None, now=now + timedelta(seconds=1))
    assert "slug" in error.value.errors
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 1


def test_a_hostile_title_gives_a_plain_slug(ctx):
    """Does a title with quotes, semicolons, CR/LF and å, ä, ö become a slug of a-z, 0-9 and hyphens?"""
    slug = slugify('Frukost; "möte"\r\nSet-Cookie: x=1 – Älvsbyn')
    assert SLUG_RE.fullmatch(slug) and slug == "frukost-mote-set-cookie-x-1-alvsbyn"
