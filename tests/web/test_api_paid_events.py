"""The API of paid events and group bookings: the price settings, bookings and invoice numbers per
registration, and an event's invoices for finance."""
from datetime import timedelta

import pytest
from builders import attendee, make_user

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.services.api_tokens import create_token
from eventapp.services.cancellation import cancel_registration
from eventapp.services.group_booking import BookingRequest, Colleague, book

NACKA = dict(organisation="Nacka kommun", org_number="212000-0142", invoice_reference="KS-4711",
             invoice_street="Granitvägen 15", invoice_postcode="131 81", invoice_city="Nacka")
EVENT = {
    "title": "Kommunikation och integration", "kind": "conference",
    "starts_at": "2027-02-15T09:00:00+01:00", "ends_at": "2027-02-15T16:00:00+01:00",
    "capacity": 120, "waitlist": True, "registration_opens_at": "2026-12-01T00:00:00+01:00",
    "registration_deadline": "2027-02-08T00:00:00+01:00", "published": True,
    "price": 150000, "vat": "standard", "invoice_timing": "on_registration",
    "early_bird_price": 120000, "early_bird_until": "2027-01-01T00:00:00+01:00",
    "discount_codes": [{"code": "MEDLEM", "percent": 20, "max_uses": 50}, {"code": "PARTNER", "amount": 50000}],
}


@pytest.fixture
def call(app, client):
    now = utcnow()
    with app.app_context():
        tokens = {}
        for role in ("organiser", "finance", "checkin"):
            make_user(f"{role}@example.org", role)
            tokens[role] = create_token(f"{role}@example.org", now=now)[1]

    def call(method, url, role, **kwargs):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {tokens[role]}"}, **kwargs)

    return call


def test_put_sets_the_price_vat_timing_and_discount_codes(call):
    created = call("PUT", "/api/v1/events/konferens", "organiser", json=EVENT)
    assert created.status_code == 201, created.json
    event = call("GET", "/api/v1/events/konferens", "organiser").json
    assert (event["price"], event["vat"], event["invoice_timing"]) == (150000, "standard", "on_registration")
    assert event["early_bird_price"] == 120000
    assert [(c["code"], c["percent"], c["amount"], c["max_uses"], c["uses"]) for c in event["discount_codes"]] == [
        ("MEDLEM", 20, None, 50, 0), ("PARTNER", None, 50000, None, 0)]
    updated = call("PUT", "/api/v1/events/konferens", "organiser",
                   json={"vat": "outside_scope", "vat_exemption_reason": "Ideell verksamhet",
                         "invoice_timing": "after_event"})
    assert updated.status_code == 200
    assert (updated.json["vat"], updated.json["invoice_timing"]) == ("outside_scope", "after_event")
    assert len(updated.json["discount_codes"]) == 2  # left as they were


@pytest.mark.parametrize("change, field", [
    ({"vat": "zero"}, "vat"),
    ({"invoice_timing": "later"}, "invoice_timing"),
    ({"discount_codes": [{"code": "X", "percent": 20, "amount": 100}]}, "discount_codes"),
    ({"discount_codes": [{"code": "X", "percent": 120}]}, "discount_codes[0].percent"),
    ({"discount_codes": [{"percent": 20}]}, "discount_codes[0].code"),
    ({"early_bird_price": 200000}, "early_bird_price"),
])
def test_wrong_price_settings_are_422_and_change_nothing(call, change, field):
    response = call("PUT", "/api/v1/events/konferens", "organiser", json={**EVENT, **change})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert call("GET", "/api/v1/events/konferens", "organiser").status_code == 404


def test_registrations_carry_their_booking_and_invoice_number_and_finance_lists_the_invoices(app, call):
    call("PUT", "/api/v1/events/konferens", "organiser", json=EVENT)
    with app.test_request_context():
        from eventapp.models import Event
        event = db.session.scalar(db.select(Event).where(Event.slug == "konferens"))
        now = event.registration_opens_at + timedelta(days=40)
        result = book(event.id, BookingRequest(attendee(1, **NACKA), [Colleague("Omar", "Haddad", "omar@example.org"),
                                                                     Colleague("Åsa", "Öberg", "asa@example.org")]),
                      now)
        cancel_registration(result.people[2].registration_id, now + timedelta(days=1))
    listed = call("GET", "/api/v1/events/konferens/registrations", "organiser").json
    assert {r["booking"] for r in listed} == {result.booking_id}
    assert [r["invoice_number"] for r in listed] == [1, 1, 1]
    invoices = call("GET", "/api/v1/events/konferens/invoices", "finance").json
    assert [(i["number"], i["kind"], i["credits"], i["total_amount"]) for i in invoices] == [
        (1, "invoice", None, 562500), (2, "credit_note", 1, -187500)]
    assert call("GET", "/api/v1/events/konferens/invoices", "organiser").status_code == 403
