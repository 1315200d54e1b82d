"""The registration form as a booker uses it for colleagues, and the group page /g/<token>."""
import re
from types import SimpleNamespace

import pytest
from builders import attendee, log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Booking, DiscountCode, Event, Invoice, OutboxMessage, Registration
from eventapp.services import booking_mail
from eventapp.services.group_booking import BookingRequest, book

BOOKER = {
    "first_name": "Karin", "last_name": "Lind", "email": "karin@example.org", "organisation": "Nacka kommun",
    "job_title": "Samordnare", "org_number": "212000-0142", "invoice_reference": "KS-4711",
    "invoice_street": "Granitvägen 15", "invoice_postcode": "131 81", "invoice_city": "Nacka", "consent": "y",
}


def colleagues(count: int, start: int = 0) -> dict:
    data = {}
    for n in range(start, start + count):
        data.update({f"colleagues-{n}-first_name": "Kollega", f"colleagues-{n}-last_name": f"Nummer {n}",
                     f"colleagues-{n}-email": f"kollega{n}@example.org"})
    return data


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(utcnow(), capacity=4)
        return SimpleNamespace(id=event.id, slug=event.slug)


def stored(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(r.email, r.status) for r in db.session.scalars(db.select(Registration).order_by(Registration.id))]


def test_the_form_has_the_colleague_rows_and_the_booker_only_box_when_asked(client, event):
    alone = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'name="colleagues-0-email"' not in alone and "colleagues=3" in alone
    page = client.get(f"/events/{event.slug}/register?colleagues=3").get_data(as_text=True)
    for name in ("colleagues-0-first_name", "colleagues-0-last_name", "colleagues-0-email", "colleagues-0-job_title",
                 "colleagues-0-dietary", "colleagues-2-email", "booker_not_attending"):
        assert f'name="{name}"' in page


def test_a_booker_and_four_colleagues_for_four_places_lists_each_person(app, client, event):
    response = submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(4)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Bekräftad") == 4 and page.count("På väntelistan") == 1
    assert stored(app)[-1] == ("kollega3@example.org", "waitlisted")
    assert "karin@example.org" in page


def test_rows_left_blank_in_between_are_no_one(app, client, event):
    data = {**BOOKER, **colleagues(1, start=2), "booker_not_attending": "y"}
    submit(client, f"/events/{event.slug}/register", data)
    assert stored(app) == [("kollega2@example.org", "confirmed")]


def test_a_wrong_colleague_address_is_shown_beside_that_field_and_nothing_is_stored(app, client, event):
    data = {**BOOKER, **colleagues(3), "colleagues-1-email": "inte-en-adress"}
    response = submit(client, f"/events/{event.slug}/register", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="colleagues-1-email-error"' in page
    assert 'value="kollega2@example.org"' in page  # the rest of the form is kept
    assert stored(app) == []


def test_a_colleague_already_registered_is_named_and_nothing_is_stored(app, client, event):
    with app.app_context():
        register(db.session.get(Event, event.id), utcnow(), 1,
                 first_name="Bertil", last_name="Berg", email="kollega1@example.org")
    response = submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(2)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bertil Berg" in page and 'id="colleagues-1-email-error"' in page
    assert len(stored(app)) == 1


def test_a_group_too_big_for_an_event_without_a_waiting_list_is_told_why(app, client):
    with app.app_context():
        slug = make_event(utcnow(), capacity=2, waitlist_enabled=False).slug
    response = submit(client, f"/events/{slug}/register", {**BOOKER, **colleagues(2)})
    assert response.status_code == 422
    assert "inget bokades" in response.get_data(as_text=True).lower()
    assert stored(app) == []


def group_link(app) -> str:
    with app.app_context():
        message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == booking_mail.SUMMARY))
        text, store = booking_mail.compose(message)
        store()
        db.session.commit()
    text = text.replace("=\n", "")
    return re.search(r"http://[^/\s]+(/g/[A-Za-z0-9_\-]+)", text).group(1)


def test_the_group_page_adds_a_colleague_and_cancels_one(app, client, event):
    submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(1)})
    link = group_link(app)
    page = client.get(link).get_data(as_text=True)
    assert "Karin Lind" in page and "kollega0@example.org" in page
    response = submit(client, f"{link}/add", {"first_name": "Ny", "last_name": "Person", "email": "ny@example.org"},
                      form_url=link, follow_redirects=True)
    assert "ny@example.org" in response.get_data(as_text=True)
    with app.app_context():
        colleague = db.session.scalar(db.select(Registration).where(Registration.email == "kollega0@example.org"))
    response = submit(client, f"{link}/people/{colleague.id}/cancel", {}, follow_redirects=True)
    assert response.status_code == 200
    assert ("kollega0@example.org", "cancelled") in stored(app)


def test_the_group_page_sends_another_colleague_instead(app, client, event):
    submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(1)})
    link = group_link(app)
    with app.app_context():
        colleague = db.session.scalar(db.select(Registration).where(Registration.email == "kollega0@example.org"))
    response = submit(client, f"{link}/people/{colleague.id}/transfer",
                      {"first_name": "Ersättare", "last_name": "Ek", "email": "ek@example.org", "confirm": "y"},
                      follow_redirects=True)
    assert response.status_code == 200
    assert ("ek@example.org", "confirmed") in stored(app)


@pytest.mark.parametrize("path", ["/g/nonsense", "/g/" + "x" * 40, "/g/" + "x" * 40 + "/people/1/cancel"])
def test_a_wrong_group_link_is_404(client, path):
    assert client.get(path).status_code == 404


def test_another_bookings_person_is_404_on_the_group_page(app, client, event):
    submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(1)})
    link = group_link(app)
    with app.app_context():
        other = register(db.session.get(Event, event.id), utcnow(), 7).registration_id
    assert client.get(f"{link}/people/{other}/cancel").status_code == 404


def test_a_paid_booking_with_a_used_up_code_keeps_the_form(app, client):
    with app.app_context():
        paid = make_event(utcnow(), price=150000)
        db.session.add(DiscountCode(event_id=paid.id, code="MEDLEM", percent=20, max_uses=1, uses=1))
        db.session.commit()
        slug = paid.slug
    response = submit(client, f"/events/{slug}/register", {**BOOKER, **colleagues(1), "discount_code": "medlem"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="discount_code-error"' in page and 'value="kollega0@example.org"' in page
    assert stored(app) == []


def test_a_paid_booking_is_invoiced_at_once(app, client):
    with app.app_context():
        slug = make_event(utcnow(), price=150000).slug
    submit(client, f"/events/{slug}/register", {**BOOKER, **colleagues(2)})
    with app.app_context():
        (invoice,) = db.session.scalars(db.select(Invoice)).all()
        assert len(invoice.lines) == 3
        assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1


def test_finance_sees_a_held_back_booking_with_the_reason_completes_it_and_issues_it(app, client):
    with app.app_context():
        slug = make_event(utcnow(), price=150000).slug
    company = {**BOOKER, "organisation": "Exempelbolaget AB", "org_number": ""}
    submit(client, f"/events/{slug}/register", {**company, **colleagues(1)})
    with app.app_context():
        finance = make_user("ekonomi@example.org", "finance").id
        first = db.session.scalar(db.select(Registration).order_by(Registration.id)).id
    staff = app.test_client()
    log_in(staff, finance)
    page = staff.get("/finance/").get_data(as_text=True)
    assert "Karin Lind" in page and "Organisationsnummer saknas" in page
    submit(staff, f"/finance/registrations/{first}/buyer", {"org_number": "556999-9997", "peppol_id": ""},
           form_url="/finance/")
    response = submit(staff, f"/finance/events/{slug}/bookings/issue", {}, form_url="/finance/", follow_redirects=True)
    assert "Organisationsnummer saknas" not in response.get_data(as_text=True)
    with app.app_context():
        (invoice,) = db.session.scalars(db.select(Invoice)).all()
        assert invoice.buyer_org_number == "556999-9997" and len(invoice.lines) == 2


def test_the_event_page_and_its_preview_show_the_early_bird_price(app, client):
    from datetime import timedelta

    with app.app_context():
        now = utcnow()
        slug = make_event(now, price=150000, early_bird_price=120000, early_bird_until=now + timedelta(days=2),
                          published=False).slug
        organiser = make_user("arr@example.org", "organiser").id
    log_in(client, organiser)
    page = client.get(f"/admin/events/{slug}/preview")
    text = " ".join(page.get_data(as_text=True).replace("\xa0", " ").split())
    assert page.status_code == 200 and "Rabatterat pris 1 200 kr vid bokning före" in text
    with app.app_context():
        db.session.execute(db.update(Event).values(published=True))
        db.session.commit()
    text = " ".join(client.get(f"/events/{slug}").get_data(as_text=True).replace("\xa0", " ").split())
    assert "Rabatterat pris 1 200 kr" in text


@pytest.mark.parametrize("data", [
    {"colleagues-²-email": "x@example.org"},
    {"colleagues-99999999999999999999-email": "x@example.org"},
    {f"colleagues-{n}-email": f"k{n}@example.org" for n in range(40)},
    {"colleagues-0-email": "a@example.org", "colleagues-0-first_name": "\x00"},
    {"colleagues": "x", "booker_not_attending": "y"},
])
def test_odd_colleague_rows_get_an_answer_not_a_500_and_store_nothing_wrong(app, client, event, data):
    response = submit(client, f"/events/{event.slug}/register", {**BOOKER, **data})
    assert response.status_code in (302, 400, 422)  # 400: a NUL character is refused before the form
    assert all(email != "x@example.org" for email, _ in stored(app))


def test_the_attendee_list_says_who_booked_a_colleague(app, client, event):

    submit(client, f"/events/{event.slug}/register", {**BOOKER, **colleagues(1)})
    with app.app_context():
        organiser = make_user("arr@example.org", "organiser").id
    staff = app.test_client()
    log_in(staff, organiser)
    page = staff.get(f"/admin/events/{event.slug}/attendees").get_data(as_text=True)
    assert page.count("Bokad av Karin Lind") == 1  # beside the colleague, not the booker


def test_the_same_booking_sent_again_shows_it_again_but_not_to_another_browser(app, client, event):
    data = {**BOOKER, **colleagues(2)}
    first = submit(client, f"/events/{event.slug}/register", data, follow_redirects=True)
    again = submit(client, f"/events/{event.slug}/register", data, follow_redirects=True)
    assert again.status_code == 200 and "kollega1@example.org" in again.get_data(as_text=True)
    assert "kollega1@example.org" in first.get_data(as_text=True)
    stranger = app.test_client()
    page = submit(stranger, f"/events/{event.slug}/register", data, follow_redirects=True).get_data(as_text=True)
    assert "kollega1@example.org" not in page and "karin@example.org" in page
    assert len(stored(app)) == 3


def test_finance_sees_a_held_back_booking_with_its_reason_and_the_buyers_fields(app, client):
    """A paid booking without an organisation number: does finance see why it is held back, and the
    fields to complete the buyer with?"""


    with app.app_context():
        event = make_event(utcnow(), price=150000)
        book(event.id, BookingRequest(attendee(1, organisation="Exempelbolaget AB")), utcnow())
        log_in(client, make_user("finance@example.org", "finance").id)
    page = client.get("/finance/").get_data(as_text=True)
    assert "Organisationsnummer saknas" in page
    booking_fields = re.findall(r'<input id="(\w+)-booking-\d+" name="(\w+)"', page)
    assert [name for _, name in booking_fields] == [
        "org_number", "peppol_id", "invoice_street", "invoice_postcode", "invoice_city"]
