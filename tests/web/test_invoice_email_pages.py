"""The finance pages for invoices sent by e-mail: what the clerk sees, and sending again."""
from datetime import timedelta

import pytest
from builders import log_in
from conftest import submit
from invoice_builders import NACKA, approved_and_issued, no_show, past_event, staff
from sqlalchemy import delete, func, select

from eventapp.extensions import db
from eventapp.models import AuditEntry, OutboxMessage
from eventapp.services import outbox

FORENINGEN = dict(organisation="Föreningen Svenska med baby", organisation_kind="nonprofit",
                  org_number="802400-1235", invoice_reference="Styrelsen", invoice_street="Box 4711",
                  invoice_postcode="411 04", invoice_city="Göteborg")


@pytest.fixture
def issued(app, now):
    """An association's invoice by e-mail (number 1 or 2) and Nacka kommun's by Peppol, and a finance login."""
    with app.test_request_context():
        event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
        no_show(event, at, 1, first_name="Bo", **NACKA)
        no_show(event, at, 2, first_name="Märta", email="marta@example.org", **FORENINGEN)
        db.session.execute(delete(OutboxMessage))  # the confirmations went out weeks ago
        finance = staff("finance")
        invoices = approved_and_issued(event, now, staff("organiser"), finance).invoices
        numbers = {invoice.delivery: invoice.number for invoice in invoices}
        return {"email": numbers["email"], "peppol": numbers["peppol"], "finance": finance.id}


@pytest.fixture
def clerk(client, issued):
    log_in(client, issued["finance"])
    return client


def invoice_messages(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.recipient, m.status) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "invoice").order_by(OutboxMessage.id))]


def test_the_invoice_page_shows_the_waiting_e_mail_and_offers_to_send_again(clerk, issued):
    page = clerk.get(f"/finance/invoices/{issued['email']}").get_data(as_text=True)
    assert "PDF via e-post (marta@example.org)" in page
    assert "Inte än: mejlet väntar på att skickas" in page and "Väntar på att skickas" in page
    assert 'value="marta@example.org"' in page and "Skicka igen med e-post" in page


def test_a_peppol_invoice_page_has_no_e_mail_form(clerk, issued):
    page = clerk.get(f"/finance/invoices/{issued['peppol']}").get_data(as_text=True)
    assert "Peppol-e-faktura" in page and "Skicka med e-post" not in page and "Skicka igen med e-post" not in page


def test_once_delivered_the_list_and_the_page_say_sent(app, clerk, issued, now, smtp_server):
    with app.app_context():
        outbox.deliver_due(now)
    listing = clerk.get("/finance/").get_data(as_text=True)
    assert '<span class="date">2017-01-16</span><br><small>PDF via e-post</small>' in listing
    page = clerk.get(f"/finance/invoices/{issued['email']}").get_data(as_text=True)
    assert "<dt>Skickat</dt><dd>2017-01-16 (PDF via e-post)</dd>" in page
    assert '<span class="state state-open">Skickat</span>' in page


def test_a_failed_e_mail_is_flagged_on_the_list(app, clerk, issued, now, smtp_server):
    smtp_server.recorder.refuse.add("marta@example.org")
    with app.app_context():
        outbox.deliver_due(now)
    listing = clerk.get("/finance/").get_data(as_text=True)
    assert "De här kunde inte mejlas" in listing and "E-post: Misslyckades" in listing
    assert f'href="/finance/invoices/{issued["email"]}#email"' in listing
    page = clerk.get(f"/finance/invoices/{issued['email']}").get_data(as_text=True)
    assert "550 5.1.1" in page


def test_sending_to_a_corrected_address(app, clerk, issued):
    url = f"/finance/invoices/{issued['email']}"
    response = submit(clerk, url + "/email", {"email-recipient": " ekonomi@example.org "}, form_url=url)
    assert response.status_code == 302
    page = clerk.get(url).get_data(as_text=True)
    assert "Mejlet till ekonomi@example.org ligger i kö" in page
    assert "PDF via e-post (ekonomi@example.org)" in page  # where it goes now, not the attendee's address
    assert invoice_messages(app) == [("marta@example.org", "pending"), ("ekonomi@example.org", "pending")]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.email_queued")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.actor_id == issued["finance"] and entry.details["recipient"] == "ekonomi@example.org"


@pytest.mark.parametrize(("recipient", "message"), [
    ("", "Ange e-postadressen som den ska skickas till."),
    ("inte en adress", "Fyll i en e-postadress som namn@example.org."),
    ("åsa@exempel.se", "Vi kan inte skicka e-post till en adress med å, ä, ö eller andra tecken utanför a–z före @. "
                       "Ange en adress utan dem."),
    ("x@example.org\r\nBcc: y@example.org", "Fyll i en e-postadress som namn@example.org."),
])
def test_a_bad_address_is_answered_beside_the_field_and_changes_nothing(app, clerk, issued, recipient, message):
    url = f"/finance/invoices/{issued['email']}"
    response = submit(clerk, url + "/email", {"email-recipient": recipient}, form_url=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error-message" id="email-recipient-error">{message}</p>' in page
    assert invoice_messages(app) == [("marta@example.org", "pending")]


def test_a_second_click_is_refused_with_a_reason(app, clerk, issued):
    url = f"/finance/invoices/{issued['email']}"
    response = submit(clerk, url + "/email", {"email-recipient": "marta@example.org"}, form_url=url)
    assert response.status_code == 422
    assert "väntar redan på att skickas" in response.get_data(as_text=True)
    assert len(invoice_messages(app)) == 1


def test_a_peppol_invoice_is_not_e_mailed_from_the_page(app, clerk, issued):
    url = f"/finance/invoices/{issued['peppol']}"
    response = submit(clerk, url + "/email", {"email-recipient": "ekonomi@example.org"}, form_url=url)
    assert response.status_code == 422 and "Peppol" in response.get_data(as_text=True)
    assert len(invoice_messages(app)) == 1


def test_sending_an_unknown_invoice_is_404(clerk, issued):
    url = f"/finance/invoices/{issued['email']}"
    assert submit(clerk, "/finance/invoices/999/email", {"email-recipient": "a@example.org"},
                  form_url=url).status_code == 404


def test_the_organisers_outbox_page_shows_an_invoice_e_mail_as_it_is_sent(app, client, issued, now):
    with app.test_request_context():
        organiser_id = staff("organiser").id
        message_id = db.session.scalar(select(func.min(OutboxMessage.id)))
    log_in(client, organiser_id)
    assert "Här kommer faktura" in client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    with app.app_context():
        outbox.deliver_due(now + timedelta(seconds=1))
    assert "Här kommer faktura" in client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
