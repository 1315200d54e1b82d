"""A coordinator books three colleagues for a paid conference in a real browser; finance sees the one
invoice; one colleague cancels in time with their own link; the credit note for that line appears."""
import email
import email.policy
import re

from builders import make_event, written
from playwright.sync_api import expect

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services import booking_mail

from .helpers import assert_accessible, assert_reflows, save_screenshots

TITLE = "Kommunikation och integration – lär av varandra"
COLLEAGUES = [("Omar", "Haddad", "omar.haddad@example.org"), ("Åsa", "Öberg", "asa.oberg@example.org"),
              ("Leila", "Karimi", "leila.karimi@example.org")]


def link_in_email(in_app, recipient: str, kind: str = "r") -> str:
    """The path of the personal (``r``) or group (``g``) link in the newest e-mail to ``recipient``."""
    with in_app():
        message = db.session.scalars(db.select(OutboxMessage).filter_by(recipient=recipient)
                                     .order_by(OutboxMessage.id.desc())).first()
        if message.kind in booking_mail.KINDS:
            text, store = booking_mail.compose(message)
            store()
            db.session.commit()
        else:
            text = written(message)
        text = email.message_from_string(text, policy=email.policy.default).get_body(
            preferencelist=("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+(/{kind}/\S+)", text).group(1)


def check_page(page, name: str) -> None:
    assert_accessible(page)
    assert_reflows(page)
    save_screenshots(page, name)


def test_a_coordinator_books_three_colleagues_and_a_cancellation_is_credited(new_page, in_app, log_in):
    with in_app():
        slug = make_event(utcnow(), title=TITLE, price=150000, capacity=120).slug

    coordinator = new_page()
    coordinator.goto(f"/events/{slug}/register")
    coordinator.get_by_role("link", name="Boka kolleger i samma formulär").click()
    about_you = coordinator.get_by_role("group", name="Om dig")
    about_you.get_by_label("Förnamn").fill("Karin")
    about_you.get_by_label("Efternamn").fill("Lind")
    about_you.get_by_label("E-post").fill("karin.lind@example.org")
    coordinator.get_by_label("Organisation", exact=True).fill("Nacka kommun")
    coordinator.get_by_label("Organisationsnummer").fill("212000-0142")
    coordinator.get_by_label("Fakturareferens").fill("KS-4711")
    coordinator.get_by_label("Gatuadress eller box").fill("Granitvägen 15")
    coordinator.get_by_label("Postnummer").fill("131 81")
    coordinator.get_by_label("Ort").fill("Nacka")
    coordinator.get_by_label("Jag bokar bara för mina kolleger").check()
    for number, (first, last, address) in enumerate(COLLEAGUES, start=1):
        row = coordinator.get_by_role("group", name=f"Kollega {number}")
        row.get_by_label("Förnamn").fill(first)
        row.get_by_label("Efternamn").fill(last)
        row.get_by_label("E-post").fill(address)
    coordinator.get_by_label("Jag godkänner att mina uppgifter sparas").check()
    check_page(coordinator, "group-booking-form")
    coordinator.get_by_role("button", name="Anmäl").click()

    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Din bokning är klar")
    booked = coordinator.get_by_role("table")
    for first, last, _ in COLLEAGUES:
        expect(booked.get_by_role("row").filter(has_text=f"{first} {last}")).to_contain_text("Bekräftad")
    expect(booked).not_to_contain_text("Karin Lind")  # she only booked
    check_page(coordinator, "group-booking-booked")
    coordinator.goto(link_in_email(in_app, "karin.lind@example.org", "g"))
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Din gruppbokning")
    expect(coordinator.get_by_role("link", name="Avboka Åsa Öberg")).to_be_visible()
    check_page(coordinator, "group-page")

    finance = new_page()
    log_in(finance, "finance")
    invoice_row = finance.get_by_role("row").filter(has_text="Nacka kommun")
    expect(invoice_row).to_have_count(1)
    expect(invoice_row).to_contain_text("5 625 kr")  # three places of 1 500 kr and 25 % VAT
    finance.get_by_role("link", name="1", exact=True).click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Faktura 1")
    for first, last, _ in COLLEAGUES:
        expect(finance.get_by_role("main")).to_contain_text(f"{first} {last}")
    check_page(finance, "group-booking-invoice")

    asa = new_page()
    asa.goto(link_in_email(in_app, "asa.oberg@example.org"))
    asa.get_by_role("link", name="Avboka", exact=True).click()
    asa.get_by_role("button", name="Ja, avboka min anmälan").click()
    expect(asa.get_by_role("status")).to_contain_text("avbokad")

    finance.goto("/finance/")
    credit_row = finance.get_by_role("row").filter(has_text="Kreditfaktura")
    expect(credit_row).to_have_count(1)
    expect(credit_row).to_contain_text("-1 875 kr")
    finance.get_by_role("link", name="2", exact=True).click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Kreditfaktura 2")
    expect(finance.get_by_role("main")).to_contain_text("Åsa Öberg")
    check_page(finance, "group-booking-credit-note")
