"""The back office as an organiser's browser uses it, and as nobody else may."""
import io
import re
from types import SimpleNamespace

import pytest
from builders import log_in, make_event, make_user, register
from conftest import counted, csrf_token, submit
from crowd import crowd
from openpyxl import load_workbook

from eventapp.database import utcnow
from eventapp.extensions import db, limiter
from eventapp.models import AuditEntry, Event, Registration, TableGroup
from eventapp.services.accounts import create_user

PASSWORD = "ett långt lösenord"


def login(client, app, role: str) -> None:
    """Sign in as a new user with ``role`` without the login form (argon2 costs seconds per login;
    the form itself is exercised in the first test below and in test_auth)."""
    with app.app_context():
        user_id = make_user(f"{role}@example.org", role).id
    log_in(client, user_id)


@pytest.fixture
def organiser(app, client):
    login(client, app, "organiser")
    return client


@pytest.fixture
def event(app):
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=2, title="Nowa Nyfiken på Almedalen")
        first = register(event, now, 1).registration
        register(event, now, 2, first_name="=HYPERLINK(\"http://x\",\"y\")", phone="+46 8 123 45 67")
        waiting = register(event, now, 3).registration
        return SimpleNamespace(slug=event.slug, id=event.id, first=first.id, waiting=waiting.id)


def load(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge_all()
        return obj


NEW_EVENT = {
    "title": "Nowa Nyfiken på Järvaveckan", "kind": "seminar", "series": "Nowa Nyfiken på",
    "venue": "Nowa", "city": "Göteborg", "starts_at": "2031-02-07T08:00", "ends_at": "2031-02-07T10:00",
    "last_registration_day": "2031-02-05", "capacity": "40", "waitlist_enabled": "y", "price": "0",
    "no_show_fee": "250", "charge_late_cancellation": "y",
    "agenda-0-starts": "08:00", "agenda-0-title": "Frukost",
    "agenda-1-starts": "08.30", "agenda-1-title": "Så lyckas du", "agenda-1-speakers": "Rune, Nowa Kommunikation",
}


def test_from_login_to_a_published_event_an_excel_file_and_statistics(app, client):
    with app.app_context():
        create_user("ny@example.org", "organiser", PASSWORD)
        limiter.reset()
    assert submit(client, "/login", {"email": "ny@example.org", "password": PASSWORD}).status_code == 302
    organiser = client
    response = submit(organiser, "/admin/events/new", NEW_EVENT)
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.slug == slug))
        assert (event.no_show_fee, event.capacity, event.series.name) == (25000, 40, "Nowa Nyfiken på")
        assert event.registration_deadline.isoformat() == "2031-02-05T23:00:00+00:00"  # midnight in Stockholm
        assert [(a.title, a.speakers) for a in event.agenda] == [
            ("Frukost", ""), ("Så lyckas du", "Rune, Nowa Kommunikation")]
        assert not event.published
    overview = f"/admin/events/{slug}"
    assert submit(organiser, overview + "/publish", {}, form_url=overview).status_code == 302
    assert "Evenemanget är publicerat." in organiser.get(overview).get_data(as_text=True)
    assert organiser.get(f"/events/{slug}").status_code == 200
    workbook = load_workbook(io.BytesIO(organiser.get(f"/admin/events/{slug}/attendees.xlsx").data))
    assert workbook.active["A1"].value == "Efternamn"
    page = organiser.get(f"/admin/events/{slug}/statistics").get_data(as_text=True)
    assert '<svg role="img"' in page and "0 personer anmälda" in page


def test_edit_shows_the_saved_values_and_records_changes(app, organiser, event):
    page = organiser.get(f"/admin/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="Nowa Nyfiken på Almedalen"' in page
    form = {name: value for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page)
            if name != "row_action"}  # a row's buttons are not sent when the form is saved
    assert '<option selected value="conference">' in page
    form.update(title="Nowa Nyfiken på Almedalen 2031", kind="conference", capacity="3", waitlist_enabled="y")
    response = submit(organiser, f"/admin/events/{event.slug}/edit", form)
    assert response.status_code == 302, re.findall(r'error-message[^>]*>([^<]*)', response.get_data(as_text=True))
    assert load(app, Registration, event.waiting).status == "confirmed"  # the new place went to the waiting list
    log = organiser.get(f"/admin/events/{event.slug}/log").get_data(as_text=True)
    assert "Evenemanget ändrades." in log and "Nowa Nyfiken på Almedalen 2031" in log and "organiser@example.org" in log
    assert "event.updated" not in log


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "Fyll i en rubrik."),
    ({"ends_at": "2031-02-07T07:00"}, "Evenemanget måste sluta efter att det börjar."),
    ({"last_registration_day": "2031-02-09"}, "Sista anmälningsdag kan inte vara efter att evenemanget börjar."),
    ({"capacity": "0"}, "Ange ett tal från 1 till 100000."),
    ({"capacity": "tio"}, "Ange ett heltal."),
    ({"no_show_fee": "-5"}, "Ett belopp kan inte vara negativt."),
    ({"no_show_fee": "NaN"}, "Ange ett belopp i kronor"),
    ({"no_show_fee": "1e400"}, "Ange ett belopp i kronor"),
    ({"no_show_fee": "1 000 000,01"}, "Högst 1 000 000 kr."),
    ({"starts_at": "i morgon"}, "Ange datum och tid"),
    ({"kind": "party"}, "Not a valid choice"),
    ({"agenda-0-starts": "frukost"}, "Ange en tid som 08:30."),
    ({"agenda-1-title": " "}, "Fyll i en rubrik."),
    ({"agenda-1-starts": ""}, "Ange en tid som 08:30."),
    ({"title": "Rad\r\nbrytning"}, "Radbrytningar"),
])
def test_bad_event_input_is_explained_and_nothing_is_stored(app, organiser, changes, message):
    response = submit(organiser, "/admin/events/new", {**NEW_EVENT, **changes})
    assert response.status_code == 422
    assert message.replace("Not a valid choice", "") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_a_price_with_a_decimal_comma(app, organiser):
    response = submit(organiser, "/admin/events/new", {**NEW_EVENT, "no_show_fee": "1 250,50"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Event.no_show_fee)) == 125050


def test_copy_and_cancel(app, organiser, event):
    response = submit(organiser, f"/admin/events/{event.slug}/copy", {"starts_at": "2031-03-07T08:00"})
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(db.select(Event).where(Event.id != event.id))
        assert not copy.published and copy.title == "Nowa Nyfiken på Almedalen"
    refused = submit(organiser, f"/admin/events/{event.slug}/cancel", {"reason": "Sjukdom"})
    assert refused.status_code == 422 and load(app, Event, event.id).cancelled_at is None
    done = submit(organiser, f"/admin/events/{event.slug}/cancel", {"reason": "Sjukdom", "confirm": "y"})
    assert done.status_code == 302 and load(app, Event, event.id).cancelled_at is not None
    again = submit(organiser, f"/admin/events/{event.slug}/cancel", {"confirm": "y"})
    assert "Evenemanget är redan inställt." in again.get_data(as_text=True)


def test_the_attendee_list_searches_and_filters(organiser, event):
    page = organiser.get(f"/admin/events/{event.slug}/attendees?q=andersson+3&status=waitlisted")
    text = page.get_data(as_text=True)
    assert "1 anmälan" in text and "Andersson 3" in text and "Andersson 1" not in text
    for query in ("page=-1", "page=99999999999", "sort=drop", "status=x", "kind=%00", "q=%25", "order=up"):
        assert organiser.get(f"/admin/events/{event.slug}/attendees?{query}").status_code == 200


def test_add_edit_promote_and_cancel_an_attendee(app, organiser, event):
    base = f"/admin/events/{event.slug}/attendees"
    added = submit(organiser, base + "/new", {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org",
                                              "organisation": "Nacka", "organiser_note": "Ringde in"})
    assert added.status_code == 302
    duplicate = submit(organiser, base + "/new", {"first_name": "Å", "last_name": "Ö", "email": "ASA@example.org",
                                                  "organisation": "Nacka"})
    assert duplicate.status_code == 422 and "ASA@example.org är redan anmäld" in duplicate.get_data(as_text=True)
    edit = f"{base}/{event.first}"
    assert submit(organiser, edit, {"first_name": "Anna", "last_name": "Berg", "email": "anna1@example.org",
                                    "organisation": "Nacka", "organiser_note": "Talare"}).status_code == 302
    assert load(app, Registration, event.first).organiser_note == "Talare"
    assert submit(organiser, f"{base}/{event.waiting}/promote", {}, form_url=edit).status_code == 302
    assert load(app, Registration, event.waiting).status == "confirmed"
    assert load(app, Event, event.id).capacity == 3
    assert submit(organiser, f"{edit}/cancel", {}, form_url=edit).status_code == 302
    assert load(app, Registration, event.first).status in ("cancelled", "late_cancelled")
    with app.app_context():
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"registration.added", "registration.updated", "registration.promoted",
            "registration.cancelled"} <= actions


def test_csv_export_is_inert_and_readable(organiser, event):
    response = organiser.get(f"/admin/events/{event.slug}/attendees.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Efternamn;Förnamn;E-post")
    assert ";\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\";" in text and ";+46 8 123 45 67;" in text
    commas = organiser.get(f"/admin/events/{event.slug}/attendees.csv?delimiter=comma").data.decode("utf-8-sig")
    assert commas.splitlines()[0].startswith("Efternamn,Förnamn,E-post")


def test_xlsx_export_has_typed_cells(organiser, event):
    sheet = load_workbook(io.BytesIO(organiser.get(f"/admin/events/{event.slug}/attendees.xlsx").data)).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[header.index("Förnamn")].value: row for row in sheet.iter_rows(min_row=2)}
    hostile = rows["'=HYPERLINK(\"http://x\",\"y\")"]
    assert hostile[header.index("Förnamn")].data_type == "s"
    assert hostile[header.index("Telefon")].value == "+46 8 123 45 67"
    assert hostile[header.index("Anmäld")].is_date
    assert [hostile[header.index(name)].value for name in ("Organisation", "Typ av organisation", "Län")] == [
        "Nacka kommun", "Kommun", "Stockholms län"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_statistics_show_a_long_county_label_whole_in_the_chart_and_the_table(app, organiser):
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=None)
        register(event, now, 1, organisation="Migrationsverket")  # agencies have no county
        register(event, now, 2, organisation="Tillväxtverket")
        register(event, now, 3, organisation="Nacka kommun")
        slug = event.slug
    page = organiser.get(f"/admin/events/{slug}/statistics").get_data(as_text=True)
    chart = re.search(r'<figure[^>]*aria-labelledby="chart-county-caption".*?</figure>', page, re.S).group(0)
    svg, table = chart.split("</svg>")
    labels = [" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text))
              for text in re.findall(r'<text class="chart-label">(.*?)</text>', svg)]
    assert labels == ["Utan län (myndigheter, organisationer)", "Stockholms län"]
    assert "Utan län (myndigheter, organisationer): 2 personer" in svg.split("<desc")[1]
    assert '<th scope="row">Utan län (myndigheter, organisationer)</th>' in table
    assert "…" not in chart


def test_door_list_is_a_pdf(organiser, event):
    response = organiser.get(f"/admin/events/{event.slug}/door-list.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_unknown_things_are_404(organiser, event, app):
    with app.app_context():
        other = make_event(utcnow())
        stranger = register(other, utcnow(), 9).registration.id
    for url in ("/admin/events/nope", "/admin/events/nope/attendees", f"/admin/events/{event.slug}/attendees.pdf",
                f"/admin/events/{event.slug}/attendees/{stranger}", f"/admin/events/{event.slug}/attendees/999999"):
        assert organiser.get(url).status_code == 404


def test_a_post_without_csrf_token_changes_nothing(app, organiser, event):
    assert organiser.post(f"/admin/events/{event.slug}/publish").status_code == 400
    response = organiser.post(f"/admin/events/{event.slug}/attendees/{event.first}/cancel")
    assert response.status_code == 400 and load(app, Registration, event.first).status == "confirmed"


# Access: organisers (and admins) only ---------------------------------------------------------

PAGES = ["/admin/", "/admin/events/new", "/admin/events/{slug}", "/admin/events/{slug}/edit",
         "/admin/events/{slug}/copy", "/admin/events/{slug}/cancel", "/admin/events/{slug}/attendees",
         "/admin/events/{slug}/attendees/new", "/admin/events/{slug}/attendees/{first}",
         "/admin/events/{slug}/attendees.csv", "/admin/events/{slug}/attendees.xlsx",
         "/admin/events/{slug}/door-list.pdf", "/admin/events/{slug}/statistics", "/admin/events/{slug}/log",
         "/admin/events/{slug}/groups"]
ACTIONS = ["/admin/events/{slug}/groups",
           "/admin/events/{slug}/publish", "/admin/events/{slug}/unpublish", "/admin/events/{slug}/cancel",
           "/admin/events/{slug}/attendees/{first}/cancel", "/admin/events/{slug}/attendees/{waiting}/promote",
           "/admin/events/{slug}/attendees/{first}", "/admin/events/new", "/admin/events/{slug}/copy"]


@pytest.mark.parametrize("role", [None, "checkin", "finance"])
def test_only_organisers_see_the_back_office(app, client, event, role):
    if role:
        login(client, app, role)
    for page in PAGES:
        response = client.get(page.format(slug=event.slug, first=event.first))
        assert response.status_code == (403 if role else 302), page
    token = csrf_token(client, "/login")
    for action in ACTIONS:
        url = action.format(slug=event.slug, first=event.first, waiting=event.waiting)
        response = client.post(url, data={"csrf_token": token, "confirm": "y", "starts_at": "2031-01-01T10:00",
                                          "first_name": "X", "last_name": "Y", "email": "x@example.org",
                                          "organisation": "Nacka"})
        assert response.status_code == (403 if role else 302), url
    with app.app_context():
        event_row = db.session.get(Event, event.id)
        assert event_row.published and event_row.cancelled_at is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0
        assert db.session.get(Registration, event.waiting).status == "waitlisted"


def test_an_admin_may(app, client, event):
    login(client, app, "admin")
    assert client.get(f"/admin/events/{event.slug}/attendees").status_code == 200


# Constant queries ---------------------------------------------------------------------------------

def test_list_statistics_and_exports_use_the_same_number_of_queries_at_10_and_10_000(app, organiser):
    with app.app_context():
        now = utcnow()
        small, large = make_event(now, capacity=None), make_event(now, capacity=None)
        crowd(small, 10, now)
        crowd(large, 10_000, now)
        slugs = small.slug, large.slug
    for page in ("attendees", "attendees?sort=organisation&status=confirmed", "statistics", "attendees.csv",
                 "attendees.xlsx"):
        numbers = []
        for slug in slugs:
            organiser.get(f"/admin/events/{slug}/{page}")  # warm: the session's user is loaded the same way
            with counted(app) as statements:
                response = organiser.get(f"/admin/events/{slug}/{page}")
            assert response.status_code == 200
            numbers.append(len(statements))
        assert numbers[0] == numbers[1], (page, numbers)
        assert numbers[1] <= 12, (page, numbers)


def test_groups_are_proposed_adjusted_and_named(app, organiser, event):
    page = f"/admin/events/{event.slug}/groups"
    assert organiser.get(page).status_code == 200
    assert submit(organiser, page, {"group_size": "1"}).status_code == 422
    assert submit(organiser, page, {"group_size": "två"}).status_code == 422
    assert submit(organiser, page, {"group_size": "2"}).status_code == 302
    with app.app_context():
        groups = {g.number: g.id for g in db.session.scalars(db.select(TableGroup))}
    assert len(groups) == 1  # two confirmed people, groups of two
    response = submit(organiser, f"{page}/{groups[1]}", {"name": "Bostad", "leader": "<b>Leyla</b>"}, form_url=page)
    assert response.status_code == 302
    text = organiser.get(page).get_data(as_text=True)
    assert "Grupp 1: Bostad" in text and "&lt;b&gt;Leyla&lt;/b&gt;" in text
    moved = submit(organiser, f"{page}/move", {"registration_id": "abc", "group_id": "1"}, form_url=page)
    assert moved.status_code == 400
