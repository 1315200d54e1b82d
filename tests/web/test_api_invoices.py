"""The no-show and invoice API: approve with waivers, issue, fetch JSON, PDF and Peppol XML."""
import pytest
from builders import make_user
from invoice_builders import NACKA, attended, no_show, past_event
from lxml import etree

from eventapp.database import utcnow
from eventapp.services.api_tokens import create_token


@pytest.fixture
def api(app):
    """A finished seminar (one came, two no-shows from Nacka) and a token per role."""
    now = utcnow()
    with app.test_request_context():
        event, at = past_event(now, slug="nyfiken")
        attended(event, at, 1)
        bo = no_show(event, at, 2, first_name="Bo", **NACKA)
        ida = no_show(event, at, 3, first_name="Ida", **NACKA)
        tokens = {}
        for role in ("organiser", "finance", "checkin"):
            make_user(f"{role}@example.org", role)
            tokens[role] = create_token(f"{role}@example.org", now=now)[1]
        return {"tokens": tokens, "bo": bo.id, "ida": ida.id}


def call(client, api, role, method, url, **kwargs):
    return client.open("/api/v1" + url, method=method, headers={"Authorization": f"Bearer {api['tokens'][role]}"},
                       **kwargs)


def test_from_no_show_list_to_invoice_documents(client, api):
    listed = call(client, api, "organiser", "GET", "/events/nyfiken/no-shows").get_json()
    assert listed["approved"] is False and {n["first_name"] for n in listed["no_shows"]} == {"Bo", "Ida"}
    approved = call(client, api, "organiser", "POST", "/events/nyfiken/no-shows/approve",
                    json={"waive": [{"registration": api["ida"], "reason": "Sjuk"}]})
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["approved"] is True and body["total"] == 25000
    assert [n["waive_reason"] for n in body["no_shows"] if n["waived"]] == ["Sjuk"]
    again = call(client, api, "organiser", "POST", "/events/nyfiken/no-shows/approve")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "no_show_review_refused"

    issued = call(client, api, "finance", "POST", "/events/nyfiken/invoices")
    assert issued.status_code == 201 and issued.get_json() == {"invoices": [1], "held_back": []}
    assert call(client, api, "finance", "POST", "/events/nyfiken/invoices").get_json()["invoices"] == []
    invoice = call(client, api, "finance", "GET", "/invoices/1").get_json()
    assert invoice["total_amount"] == 31250 and invoice["buyer"]["peppol_id"] == "0007:2120000142"
    assert [line["attendee"] for line in invoice["lines"]] == ["Bo Andersson 2"]
    pdf = call(client, api, "finance", "GET", "/invoices/1.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    xml = call(client, api, "finance", "GET", "/invoices/1.xml")
    assert etree.fromstring(xml.data).tag.endswith("}Invoice")


@pytest.mark.parametrize("body", [
    {"waive": "alla"}, {"waive": [{"registration": "x", "reason": "Sjuk"}]}, {"waive": [{"registration": 1}]},
    {"waive": [{"registration": 1, "reason": " "}]}, {"waive": [5]}, {"other": 1},
])
def test_bad_waivers_are_422_and_change_nothing(client, api, body):
    response = call(client, api, "organiser", "POST", "/events/nyfiken/no-shows/approve", json=body)
    assert response.status_code == 422
    assert call(client, api, "organiser", "GET", "/events/nyfiken/no-shows").get_json()["approved"] is False


def test_issuing_before_approval_is_409(client, api):
    response = call(client, api, "finance", "POST", "/events/nyfiken/invoices")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invoicing_refused"


@pytest.mark.parametrize(("role", "method", "url"), [
    ("checkin", "GET", "/events/nyfiken/no-shows"),
    ("finance", "POST", "/events/nyfiken/no-shows/approve"),
    ("organiser", "POST", "/events/nyfiken/invoices"),
    ("organiser", "GET", "/invoices/1"),
    ("checkin", "GET", "/invoices/1.xml"),
])
def test_roles_are_enforced(client, api, role, method, url):
    assert call(client, api, role, method, url).status_code == 403


def test_an_unknown_invoice_is_404(client, api):
    assert call(client, api, "finance", "GET", "/invoices/77.pdf").status_code == 404


@pytest.mark.parametrize("number", ["abc", "1x", "١", "9" * 12, "1.json", "0", "2147483648"])
def test_a_number_that_is_no_number_is_404(client, api, number):
    assert call(client, api, "finance", "GET", f"/invoices/{number}").status_code == 404
