"""The organiser's no-show pages and the finance pages: who may do what, and what each shows."""
import re
from datetime import timedelta

import pytest
from builders import log_in
from conftest import submit
from invoice_builders import NACKA, attended, no_show, past_event, staff
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, EventBilling, Invoice, NoShowCharge, Registration
from eventapp.services import invoicing, noshow


@pytest.fixture
def scenario(app, now):
    """A breakfast seminar that has ended: one attended, two no-shows from Nacka kommun."""
    with app.test_request_context():
        event, at = past_event(now, title="Nowa Nyfiken på Almedalen", slug="nyfiken")
        attended(event, at, 1)
        no_show(event, at, 2, first_name="Bo", **NACKA)
        ill = no_show(event, at, 3, first_name="Ida", **NACKA)
        users = {role: staff(role) for role in ("organiser", "finance", "checkin", "admin")}
        return {"event_id": event.id, "ill": ill.id, "users": {r: u.id for r, u in users.items()}}


@pytest.fixture
def login(client, scenario):
    """Log the client in as the scenario's user with ``role`` (the login form itself is tested elsewhere)."""

    def as_role(role):
        log_in(client, scenario["users"][role])

    return as_role


def approve_and_issue(app, scenario, now):
    from eventapp.models import User

    with app.test_request_context():
        organiser = db.session.get(User, scenario["users"]["organiser"])
        finance = db.session.get(User, scenario["users"]["finance"])
        noshow.approve_no_shows(scenario["event_id"], actor=organiser, now=now)
        return invoicing.issue_invoices(scenario["event_id"], actor=finance, now=now).invoices[0].number


ORGANISER_PAGES = ["/admin/no-shows", "/admin/events/nyfiken/no-shows"]
FINANCE_PAGES = ["/finance/", "/finance/invoices/1", "/finance/invoices/1.pdf", "/finance/invoices/1.xml",
                 "/finance/exports/invoices.csv?date_from=2017-01-01&date_to=2017-12-31",
                 "/finance/exports/invoices.si?date_from=2017-01-01&date_to=2017-12-31"]


@pytest.mark.parametrize("url", ORGANISER_PAGES + FINANCE_PAGES)
def test_pages_need_a_login(client, scenario, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["finance", "checkin"])
@pytest.mark.parametrize("url", ORGANISER_PAGES)
def test_no_show_pages_are_for_organisers(login, client, scenario, role, url):
    login(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["organiser", "checkin"])
@pytest.mark.parametrize("url", FINANCE_PAGES)
def test_finance_pages_are_for_finance(app, login, client, scenario, now, role, url):
    approve_and_issue(app, scenario, now)
    login(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["organiser", "checkin"])
def test_finance_actions_by_others_are_refused_and_change_nothing(app, login, client, scenario, now, role):
    with app.test_request_context():
        from eventapp.models import User

        noshow.approve_no_shows(scenario["event_id"], actor=db.session.get(User, scenario["users"]["organiser"]),
                                now=now)
    login(role)
    page = client.get("/").get_data(as_text=True)  # the logout form in the header carries a token
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/finance/events/nyfiken/issue", data={"csrf_token": csrf})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Invoice.id)) is None


def test_organiser_waives_with_a_reason_and_approves(app, login, client, scenario, now):
    login("organiser")
    page = client.get("/admin/events/nyfiken/no-shows").get_data(as_text=True)
    assert "Bo Andersson 2" in page and "Ida Andersson 3" in page and "Anna Andersson 1" not in page
    url = "/admin/events/nyfiken/no-shows"
    refused = submit(client, url + "/waive", {"registration": scenario["ill"], "reason": ""}, form_url=url)
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(NoShowCharge.id)) is None
    done = submit(client, url + "/waive", {"registration": scenario["ill"], "reason": "Sjuk"}, form_url=url)
    assert done.status_code == 302
    approved = submit(client, url + "/approve", {}, form_url=url)
    assert approved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Godkänd" in page and "Efterskänkt: Sjuk" in page
    with app.app_context():
        assert db.session.get(EventBilling, scenario["event_id"]).approved_at is not None


def test_waiving_a_registration_of_another_event_is_refused(app, login, client, scenario, now):
    with app.test_request_context():
        other, at = past_event(now, slug="annat")
        stranger = no_show(other, at, 9).id
    login("organiser")
    url = "/admin/events/nyfiken/no-shows"
    response = submit(client, url + "/waive", {"registration": stranger, "reason": "x"}, form_url=url)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(NoShowCharge.id)) is None


def test_outside_vat_needs_a_reason_on_the_form(app, login, client, scenario):
    login("organiser")
    url = "/admin/events/nyfiken/no-shows"
    response = submit(client, url + "/vat", {"vat_treatment": "outside_scope", "vat_exemption_reason": ""},
                      form_url=url)
    assert response.status_code == 422
    assert "skälet skrivs ut på fakturan" in response.get_data(as_text=True)
    response = submit(client, url + "/vat", {"vat_treatment": "bogus"}, form_url=url)
    assert response.status_code == 422


def test_finance_issues_with_one_click_and_follows_up(app, login, client, scenario, now):
    with app.test_request_context():
        from eventapp.models import User

        noshow.approve_no_shows(scenario["event_id"], actor=db.session.get(User, scenario["users"]["organiser"]),
                                now=now)
    login("finance")
    listing = client.get("/finance/").get_data(as_text=True)
    assert "Nowa Nyfiken på Almedalen" in listing and "Fakturera" in listing
    issued = submit(client, "/finance/events/nyfiken/issue", {}, form_url="/finance/")
    assert issued.status_code == 302
    again = submit(client, "/finance/events/nyfiken/issue", {}, form_url="/finance/invoices/1")
    assert again.status_code == 302
    with app.app_context():
        [invoice] = db.session.scalars(select(Invoice)).all()
        number, issue_date = invoice.number, invoice.issue_date
    page = client.get(f"/finance/invoices/{number}").get_data(as_text=True)
    assert "Nacka kommun" in page and "625\u00a0kr" in page
    assert client.get(f"/finance/invoices/{number}.pdf").data.startswith(b"%PDF")
    assert b"<cbc:ID>1</cbc:ID>" in client.get(f"/finance/invoices/{number}.xml").data
    url = f"/finance/invoices/{number}"
    later = (issue_date + timedelta(days=400)).isoformat()
    future = submit(client, url + "/payments", {"paid-date": later}, form_url=url)
    assert future.status_code == 422
    bad = submit(client, url + "/payments", {"paid-date": issue_date.isoformat(), "paid-amount": "tolv"}, form_url=url)
    assert bad.status_code == 422
    assert submit(client, url + "/sent", {"sent-date": issue_date.isoformat()}, form_url=url).status_code == 302
    paid = submit(client, url + "/payments", {"paid-date": issue_date.isoformat(), "paid-amount": "125,50"},
                  form_url=url)
    assert paid.status_code == 302
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert invoice.status == "sent" and invoice.balance == 62500 - 12550
    nothing_ticked = submit(client, url + "/credit", {"reason": "Fel"}, form_url=url)
    assert nothing_ticked.status_code == 422
    assert "Kryssa i raderna som ska krediteras, eller hela fakturan." in nothing_ticked.get_data(as_text=True)
    no_reason = submit(client, url + "/credit", {"whole": "y"}, form_url=url)
    assert no_reason.status_code == 422 and "Ange orsaken till kreditfakturan" in no_reason.get_data(as_text=True)
    confirm = submit(client, url + "/credit", {"whole": "y", "reason": "Fel"}, form_url=url)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Bekräfta kreditfakturan" in page and "625\u00a0kr" in page
    with app.app_context():
        assert db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note")) is None
    lines = re.findall(r'name="lines" value="(\d+)"', page)
    credit = submit(client, url + "/credit", {"lines": lines, "reason": "Fel", "confirmed": "yes"}, form_url=url)
    assert credit.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note")).total_amount == -62500
    owed = client.get(url).get_data(as_text=True)
    assert "Att betala tillbaka till köparen" in owed and "125,50\u00a0kr" in owed
    token = re.search(r'name="refund-csrf_token" type="hidden" value="([^"]+)"', owed).group(1)
    refund = client.post(url + "/refunds", data={"refund-csrf_token": token, "refund-date": issue_date.isoformat()})
    assert refund.status_code == 302
    with app.app_context():
        invoice = db.session.get(Invoice, invoice.id)
        assert invoice.owed_back == 0 and invoice.refunded_amount == 12550
    sie = client.get(f"/finance/exports/invoices.si?date_from={issue_date}&date_to={issue_date}")
    assert sie.status_code == 200 and sie.data.count(b"#VER") == 4
    assert sie.headers["Content-Disposition"].endswith('.si"') or ".si" in sie.headers["Content-Disposition"]
    csv = client.get(f"/finance/exports/invoices.csv?date_from={issue_date}&date_to={issue_date}")
    assert csv.data.decode("utf-8-sig").count("\r\n") == 3


@pytest.mark.parametrize("query", ["", "?date_from=2017-02-01", "?date_from=x&date_to=y",
                                   "?date_from=2017-03-01&date_to=2017-02-01"])
def test_exports_without_a_valid_period_are_a_clear_400(login, client, scenario, query):
    login("finance")
    assert client.get("/finance/exports/invoices.csv" + query).status_code == 400


@pytest.mark.parametrize("query", ["?status=bogus", "?date_from=31/12", "?buyer=" + "x" * 300])
def test_bad_filters_do_not_break_the_list(login, client, scenario, query):
    login("finance")
    assert client.get("/finance/" + query).status_code == 200


def test_unknown_invoice_is_404(login, client, scenario):
    login("finance")
    assert client.get("/finance/invoices/999").status_code == 404
    assert client.get("/finance/invoices/999.pdf").status_code == 404


def test_finance_fills_in_a_missing_organisation_number(app, login, client, scenario, now):
    with app.test_request_context():
        event = db.session.get(Event, scenario["event_id"])
        sam = no_show(event, event.registration_opens_at, 7, organisation="Scouterna", first_name="Sam",
                      invoice_street="Stora gatan 1", invoice_postcode="111 22", invoice_city="Stockholm").id
    approve_and_issue(app, scenario, now)
    login("finance")
    page = client.get("/finance/").get_data(as_text=True)
    assert "Scouterna" in page and "Organisationsnummer saknas" in page
    bad = submit(client, f"/finance/registrations/{sam}/buyer", {"org_number": "12"}, form_url="/finance/")
    assert bad.status_code == 302
    with app.app_context():
        assert db.session.get(Registration, sam).org_number == ""
    submit(client, f"/finance/registrations/{sam}/buyer", {"org_number": "802999-9995"}, form_url="/finance/")
    with app.app_context():
        assert db.session.get(Registration, sam).org_number == "802999-9995"


@pytest.mark.parametrize("url", ["/finance/invoices/99999999999999999999", "/finance/invoices/0.xml",
                                 "/finance/invoices/-1", "/finance/invoices/abc"])
def test_impossible_invoice_numbers_are_404(login, client, scenario, url):
    login("finance")
    assert client.get(url).status_code == 404


def test_a_huge_registration_id_is_404(app, login, client, scenario, now):
    approve_and_issue(app, scenario, now)
    login("finance")
    response = submit(client, "/finance/registrations/99999999999999999999/buyer", {"org_number": "802999-9995"},
                      form_url="/finance/invoices/1")
    assert response.status_code == 404
