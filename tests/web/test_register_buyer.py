"""The registration form collects what an invoice needs when the event has a fee."""
import pytest
from builders import make_event
from conftest import submit
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
