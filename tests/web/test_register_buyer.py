"""The registration form collects what an invoice needs when the event has a fee."""
import pytest
from builders import make_event
from conftest import csrf_token, submit
from sqlalchemy import select

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration

FORM = {
    "first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Exempelbolaget AB",
    "organisation_kind": "company", "org_number": "556999-9997", "invoice_reference": "Inköp 7", "consent": "y",
}


@pytest.fixture
def slug(app):
    with app.app_context():
        return make_event(utcnow(), no_show_fee=25000).slug


def test_the_form_asks_for_peppol_id_and_invoice_address_when_there_is_a_fee(client, slug):
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert 'name="peppol_id"' in page and 'name="invoice_address"' in page and 'name="org_number"' in page
    for name in ("invoice_street", "invoice_postcode", "invoice_city"):
        assert f'name="{name}"' in page


def test_buyer_data_is_stored(app, client, slug):
    url = f"/events/{slug}/register"
    response = submit(client, url, {**FORM, "peppol_id": " 0007:5569999997 ", "invoice_street": "Box 12",
                                    "invoice_postcode": "11122", "invoice_city": "Stockholm",
                                    "invoice_address": "c/o Ekonomi"})
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.peppol_id == "0007:5569999997"
        assert (registration.invoice_street, registration.invoice_postcode, registration.invoice_city) == (
            "Box 12", "111 22", "Stockholm")
        assert registration.invoice_address == "c/o Ekonomi"
        assert registration.org_number == "556999-9997"


@pytest.mark.parametrize(("given", "errors"), [
    ({"invoice_street": "Box 12"}, {"invoice_postcode": "Ange postnummer för fakturan.",
                                    "invoice_city": "Ange ort för fakturan."}),
    ({"invoice_street": "Box 12", "invoice_postcode": "1112", "invoice_city": "Stockholm"},
     {"invoice_postcode": "Ange ett svenskt postnummer med fem siffror, t.ex. 131 81."}),
])
def test_half_an_invoice_address_is_refused_beside_its_fields(app, client, slug, given, errors):
    response = submit(client, f"/events/{slug}/register", {**FORM, **given})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name, message in errors.items():
        assert f'<p class="error-message" id="{name}-error">{message}</p>' in page
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None


@pytest.mark.parametrize(("bad", "message"), [
    ("9999:abc", "9999 är inget Peppol-schema"),
    ("0088:7300010000002", "7300010000002 är inte ett GLN med 13 siffror med rätt kontrollsiffra"),
])
def test_a_peppol_id_of_an_unknown_scheme_or_a_wrong_check_digit_is_refused_with_a_clear_message(
        app, client, slug, bad, message):
    response = submit(client, f"/events/{slug}/register", {**FORM, "peppol_id": bad})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split('id="peppol_id-error">')[1].split("</p>")[0]
    assert message in error
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None


@pytest.mark.parametrize("bad", ["5569999997", "0007:5569999998", "7:123", "0088:" + "1" * 60, "0007:<script>"])
def test_a_bad_peppol_id_is_refused_beside_its_field_and_nothing_is_stored(app, client, slug, bad):
    response = submit(client, f"/events/{slug}/register", {**FORM, "peppol_id": bad})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="peppol_id-error"' in page
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None


def test_the_form_offers_the_invoice_address_the_organisation_gave_before(app, client, slug):
    first = submit(client, f"/events/{slug}/register", {
        **FORM, "invoice_street": "Storgatan 1", "invoice_postcode": "111 22", "invoice_city": "Stockholm",
        "invoice_address": "inkop@example.org"})
    assert first.status_code == 302
    colleague = app.test_client()
    url = f"/events/{slug}/invoice-details"
    token = csrf_token(colleague, f"/events/{slug}/register")
    page = colleague.get(f"/events/{slug}/register").get_data(as_text=True)
    assert f'data-invoice-details="{url}"' in page
    asked = {"csrf_token": token, "organisation": "Exempelbolaget AB", "org_number": "5569999997"}
    response = colleague.post(url, data=asked)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"found": True, "invoice_street": "Storgatan 1", "invoice_postcode": "111 22",
                                   "invoice_city": "Stockholm", "peppol_id": ""}
    assert colleague.post(url, data={**asked, "org_number": "556677-8899"}).get_json() == {"found": False}
    wrong = colleague.post(url, data={**asked, "org_number": "12"})
    assert wrong.status_code == 422 and "org_number" in wrong.get_json()["errors"]
    assert colleague.post(url, data={k: v for k, v in asked.items() if k != "csrf_token"}).status_code == 400


def test_no_invoice_details_are_offered_for_an_event_without_a_fee(app, client):
    with app.app_context():
        free = make_event(utcnow(), slug="gratis").slug
    token = csrf_token(client, f"/events/{free}/register")
    response = client.post(f"/events/{free}/invoice-details",
                           data={"csrf_token": token, "organisation": "Nacka kommun", "org_number": "2120000142"})
    assert response.status_code == 404
