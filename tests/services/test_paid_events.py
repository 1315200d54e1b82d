"""Rule 9: the price of a paid event, invoiced per booking with a line per person."""
import os
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import attendee, make_event
from invoice_builders import NACKA, staff

from eventapp.exports.peppol import invoice_xml
from eventapp.extensions import db
from eventapp.models import DiscountCode, Invoice, InvoiceKind, Registration
from eventapp.services import group_booking, noshow, paid_events, pricing
from eventapp.services.cancellation import cancel_registration
from eventapp.services.errors import DomainError
from eventapp.services.group_booking import BookingRequest, Colleague, book
from eventapp.services.pricing import DiscountCodeRefused

PRICE = 150000  # 1 500 kr


def paid_event(now, **fields):
    fields.setdefault("price", PRICE)
    return make_event(now, **fields)


def nacka_booker(n: int = 1, **fields):
    return attendee(n, **{**NACKA, **fields})


def team(count: int, start: int = 1) -> list[Colleague]:
    return [Colleague("Kollega", f"Nummer {n}", f"kollega{n}@example.org") for n in range(start, start + count)]


def add_code(event, code="MEDLEM", **fields):
    row = DiscountCode(event_id=event.id, code=code, uses=0, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def invoices() -> list[Invoice]:
    return list(db.session.scalars(db.select(Invoice).order_by(Invoice.number)))


def test_a_paid_group_of_three_gets_one_invoice_with_a_line_per_person(ctx, now):
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    (invoice,) = invoices()
    assert [line.attendee_name for line in invoice.lines] == [p.name for p in result.people]
    assert [line.net_amount for line in invoice.lines] == [PRICE] * 3
    assert (invoice.net_amount, invoice.vat_amount, invoice.total_amount) == (450000, 112500, 562500)
    assert invoice.buyer_name == "Nacka kommun" and invoice.buyer_org_number == "212000-0142"
    assert invoice.buyer_reference == "KS-4711" and invoice.buyer_peppol_id == "0007:2120000142"
    assert (invoice.buyer_street, invoice.buyer_postcode, invoice.buyer_city) == ("Granitvägen 15", "131 81", "Nacka")
    numbers = paid_events.invoice_numbers(list(db.session.scalars(db.select(Registration))))
    assert set(numbers.values()) == {invoice.number}


def test_cancelling_in_time_credits_that_line_in_the_same_transaction(ctx, now):
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    cancel_registration(result.people[1].registration_id, now + timedelta(days=1))
    invoice, note = invoices()
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.credited_invoice_id == invoice.id
    assert [(line.attendee_name, line.net_amount) for line in note.lines] == [(result.people[1].name, -PRICE)]
    assert note.total_amount == -187500 and note.number == invoice.number + 1
    assert note.note  # the reason printed on it


def test_a_late_cancellation_keeps_the_charge_and_no_no_show_fee_is_added(ctx, now):
    event = paid_event(now, no_show_fee=25000)
    result = book(event.id, BookingRequest(nacka_booker(), team(1)), now)
    cancel_registration(result.people[1].registration_id, event.effective_cancellation_deadline + timedelta(seconds=1))
    assert [i.kind for i in invoices()] == [InvoiceKind.INVOICE]
    # Neither the late canceller nor the booker who never came is charged a no-show fee on top.
    assert noshow.no_shows_for(event).entries == []


def test_a_colleague_sent_instead_keeps_the_invoice(ctx, now):
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(1)), now)
    new = group_booking.replace_member(result.booking, result.people[1].registration_id,
                                       attendee(9, email="ersattare@example.org"), now)
    (invoice,) = invoices()
    assert paid_events.invoice_numbers([new.registration]) == {new.registration_id: invoice.number}
    cancel_registration(new.registration_id, now + timedelta(days=1))
    assert [line.attendee_name for line in invoices()[1].lines] == [result.people[1].name]


def test_the_periodic_run_invoices_no_one_twice_after_colleagues_were_sent_instead(ctx, now):
    """A place handed on twice is still charged on the first person's line: does the periodic run leave
    it alone, and invoice only a colleague added later?"""
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(1)), now)
    first = group_booking.replace_member(result.booking, result.people[1].registration_id,
                                         attendee(8, email="forsta@example.org"), now)
    group_booking.replace_member(result.booking, first.registration_id, attendee(9, email="andra@example.org"), now)
    assert paid_events.issue_due(event.id, now) == []
    assert len(invoices()) == 1


def test_the_early_bird_price_holds_until_its_date(ctx, now):
    event = paid_event(now, early_bird_price=120000, early_bird_until=now + timedelta(days=2))
    assert pricing.list_price(event, now + timedelta(days=2) - timedelta(seconds=1)) == 120000
    assert pricing.list_price(event, now + timedelta(days=2)) == PRICE
    result = book(event.id, BookingRequest(nacka_booker()), now)
    assert result.booking.unit_price == 120000


@pytest.mark.parametrize("fields, price", [({"percent": 20}, 120000), ({"amount": 50000}, 100000)])
def test_a_discount_code_takes_a_percentage_or_an_amount_off(ctx, now, fields, price):
    event = paid_event(now)
    add_code(event, **fields)
    result = book(event.id, BookingRequest(nacka_booker(), discount_code=" medlem "), now)
    assert result.booking.unit_price == price
    assert invoices()[0].lines[0].net_amount == price


@pytest.mark.parametrize("code, fields, message", [
    ("OKÄND", {}, "gäller inte"),
    ("MEDLEM", {"max_uses": 1, "uses": 1}, "förbrukad"),
])
def test_an_unknown_or_used_up_code_is_refused_and_nothing_is_stored(ctx, now, code, fields, message):
    event = paid_event(now)
    uses = fields.pop("uses", 0)
    row = add_code(event, percent=10, **fields)
    row.uses = uses
    db.session.commit()
    with pytest.raises(DiscountCodeRefused) as refused:
        book(event.id, BookingRequest(nacka_booker(), discount_code=code), now)
    assert message in str(refused.value) and refused.value.field == "discount_code"
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_an_expired_code_is_refused(ctx, now):
    event = paid_event(now)
    add_code(event, percent=10, valid_until=now)
    with pytest.raises(DiscountCodeRefused, match="gått ut"):
        book(event.id, BookingRequest(nacka_booker(), discount_code="MEDLEM"), now)


def test_a_booking_whose_invoice_cannot_be_issued_is_held_back_with_the_reason(ctx, now):
    event = paid_event(now)
    result = book(event.id, BookingRequest(attendee(1, organisation="Exempelbolaget AB"), team(1)), now)
    assert invoices() == []
    assert result.booking.invoice_held_reason
    (held,) = paid_events.held_bookings()
    assert held.reason == "Organisationsnummer saknas: lägg till det i anmälan och fakturera igen."
    finance = staff("finance")
    from eventapp.services.invoicing import update_buyer
    for person in group_booking.members(result.booking):
        update_buyer(person.id, org_number="556999-9997", peppol_id="", actor=finance, now=now, street="Gatan 1",
                     postcode="111 22", city="Stockholm")
    assert len(paid_events.issue_due(event.id, now)) == 1
    assert paid_events.held_bookings() == []


def test_after_event_invoicing_waits_for_the_end(ctx, now):
    event = paid_event(now, invoice_timing="after_event")
    book(event.id, BookingRequest(nacka_booker(), team(1)), now)
    assert invoices() == []
    assert paid_events.issue_due(event.id, event.ends_at - timedelta(seconds=1)) == []
    assert paid_events.issue_all_due(event.ends_at) == 1
    assert len(invoices()[0].lines) == 2


def test_after_the_event_one_buyers_bookings_make_one_invoice(ctx, now):
    event = paid_event(now, invoice_timing="after_event")
    book(event.id, BookingRequest(nacka_booker(1), team(1)), now)
    book(event.id, BookingRequest(nacka_booker(2), team(1, start=5)), now)
    book(event.id, BookingRequest(nacka_booker(3, invoice_reference="KS-9")), now)
    assert paid_events.issue_all_due(event.ends_at) == 2
    assert [len(i.lines) for i in invoices()] == [4, 1]


def test_a_person_promoted_from_the_waiting_list_is_invoiced_then(ctx, now):
    event = paid_event(now, capacity=2)
    first = book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    assert [p.status for p in first.people] == ["confirmed", "confirmed", "waitlisted"]
    cancel_registration(first.people[0].registration_id, now)
    kinds = [(i.kind, [line.attendee_name for line in i.lines]) for i in invoices()]
    assert kinds == [(InvoiceKind.INVOICE, [first.people[0].name, first.people[1].name]),
                     (InvoiceKind.CREDIT_NOTE, [first.people[0].name]),
                     (InvoiceKind.INVOICE, [first.people[2].name])]


def test_a_free_event_issues_no_invoice(ctx, now):
    event = make_event(now)
    book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    assert invoices() == []


# Under concurrency ------------------------------------------------------------------------------


def test_a_discount_code_with_five_uses_raced_by_twenty_bookings_is_used_five_times(app, now):
    with app.app_context():
        event = paid_event(now, capacity=None)
        event_id = event.id
        add_code(event, percent=50, max_uses=5)

    def one(n):
        with app.test_request_context():
            try:
                book(event_id, BookingRequest(nacka_booker(100 + n), discount_code="MEDLEM"), now)
                return "booked"
            except DomainError as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = Counter(pool.map(one, range(20)))
    assert outcomes == {"booked": 5, "discount_code_refused": 15}
    with app.app_context():
        assert db.session.scalar(db.select(DiscountCode.uses)) == 5
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 5
        numbers = sorted(db.session.scalars(db.select(Invoice.number)))
        assert numbers == list(range(1, 6))  # gap-free


# The official rules ----------------------------------------------------------------------------

VALIDATOR = os.environ.get("PEPPOL_VALIDATE") or shutil.which("peppol-validate")


@pytest.mark.skipif(not VALIDATOR, reason="set PEPPOL_VALIDATE to a peppol-validate command with its rule sets")
def test_the_invoice_and_the_credit_note_pass_the_peppol_rules(ctx, now, tmp_path):
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    cancel_registration(result.people[2].registration_id, now + timedelta(days=1))
    paths = []
    for document in invoices():
        path = tmp_path / f"{document.number}.xml"
        path.write_bytes(invoice_xml(document))
        paths.append(str(path))
    run = subprocess.run([VALIDATOR, *paths], capture_output=True, text=True, check=False)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr


# Overdue invoices ------------------------------------------------------------------------------


def test_an_overdue_invoice_is_reminded_once_and_a_paid_one_never(ctx, now):
    from eventapp.models import OutboxMessage
    from eventapp.services import invoicing
    from eventapp.services.overdue_invoices import remind_overdue

    event = paid_event(now)
    book(event.id, BookingRequest(nacka_booker(1)), now)
    book(event.id, BookingRequest(nacka_booker(2, invoice_reference="KS-2")), now)
    first, second = invoices()
    finance = staff("finance")
    invoicing.record_payment(second.id, second.issue_date, actor=finance, now=now)
    on_due_date = datetime_at(first.due_date)
    assert remind_overdue(on_due_date) == []
    assert remind_overdue(on_due_date + timedelta(days=1)) == [first.number]
    assert remind_overdue(on_due_date + timedelta(days=2)) == []
    (reminder,) = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.subject.like("Påminnelse%")))
    assert reminder.recipient == "anna1@example.org" and str(first.number) in reminder.subject


def test_workers_reminding_at_the_same_moment_send_each_reminder_once(app, now):
    """Each machine's worker runs the daily job: however they overlap, one reminder per invoice."""
    from eventapp.models import OutboxMessage
    from eventapp.services.overdue_invoices import remind_overdue

    with app.app_context():
        event = paid_event(now)
        for n in range(1, 6):
            book(event.id, BookingRequest(nacka_booker(n, invoice_reference=f"KS-{n}")), now)
        due_date = invoices()[0].due_date
        db.session.remove()
    later = datetime_at(due_date) + timedelta(days=1)

    def remind(_):
        with app.app_context():
            try:
                return remind_overdue(later)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        reminded = [number for numbers in pool.map(remind, range(4)) for number in numbers]
    with app.app_context():
        assert sorted(reminded) == sorted(i.number for i in invoices())
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.subject.like("Påminnelse%"))) == 5


def datetime_at(day):
    from datetime import UTC, datetime
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_cancelling_the_event_credits_every_place_invoiced(ctx, now):
    from eventapp.services.events import cancel_event

    event = paid_event(now)
    book(event.id, BookingRequest(nacka_booker(1), team(2)), now)
    book(event.id, BookingRequest(nacka_booker(9, invoice_reference="KS-9")), now)
    cancel_event(event.id, actor=None, now=now + timedelta(days=1))
    documents = invoices()
    assert [d.kind for d in documents] == ["invoice", "invoice", "credit_note", "credit_note"]
    assert sum(d.total_amount for d in documents) == 0
    assert paid_events.issue_all_due(now + timedelta(days=2)) == 0


def test_the_cancellation_receipt_says_whether_the_place_is_credited(ctx, now):
    from builders import written

    from eventapp.models import OutboxMessage

    event = paid_event(now, no_show_fee=25000)
    result = book(event.id, BookingRequest(nacka_booker(), team(2)), now)
    cancel_registration(result.people[1].registration_id, now)
    cancel_registration(result.people[2].registration_id, event.effective_cancellation_deadline)
    receipts = {m.recipient: written(m).replace("=\r\n", "") for m in db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "cancelled"))}
    assert "krediteras" in receipts["kollega1@example.org"]
    late = receipts["kollega2@example.org"]
    assert "st=C3=A5r kvar" in late and "no show" not in late.lower()


def test_a_place_invoiced_is_credited_even_after_the_event_was_made_free(ctx, now):
    event = paid_event(now)
    result = book(event.id, BookingRequest(nacka_booker(), team(1)), now)
    event.price = 0
    db.session.commit()
    cancel_registration(result.people[1].registration_id, now)
    assert [i.kind for i in invoices()] == ["invoice", "credit_note"]
