"""Invoices by e-mail: queued with the invoice, composed and delivered by the outbox, then marked sent."""
import re
import subprocess
from datetime import date, timedelta

import pytest
from invoice_builders import NACKA, approved_and_issued, no_show, past_event, staff
from sqlalchemy import delete, func, select

from eventapp.extensions import db
from eventapp.models import AuditEntry, Delivery, Invoice, InvoiceSeries, OutboxMessage, OutboxStatus
from eventapp.services import invoice_mail, invoicing, noshow, outbox
from eventapp.services.errors import Forbidden, InvoicingRefused

#: A non-profit buyer with no Peppol address: its invoices go as PDF by e-mail.
FORENINGEN = dict(organisation="Föreningen Svenska med baby", organisation_kind="nonprofit",
                  org_number="802400-1235", invoice_reference="Styrelsen", invoice_street="Box 4711",
                  invoice_postcode="411 04", invoice_city="Göteborg")
PDFTOTEXT = "pdftotext"  # poppler-utils, which `make test` installs


def messages(status=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == invoice_mail.KIND).order_by(OutboxMessage.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def registration_mail_went_long_ago() -> None:
    """The confirmations of the registrations were delivered weeks before: only invoices are left."""
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def audit_actions(invoice: Invoice) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "invoice", AuditEntry.target_id == invoice.id).order_by(AuditEntry.id)))


@pytest.fixture
def issued(ctx, now):
    """Nacka kommun (Peppol) and a non-profit association (e-mail), issued the day after the seminar."""
    event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
    no_show(event, at, 1, first_name="Bo", **NACKA)
    no_show(event, at, 2, first_name="Märta", email="marta@example.org", **FORENINGEN)
    registration_mail_went_long_ago()
    finance = staff("finance")
    result = approved_and_issued(event, now, staff("organiser"), finance)
    by_delivery = {invoice.delivery: invoice for invoice in result.invoices}
    return by_delivery[Delivery.EMAIL], by_delivery[Delivery.PEPPOL], finance


def test_issuing_queues_the_e_mailed_invoice_in_the_same_transaction(issued, now):
    emailed, peppol, finance = issued
    [message] = messages()
    assert (message.invoice_id, message.recipient, message.status) == (emailed.id, "marta@example.org", "pending")
    assert message.subject == f"Faktura {emailed.number} från Nowa Kommunikation AB"
    assert emailed.sent_on is None and emailed.status == "issued"
    assert audit_actions(emailed) == ["invoice.issued", "invoice.email_queued"]
    assert audit_actions(peppol) == ["invoice.issued"]


def test_a_crash_while_issuing_leaves_neither_invoice_nor_e_mail(ctx, now, monkeypatch):
    """If issuing fails after the e-mail is queued, is the e-mail gone with the invoice and its number?"""
    event, at = past_event(now)
    no_show(event, at, 1, **FORENINGEN)
    organiser, finance = staff("organiser"), staff("finance")
    noshow.approve_no_shows(event.id, actor=organiser, now=now)
    queue = invoice_mail.queue_if_emailed

    def queue_then_crash(*args, **kwargs):
        queue(*args, **kwargs)
        raise RuntimeError("the power went")

    monkeypatch.setattr(invoice_mail, "queue_if_emailed", queue_then_crash)
    with pytest.raises(RuntimeError):
        invoicing.issue_invoices(event.id, actor=finance, now=now)
    assert db.session.scalar(select(func.count(Invoice.id))) == 0
    assert messages() == []
    assert db.session.scalar(select(InvoiceSeries.next_number)) in (None, 1)


def test_the_delivered_message_carries_the_pdf_with_a_safe_name_and_swedish_text(issued, now, smtp_server):
    emailed, _, _ = issued
    report = outbox.deliver_due(now)
    assert report.sent == [messages()[0].id]
    [message] = smtp_server.recorder.messages
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == f"faktura-{emailed.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    assert message["Subject"] == f"Faktura {emailed.number} från Nowa Kommunikation AB"
    assert message["To"].addresses[0].addr_spec == "marta@example.org"
    assert message["To"].addresses[0].display_name == "Föreningen Svenska med baby"
    assert message["Reply-To"].addresses[0].addr_spec == "faktura@example.org"
    assert message["Content-Language"] == "sv"
    text = body.get_body(("plain",)).get_content()
    assert f"Här kommer faktura {emailed.number} från Nowa Kommunikation AB som PDF i bilagan." in text
    assert "No show-avgift: Nowa Nyfiken på Almedalen, lördag 14 januari 2017 (Märta Andersson 2): 312,50" in text
    assert "Betala 312,50\u00a0kr senast" in text
    assert "Bankgiro: 123-4567" in text and "Styrelsen" in text and "Märta Andersson 2" in text
    html = body.get_body(("html",)).get_content()
    assert '<html lang="sv">' in html and "Märta Andersson 2" in html


def test_the_attached_pdf_is_the_invoice(issued, now, smtp_server):
    emailed, _, _ = issued
    outbox.deliver_due(now)
    attachment = list(smtp_server.recorder.messages[0].iter_attachments())[0]
    command = [PDFTOTEXT, "-layout", "-", "-"]
    text = subprocess.run(command, input=attachment.get_content(), capture_output=True, check=True).stdout.decode()  # noqa: S603
    assert "Faktura" in text and str(emailed.number) in text and "Föreningen Svenska med baby" in text
    assert "802400-1235" in text and "312,50" in text


def test_a_hostile_buyer_name_stays_in_the_display_name(ctx, now, smtp_server):
    """Can a buyer named with line breaks add a header, or change the attachment's name?"""
    event, at = past_event(now)
    no_show(event, at, 1, **{**FORENINGEN, "organisation": 'Evil"\r\nBcc: all@example.org <x> ../../etc'})
    registration_mail_went_long_ago()
    approved_and_issued(event, now, staff("organiser"), staff("finance"))
    outbox.deliver_due(now)
    [message] = smtp_server.recorder.messages
    assert "Bcc" not in message and smtp_server.recorder.envelopes[0][1] == ["anna1@example.org"]
    assert len(message["To"].addresses) == 1
    assert re.fullmatch(r"faktura-\d+\.pdf", list(message.iter_attachments())[0].get_filename())


@pytest.mark.parametrize(("after", "day"), [
    (timedelta(days=1, hours=13, minutes=59, seconds=59), date(2017, 1, 17)),  # 23:59:59 in Stockholm
    (timedelta(days=1, hours=14), date(2017, 1, 18)),  # midnight in Stockholm, still the 17th in UTC
])
def test_the_invoice_is_sent_on_the_day_the_mail_server_accepts_it(issued, now, smtp_server, after, day):
    emailed, peppol, _ = issued
    outbox.deliver_due(now + after)
    db.session.refresh(emailed)
    assert emailed.sent_on == day and emailed.sent_via == "email" and emailed.status == "sent"
    assert audit_actions(emailed)[-1] == "invoice.sent"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invoice.sent"))
    assert entry.actor_id is None and entry.details["recipient"] == "marta@example.org"
    assert peppol.sent_on is None  # Peppol invoices go through the access point, not the outbox


def test_nothing_is_lost_while_the_mail_server_is_down(issued, now, smtp_server):
    """Issued during an outage: deferred, unchanged, then delivered once with the same message."""
    emailed, _, _ = issued
    smtp_server.stop()
    during = outbox.deliver_due(now + timedelta(seconds=1))
    [message] = messages()
    assert len(during.deferred) == 1 and message.status == "pending"
    db.session.refresh(emailed)
    assert emailed.sent_on is None and emailed.status == "issued"

    smtp_server.start()
    back = now + timedelta(days=2)
    assert outbox.deliver_due(back).sent == [message.id]
    assert outbox.deliver_due(back + timedelta(hours=1)).sent == []
    assert len(smtp_server.recorder.messages) == 1
    db.session.refresh(emailed)
    assert emailed.sent_on == date(2017, 1, 18)


def test_kept_in_development_is_not_sent(issued, now):
    """Without a mail server the message is only written to instance/mail/: the invoice stays unsent."""
    emailed, _, _ = issued
    outbox.deliver_due(now)
    [message] = messages()
    assert message.status == OutboxStatus.KEPT
    db.session.refresh(emailed)
    assert emailed.sent_on is None


def test_a_refused_address_is_shown_and_a_corrected_one_works(issued, now, smtp_server):
    emailed, _, finance = issued
    smtp_server.recorder.refuse.add("marta@example.org")
    outbox.deliver_due(now)
    [failed] = messages()
    assert failed.status == "failed" and "550" in failed.server_reply
    assert invoice_mail.undelivered([emailed], invoice_mail.latest_messages([emailed])) == [emailed]

    again = invoicing.email_invoice(emailed.id, actor=finance, now=now + timedelta(hours=1),
                                    recipient="ekonomi@example.org")
    assert outbox.deliver_due(now + timedelta(hours=1)).sent == [again.id]
    db.session.refresh(emailed)
    assert emailed.status == "sent"
    assert invoice_mail.undelivered([emailed], invoice_mail.latest_messages([emailed])) == []
    assert invoice_mail.default_recipient(emailed) == "ekonomi@example.org"


def test_the_invoice_e_mail_address_in_the_invoice_address_is_preferred(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, invoice_address="Föreningen\nBox 12, 111 22 Stockholm\nE-post: <Faktura@Example.ORG>.",
            **FORENINGEN)
    approved_and_issued(event, now, staff("organiser"), staff("finance"))
    assert [m.recipient for m in messages()] == ["Faktura@example.org"]


@pytest.mark.parametrize(("address", "found"), [
    ("faktura@example.org", "faktura@example.org"),
    ("Box 1\n131 81 Nacka", ""),
    ("Ekonomi, ekonomi@example.org; Box 1", "ekonomi@example.org"),
    ("@ nowhere@ bad@@example.org", ""),
    ("", ""),
])
def test_an_address_in_an_invoice_address(ctx, address, found):
    assert invoice_mail.address_in(address) == found


def test_a_credit_note_goes_where_the_invoice_went(issued, now, smtp_server):
    emailed, peppol, finance = issued
    invoicing.email_invoice(emailed.id, actor=finance, now=now, recipient="ekonomi@example.org")
    outbox.deliver_due(now)
    note = invoicing.credit_invoice(emailed.id, actor=finance, now=now + timedelta(days=3), whole=True,
                                    reason="Fel person")
    invoicing.credit_invoice(peppol.id, actor=finance, now=now + timedelta(days=3), whole=True, reason="Fel person")
    notes = [m for m in messages() if m.invoice_id != emailed.id]
    assert [(m.invoice_id, m.recipient) for m in notes] == [(note.id, "ekonomi@example.org")]

    outbox.deliver_due(now + timedelta(days=3))
    delivered = smtp_server.recorder.to("ekonomi@example.org")[-1]
    assert delivered["Subject"] == f"Kreditfaktura {note.number} från Nowa Kommunikation AB"
    assert list(delivered.iter_attachments())[0].get_filename() == f"kreditfaktura-{note.number}.pdf"
    text = delivered.get_body(("plain",)).get_content()
    assert f"krediterar 312,50\u00a0kr av faktura {emailed.number}" in text and "Betala" not in text
    db.session.refresh(note)
    assert note.sent_on == date(2017, 1, 19) and note.sent_via == "email"


def test_sending_again_is_for_finance_and_audited(issued, now):
    emailed, _, finance = issued
    with pytest.raises(Forbidden):
        invoicing.email_invoice(emailed.id, actor=staff("organiser"), now=now)
    assert len(messages()) == 1

    outbox.deliver_due(now)
    again = invoicing.email_invoice(emailed.id, actor=finance, now=now + timedelta(hours=2))
    assert again.recipient == "marta@example.org" and again.status == "pending"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.email_queued")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == finance.id and entry.details["message"] == again.id


def test_a_second_click_queues_nothing_more(issued, now):
    """The first e-mail still waits: a second request to the same address is refused, another address is not."""
    emailed, _, finance = issued
    with pytest.raises(InvoicingRefused, match="väntar redan"):
        invoicing.email_invoice(emailed.id, actor=finance, now=now, recipient="MARTA@example.org")
    assert len(messages()) == 1
    invoicing.email_invoice(emailed.id, actor=finance, now=now, recipient="ekonomi@example.org")
    assert len(messages()) == 2


@pytest.mark.parametrize("recipient", ["inte en adress", "a@b", "x@example.org\r\nBcc: y@example.org",
                                       "åsa@exempel.se", "a" * 250 + "@example.org"])
def test_a_bad_address_is_refused_and_changes_nothing(issued, now, recipient):
    emailed, _, finance = issued
    with pytest.raises(InvoicingRefused) as refused:
        invoicing.email_invoice(emailed.id, actor=finance, now=now, recipient=recipient)
    assert refused.value.field == "recipient"
    assert len(messages()) == 1


def test_a_peppol_invoice_is_not_e_mailed(issued, now):
    _, peppol, finance = issued
    with pytest.raises(InvoicingRefused, match="Peppol"):
        invoicing.email_invoice(peppol.id, actor=finance, now=now, recipient="ekonomi@example.org")
    assert len(messages()) == 1


def test_sending_again_keeps_the_first_sent_date(issued, now, smtp_server):
    emailed, _, finance = issued
    outbox.deliver_due(now)
    invoicing.email_invoice(emailed.id, actor=finance, now=now + timedelta(days=5))
    outbox.deliver_due(now + timedelta(days=5))
    db.session.refresh(emailed)
    assert emailed.sent_on == date(2017, 1, 16) and len(smtp_server.recorder.messages) == 2


def test_a_document_that_cannot_be_rendered_is_tried_again(issued, now, monkeypatch, smtp_server):
    emailed, _, _ = issued

    def broken(invoice):
        raise OSError("out of memory")

    monkeypatch.setattr(invoice_mail, "invoice_pdf", broken)
    report = outbox.deliver_due(now)
    [message] = messages()
    assert len(report.deferred) == 1 and message.status == "pending"
    assert "out of memory" in message.server_reply
    monkeypatch.undo()
    assert outbox.deliver_due(now + timedelta(minutes=1)).sent == [message.id]
    assert len(smtp_server.recorder.messages) == 1
