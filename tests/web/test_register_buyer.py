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


def test_buyer_data_is_stored(app, client, slug):
    url = f"/events/{slug}/register"
    response = submit(client, url, {**FORM, "peppol_id": " 0007:5569999997 ",
                                    "invoice_address": "Box 12\n111 22 Stockholm"})
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.peppol_id == "0007:5569999997"
        assert registration.invoice_address == "Box 12\n111 22 Stockholm"
        assert registration.org_number == "556999-9997"


@pytest.mark.parametrize("bad", ["5569999997", "0007:5569999998", "7:123", "0088:" + "1" * 60, "0007:<script>"])
def test_a_bad_peppol_id_is_refused_beside_its_field_and_nothing_is_stored(app, client, slug, bad):
    response = submit(client, f"/events/{slug}/register", {**FORM, "peppol_id": bad})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="peppol_id-error"' in page
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None
