"""Rule 7: issuing, numbering, VAT, credit notes and payments."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from invoice_builders import (
    ADDRESS,
    NACKA,
    approved_and_issued,
    attended,
    cancelled_in_time,
    late_cancelled,
    no_show,
    past_event,
    staff,
    ubl,
    write_from_another_connection,
)
from sqlalchemy import select

from eventapp.exports.sie import SieAccounts, invoice_voucher, sie_file
from eventapp.extensions import db
from eventapp.models import AuditEntry, Delivery, Invoice, InvoiceLine, Payment, VatTreatment
from eventapp.models.invoice import FrozenInvoiceError
from eventapp.services import invoicing, noshow, vat
from eventapp.services.errors import (
    Forbidden,
    InvalidOrganisationNumber,
    InvoicingRefused,
    NotFound,
    ValidationFailed,
)

MIGRATIONSVERKET = dict(organisation="Migrationsverket", invoice_reference="", **ADDRESS)


def test_end_to_end_from_check_in_to_credit_note_and_sie(ctx, now):
    """10 registrations: 6 came, 1 cancelled in time, 1 late, 2 no-shows of which 1 waived."""
    event, at = past_event(now)
    for n in range(6):
        attended(event, at, n, **NACKA)
    cancelled_in_time(event, at, 6, **NACKA)
    late = late_cancelled(event, at, 7, first_name="Lena", **MIGRATIONSVERKET)
    absent = no_show(event, at, 8, first_name="Nils", **NACKA)
    ill = no_show(event, at, 9, first_name="Ida", **NACKA)
    organiser, finance = staff("organiser"), staff("finance")

    result = approved_and_issued(event, now, organiser, finance, waive=[(ill.id, "Sjuk")])

    assert result.held_back == []
    invoices = {i.buyer_name: i for i in result.invoices}
    assert sorted(invoices) == ["Migrationsverket", "Nacka kommun"]
    assert sorted(i.number for i in result.invoices) == [1, 2]
    nacka, agency = invoices["Nacka kommun"], invoices["Migrationsverket"]
    assert [(line.attendee_name, line.net_amount, line.vat_amount) for line in nacka.lines] == [
        (absent.full_name, 25000, 6250)]
    assert (nacka.net_amount, nacka.vat_amount, nacka.total_amount) == (25000, 6250, 31250)
    assert nacka.buyer_org_number == "212000-0142" and nacka.buyer_reference == "KS-4711"
    assert nacka.buyer_peppol_id == "0007:2120000142" and nacka.delivery == Delivery.PEPPOL
    assert [line.attendee_name for line in agency.lines] == [late.full_name]
    assert agency.buyer_org_number == "202100-2163"  # from the register of agencies
    assert agency.buyer_reference == late.full_name  # no reference given: the attendee is named
    assert agency.due_date == nacka.issue_date + timedelta(days=30)

    credit = invoicing.credit_invoice(nacka.id, actor=finance, now=now, whole=True, reason="Fel person")
    assert credit.number == 3 and credit.credited_invoice_id == nacka.id
    assert (credit.net_amount, credit.vat_amount, credit.total_amount) == (-25000, -6250, -31250)
    assert nacka.status == "credited" and nacka.balance == 0

    documents = [nacka, agency, credit]
    for document in documents:
        assert sum(amount for _, amount in invoice_voucher(document, SieAccounts())) == 0
        ubl(document)
    sie = sie_file(documents, [], company="Nowa Kommunikation AB", org_number="559900-0006",
                   accounts=SieAccounts(), generated_on=now.date()).decode("cp437")
    assert sie.count("#VER") == 3
    for voucher in sie.split("#VER")[1:]:
        amounts = [float(line.split()[-1]) for line in voucher.splitlines() if "#TRANS" in line]
        assert round(sum(amounts), 2) == 0


def test_one_invoice_per_buyer_and_reference_with_a_line_per_person(ctx, now):
    event, at = past_event(now)
    for n in range(3):
        no_show(event, at, n, **NACKA)
    no_show(event, at, 3, **{**NACKA, "invoice_reference": "ks-4711 "})  # the same reference, typed loosely
    no_show(event, at, 4, **{**NACKA, "invoice_reference": "Annan ref"})
    result = approved_and_issued(event, now, staff("organiser"), staff("finance"))
    assert sorted(len(i.lines) for i in result.invoices) == [1, 4]
    big = max(result.invoices, key=lambda i: len(i.lines))
    assert big.total_amount == 4 * 31250
    assert len({line.attendee_name for line in big.lines}) == 4
    ubl(big)


def test_issuing_twice_creates_no_second_invoice(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    organiser, finance = staff("organiser"), staff("finance")
    first = approved_and_issued(event, now, organiser, finance)
    again = invoicing.issue_invoices(event.id, actor=finance, now=now)
    assert len(first.invoices) == 1 and again.invoices == []
    assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == 1


def test_issuing_before_approval_is_refused(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    with pytest.raises(InvoicingRefused):
        invoicing.issue_invoices(event.id, actor=staff("finance"), now=now)
    assert db.session.scalar(select(Invoice.id)) is None


def test_a_buyer_without_organisation_number_is_held_back_with_the_reason(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, organisation="Scouterna", first_name="Sam", **ADDRESS)
    no_show(event, at, 2, **NACKA)
    result = approved_and_issued(event, now, staff("organiser"), staff("finance"))
    assert [i.buyer_name for i in result.invoices] == ["Nacka kommun"]
    [held] = result.held_back
    assert held.buyer_name == "Scouterna" and "Sam" in held.attendees[0]
    assert held.reason.startswith("Organisationsnummer saknas")


def test_conflicting_organisation_numbers_are_held_back(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    no_show(event, at, 2, **{**NACKA, "org_number": "202100-2163"})
    result = approved_and_issued(event, now, staff("organiser"), staff("finance"))
    assert result.invoices == [] and len(result.held_back) == 1


def test_a_company_gets_a_pdf_by_email_unless_it_gives_a_peppol_id(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, organisation="Exempelbolaget AB", org_number="556999-9997", invoice_reference="R1",
            **ADDRESS)
    no_show(event, at, 2, organisation="Annat AB", org_number="559900-0006", invoice_reference="R2",
            peppol_id="0007:5599000006", **ADDRESS)
    result = approved_and_issued(event, now, staff("organiser"), staff("finance"))
    by_name = {i.buyer_name: i for i in result.invoices}
    assert by_name["Exempelbolaget AB"].delivery == Delivery.EMAIL
    assert by_name["Annat AB"].delivery == Delivery.PEPPOL
    for invoice in result.invoices:
        ubl(invoice)


def test_outside_the_scope_of_vat_has_no_vat(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    organiser = staff("organiser")
    noshow.set_vat_treatment(event.id, VatTreatment.OUTSIDE_SCOPE, "Avgiften är skadestånd", actor=organiser,
                             now=now)
    [invoice] = approved_and_issued(event, now, organiser, staff("finance")).invoices
    assert (invoice.net_amount, invoice.vat_amount, invoice.total_amount) == (25000, 0, 25000)
    assert invoice.vat_exemption_reason == "Avgiften är skadestånd"
    ubl(invoice)


@pytest.mark.parametrize(("net", "expected"), [(25000, 6250), (1, 0), (2, 1), (3, 1), (6, 2), (-2, -1), (0, 0)])
def test_vat_is_rounded_half_away_from_zero(net, expected):
    assert vat.vat_on(net, 25) == expected


def test_numbers_stay_gap_free_when_issuing_fails_half_way(ctx, now, monkeypatch):
    first, at = past_event(now)
    no_show(first, at, 1, **NACKA)
    second, _ = past_event(now, slug="second")
    no_show(second, at, 2, **NACKA)
    organiser, finance = staff("organiser"), staff("finance")
    noshow.approve_no_shows(first.id, actor=organiser, now=now)
    noshow.approve_no_shows(second.id, actor=organiser, now=now)

    def crash(*args, **kwargs):
        raise RuntimeError("the server died")

    monkeypatch.setattr(invoicing.audit, "record", crash)
    with pytest.raises(RuntimeError):
        invoicing.issue_invoices(first.id, actor=finance, now=now)
    monkeypatch.undo()
    assert db.session.scalar(select(Invoice.id)) is None
    invoicing.issue_invoices(second.id, actor=finance, now=now)
    invoicing.issue_invoices(first.id, actor=finance, now=now)
    assert list(db.session.scalars(select(Invoice.number).order_by(Invoice.number))) == [1, 2]


def test_an_issued_invoice_cannot_be_changed_or_deleted(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    invoice.total_amount = 1
    with pytest.raises(FrozenInvoiceError):
        db.session.flush()
    db.session.rollback()
    invoice.lines[0].net_amount = 1
    with pytest.raises(FrozenInvoiceError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(invoice)
    with pytest.raises(FrozenInvoiceError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).total_amount == 31250


def test_a_credit_note_for_more_than_the_invoice_is_refused(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    no_show(event, at, 2, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    first_line, second_line = invoice.lines
    partial = invoicing.credit_invoice(invoice.id, actor=finance, now=now, line_ids=[first_line.id], reason="Sjuk")
    assert partial.total_amount == -31250 and invoice.balance == 31250 and invoice.status == "issued"
    with pytest.raises(InvoicingRefused):
        invoicing.credit_invoice(invoice.id, actor=finance, now=now, line_ids=[first_line.id], reason="Igen")
    invoicing.credit_invoice(invoice.id, actor=finance, now=now, whole=True, reason="Resten")
    with pytest.raises(InvoicingRefused):
        invoicing.credit_invoice(invoice.id, actor=finance, now=now, whole=True, reason="Igen")
    with pytest.raises(InvoicingRefused):
        invoicing.credit_invoice(partial.id, actor=finance, now=now, whole=True, reason="Igen")
    assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == 3
    assert invoice.status == "credited"
    ubl(partial)


def test_payments_until_paid(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    today = invoice.issue_date
    invoicing.mark_sent(invoice.id, today, actor=finance, now=now)
    assert invoice.status == "sent" and invoice.sent_via == "peppol"
    with pytest.raises(InvoicingRefused):
        invoicing.record_payment(invoice.id, today + timedelta(days=1), actor=finance, now=now)
    with pytest.raises(InvoicingRefused):
        invoicing.record_payment(invoice.id, today - timedelta(days=1), actor=finance, now=now)
    with pytest.raises(InvoicingRefused):
        invoicing.record_payment(invoice.id, today, actor=finance, now=now, amount=31251)
    invoicing.record_payment(invoice.id, today, actor=finance, now=now, amount=1250)
    assert invoice.status == "sent" and invoice.balance == 30000
    invoicing.record_payment(invoice.id, today, actor=finance, now=now)
    assert invoice.status == "paid" and invoice.paid_on == today
    with pytest.raises(InvoicingRefused):
        invoicing.record_payment(invoice.id, today, actor=finance, now=now)
    assert db.session.scalar(select(db.func.count()).select_from(Payment)) == 2


@pytest.mark.parametrize("role", ["organiser", "checkin"])
def test_finance_actions_by_other_staff_are_refused_and_change_nothing(ctx, now, role):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    organiser, finance = staff("organiser"), staff("finance")
    noshow.approve_no_shows(event.id, actor=organiser, now=now)
    other = staff(role)
    with pytest.raises(Forbidden):
        invoicing.issue_invoices(event.id, actor=other, now=now)
    assert db.session.scalar(select(Invoice.id)) is None
    [invoice] = invoicing.issue_invoices(event.id, actor=finance, now=now).invoices
    for action in (
        lambda: invoicing.credit_invoice(invoice.id, actor=other, now=now, whole=True, reason="Fel"),
        lambda: invoicing.record_refund(invoice.id, invoice.issue_date, actor=other, now=now),
        lambda: invoicing.mark_sent(invoice.id, invoice.issue_date, actor=other, now=now),
        lambda: invoicing.record_payment(invoice.id, invoice.issue_date, actor=other, now=now),
    ):
        with pytest.raises(Forbidden):
            action()
    assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == 1
    assert invoice.sent_on is None and invoice.payments == []


def test_issue_and_credit_are_audited(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    invoicing.credit_invoice(invoice.id, actor=finance, now=now, whole=True, reason="Dubbelbokad")
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == finance.id)
                                      .order_by(AuditEntry.id)))
    assert actions == ["invoice.issued", "invoice.credited"]


def test_the_invoice_list_filters_and_totals(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    late_cancelled(event, at, 2, **MIGRATIONSVERKET)
    finance = staff("finance")
    invoices = approved_and_issued(event, now, staff("organiser"), finance).invoices
    everything = invoicing.list_invoices(invoicing.InvoiceFilter())
    assert everything.total == 2 * 31250 and everything.outstanding == 2 * 31250
    assert [i.buyer_name for i in invoicing.list_invoices(invoicing.InvoiceFilter(buyer="nacka")).invoices] == [
        "Nacka kommun"]
    invoicing.record_payment(invoices[0].id, invoices[0].issue_date, actor=finance, now=now)
    assert len(invoicing.list_invoices(invoicing.InvoiceFilter(status="paid")).invoices) == 1
    later = invoicing.InvoiceFilter(date_from=invoices[0].issue_date + timedelta(days=1))
    assert invoicing.list_invoices(later).invoices == []
    assert invoicing.list_invoices(invoicing.InvoiceFilter(date_to=date(2000, 1, 1))).total == 0


def test_lines_name_the_event_and_its_date_in_swedish(ctx, now):
    event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
    no_show(event, at, 1, **NACKA)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    line = db.session.scalar(select(InvoiceLine))
    assert line.description.startswith("No show-avgift: Nowa Nyfiken på Almedalen, ")
    assert invoice.lines[0].attendee_name == "Anna Andersson 1"


def test_finance_completes_a_held_back_buyer_and_issues_it_later(ctx, now):
    event, at = past_event(now)
    sam = no_show(event, at, 1, organisation="Scouterna", first_name="Sam", **ADDRESS)
    finance = staff("finance")
    first = approved_and_issued(event, now, staff("organiser"), finance)
    assert first.invoices == []
    [ready] = invoicing.events_to_invoice()
    assert ready.held_back[0].registration_ids == [sam.id]
    with pytest.raises(InvalidOrganisationNumber):
        invoicing.update_buyer(sam.id, org_number="123", peppol_id="", actor=finance, now=now)
    with pytest.raises(Forbidden):
        invoicing.update_buyer(sam.id, org_number="802999-9995", peppol_id="", actor=staff("organiser"), now=now)
    invoicing.update_buyer(sam.id, org_number="8029999995", peppol_id="", actor=finance, now=now)
    [invoice] = invoicing.issue_invoices(event.id, actor=finance, now=now).invoices
    assert invoice.buyer_org_number == "802999-9995" and invoice.delivery == Delivery.EMAIL
    assert invoicing.events_to_invoice() == []


@pytest.mark.parametrize("follow_up", ["mark_sent", "record_payment"])
def test_follow_up_on_an_unknown_invoice_leaves_no_transaction_open(ctx, now, database_uri, follow_up):
    """Marking sent or paying an invoice that does not exist: after the "not found", does the session hold
    no transaction, so that another writer gets in at once (on SQLite: the write lock is free)?"""
    finance = staff("finance")
    call = getattr(invoicing, follow_up)
    with pytest.raises(NotFound):
        call(10**6, invoicing.local_date(now), actor=finance, now=now)
    assert not db.session().in_transaction()
    write_from_another_connection(database_uri)


def test_vat_is_computed_on_each_rate_total_for_250_lines_of_1_02_kr(ctx, now):
    """EN 16931 (BR-CO-17): 250 fees of 1,02 kr are 255,00 kr with 63,75 kr VAT, not 65,00 kr rounded per line."""
    event, at = past_event(now, no_show_fee=102)
    for n in range(250):
        no_show(event, at, n, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    assert len(invoice.lines) == 250
    assert (invoice.net_amount, invoice.vat_amount, invoice.total_amount) == (25500, 6375, 31875)
    assert sum(line.vat_amount for line in invoice.lines) == 6375
    assert invoicing.vat_breakdown(invoice) == [vat.RateTotal(25, 25500, 6375)]
    ubl(invoice)
    first = invoicing.credit_invoice(invoice.id, actor=finance, now=now, reason="Fel",
                                     line_ids=[line.id for line in invoice.lines[:101]])
    assert first.vat_amount == -(101 * 102 * 25 + 50) // 100
    rest = invoicing.credit_invoice(invoice.id, actor=finance, now=now, whole=True, reason="Resten")
    assert first.vat_amount + rest.vat_amount == -6375 and first.total_amount + rest.total_amount == -31875
    assert invoice.status == "credited" and invoice.balance == 0
    ubl(rest)


def test_a_buyer_without_an_invoice_address_is_held_back_until_finance_gives_it(ctx, now):
    """The law asks for the buyer's address on every invoice: none is issued without one."""
    event, at = past_event(now)
    sam = no_show(event, at, 1, organisation="Exempelbolaget AB", org_number="556999-9997", first_name="Sam")
    finance = staff("finance")
    first = approved_and_issued(event, now, staff("organiser"), finance)
    assert first.invoices == []
    [held] = first.held_back
    assert held.reason == "Fakturaadress saknas: lägg till gatuadress, postnummer och ort på anmälan och " \
                          "fakturera sedan igen." and held.registration_ids == [sam.id]
    with pytest.raises(ValidationFailed) as half:
        invoicing.update_buyer(sam.id, org_number="", peppol_id="", street="Storgatan 1", actor=finance, now=now)
    assert set(half.value.errors) == {"invoice_postcode", "invoice_city"}
    invoicing.update_buyer(sam.id, org_number="", peppol_id="", street="Storgatan 1", postcode="11122",
                           city="Stockholm", actor=finance, now=now)
    [invoice] = invoicing.issue_invoices(event.id, actor=finance, now=now).invoices
    assert (invoice.buyer_street, invoice.buyer_postcode, invoice.buyer_city) == ("Storgatan 1", "111 22", "Stockholm")
    assert invoice.buyer_org_number == "556999-9997"  # left empty: kept


def test_an_address_typed_in_one_field_before_it_was_asked_for_in_three_still_serves(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, organisation="Nacka kommun", org_number="212000-0142",
            invoice_address="Nacka kommun\nBox 1, 131 81 Nacka")
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    assert (invoice.buyer_street, invoice.buyer_postcode, invoice.buyer_city) == ("Box 1", "131 81", "Nacka")


@pytest.mark.parametrize(("asked", "field"), [
    (dict(reason="Fel"), "lines"),  # nothing ticked: not the whole invoice by default
    (dict(whole=True), "reason"),
    (dict(whole=True, reason="   "), "reason"),
    (dict(line_ids=[10**6], reason="Fel"), "lines"),
])
def test_a_credit_note_needs_ticked_lines_or_the_whole_invoice_and_a_reason(ctx, now, asked, field):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    with pytest.raises(InvoicingRefused) as refused:
        invoicing.credit_invoice(invoice.id, actor=finance, now=now, **asked)
    assert refused.value.field == field
    assert invoice.credit_notes == [] and db.session.scalar(select(db.func.count()).select_from(Invoice)) == 1


def test_the_preview_of_a_credit_note_says_what_it_takes_and_issues_nothing(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    no_show(event, at, 2, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    plan = invoicing.credit_preview(invoice.id, actor=finance, line_ids=[invoice.lines[1].id], reason="Sjuk")
    assert (plan.net, plan.vat, plan.total, plan.whole) == (25000, 6250, 31250, False)
    assert invoicing.credit_preview(invoice.id, actor=finance, whole=True, reason="Fel").whole
    assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == 1
    with pytest.raises(Forbidden):
        invoicing.credit_preview(invoice.id, actor=staff("organiser"), whole=True, reason="Fel")


def test_a_paid_invoice_that_is_credited_owes_a_refund_that_finance_records(ctx, now):
    """Paid, then credited: the money owed back is recorded as a refund, exported as a balanced voucher,
    and never set against another buyer's debt in the list."""
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    late_cancelled(event, at, 2, **MIGRATIONSVERKET)
    finance = staff("finance")
    nacka, agency = approved_and_issued(event, now, staff("organiser"), finance).invoices
    day = nacka.issue_date
    invoicing.record_payment(nacka.id, day, actor=finance, now=now)
    with pytest.raises(InvoicingRefused):
        invoicing.record_refund(nacka.id, day, actor=finance, now=now)  # nothing owed back yet
    note = invoicing.credit_invoice(nacka.id, actor=finance, now=now, whole=True, reason="Kom ändå")
    assert (nacka.status, nacka.owed_back, nacka.to_pay) == ("refund_due", 31250, 0)
    listed = invoicing.list_invoices(invoicing.InvoiceFilter())
    assert listed.outstanding == agency.total_amount == 31250 and listed.owed_back == 31250
    assert [i.number for i in invoicing.list_invoices(invoicing.InvoiceFilter(status="refund_due")).invoices] == [
        nacka.number]
    for wrong in (dict(amount=31251), dict(amount=0)):
        with pytest.raises(InvoicingRefused) as refused:
            invoicing.record_refund(nacka.id, day, actor=finance, now=now, **wrong)
        assert refused.value.field == "amount"
    with pytest.raises(InvoicingRefused):
        invoicing.record_refund(nacka.id, day + timedelta(days=1), actor=finance, now=now)  # in the future
    with pytest.raises(InvoicingRefused):
        invoicing.record_refund(note.id, day, actor=finance, now=now)
    refund = invoicing.record_refund(nacka.id, day, actor=finance, now=now)
    assert refund.amount == 31250 and nacka.owed_back == 0 and nacka.status == "credited"
    assert invoicing.refunds_between(day, day) == [refund]

    sie = sie_file([nacka, agency, note], invoicing.payments_between(day, day), company="Nowa Kommunikation AB",
                   org_number="559900-0006", accounts=SieAccounts(), generated_on=day,
                   refunds=invoicing.refunds_between(day, day)).decode("cp437")
    vouchers = sie.split("#VER")[1:]
    assert len(vouchers) == 5 and "Återbetalning faktura" in vouchers[-1]
    assert "#TRANS 1510 {} 312.50" in vouchers[-1] and "#TRANS 1930 {} -312.50" in vouchers[-1]
    receivable = 0
    for voucher in vouchers:
        amounts = {line.split()[1]: Decimal(line.split()[-1]) for line in voucher.splitlines() if "#TRANS" in line}
        assert sum(amounts.values()) == 0
        receivable += amounts.get("1510", 0)
    assert receivable == Decimal("312.50")  # what the agency still owes, and nothing of Nacka's
