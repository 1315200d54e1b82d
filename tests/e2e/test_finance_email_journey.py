"""Finance in a real browser: issue the invoices of the demo's past seminar, follow their e-mails
through an SMTP outage, and send one again to a corrected address."""
import re

import pytest
from playwright.sync_api import expect
from smtp_server import SMTPServer

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import User
from eventapp.services import demo, outbox

from .helpers import assert_accessible, assert_reflows, save_screenshots


@pytest.fixture
def mail_server(e2e_app):
    """An SMTP server the live app sends to, down until the test starts it."""
    server = SMTPServer()
    saved = {key: e2e_app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    e2e_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    e2e_app.config.update(saved)


def deliver(in_app) -> None:
    """What the deliverer (cron or the app after a response) does."""
    with in_app():
        outbox.deliver_due(utcnow(), ignore_backoff=True, limit=1000)


def test_finance_issues_follows_the_e_mails_and_sends_one_again(page, log_in, in_app, mail_server):
    with in_app():
        organiser = User(email="nyfiken@example.org", role="organiser", password_hash="!")
        db.session.add(organiser)
        db.session.commit()
        demo.seed_past_seminar(utcnow(), organiser)
    deliver(in_app)  # the seminar's own confirmations, weeks ago (the server is down: they wait)

    log_in(page, "finance")
    page.goto("/finance/")
    ready = page.get_by_role("row").filter(has_text="Nowa Nyfiken på klarspråk")
    expect(ready).to_contain_text("1 000 kr")
    ready.get_by_role("button", name="Fakturera").click()
    expect(page.get_by_text("Fakturor utfärdade (3)")).to_be_visible()
    association = page.get_by_role("row").filter(has_text="Svenska med baby")
    expect(association).to_contain_text("E-post: Väntar på att skickas")

    deliver(in_app)  # the mail server is down: nothing is lost, nothing is sent
    page.reload()
    expect(association).to_contain_text("Utfärdad")
    mail_server.start()
    deliver(in_app)
    page.reload()
    expect(association).to_contain_text("Skickat")
    expect(association).to_contain_text("PDF via e-post")
    expect(page.get_by_role("row").filter(has_text="Nacka kommun")).to_contain_text("Utfärdad")
    assert_accessible(page)
    assert_reflows(page)
    save_screenshots(page, "finance-invoices")

    association.get_by_role("link", name=re.compile(r"^\d+$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Faktura \d+"))
    expect(page.get_by_text("PDF via e-post (ekonomi.svenskamedbaby@example.org)")).to_be_visible()
    page.get_by_label("E-postadress").fill("styrelsen@example.org")
    page.get_by_role("button", name="Skicka igen med e-post").click()
    expect(page.get_by_text("Mejlet till styrelsen@example.org ligger i kö")).to_be_visible()
    deliver(in_app)
    page.reload()
    emails = page.get_by_role("table").last
    expect(emails.get_by_role("row").filter(has_text="styrelsen@example.org")).to_contain_text("Skickat")
    assert_accessible(page)
    assert_reflows(page)
    save_screenshots(page, "finance-invoice")

    arrived = {m["To"].addresses[0].addr_spec: m for m in mail_server.recorder.messages
               if m["Subject"].startswith("Faktura")}
    assert set(arrived) == {"ekonomi.svenskamedbaby@example.org", "nyfiken-8@example.org", "styrelsen@example.org"}
    attachment = next(arrived["styrelsen@example.org"].iter_attachments())
    assert re.fullmatch(r"faktura-\d+\.pdf", attachment.get_filename())
