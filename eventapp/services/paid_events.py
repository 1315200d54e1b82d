"""Rule 9: the price of a paid event, invoiced to the buyer of each booking with a line per person.

A booking is invoiced when it is made (or after the event, if the event says so), through the same
gap-free series as every invoice (services.invoicing). A person cancelling free of charge has their
line credited by a credit note in the same transaction; a late cancellation keeps the charge; a
colleague sent instead keeps the line (it stays on the invoice, under the first person's name). A
booking whose invoice cannot be issued yet (no organisation number or address) is held back with
the reason for finance, and invoiced by the next run once the registration is completed.

Lock order as in services.invoicing: the series, then the event. A booking or cancellation of an
event invoiced on registration takes the series before the event (``lock_series``), so it cannot
deadlock with another issuer.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..database import begin_write
from ..extensions import db
from ..formatting import format_date
from ..models import (
    Booking,
    Delivery,
    Event,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceTiming,
    Registration,
    RegistrationStatus,
    User,
)
from . import audit, invoice_mail, invoicing
from .buyers import BuyerAddress, missing_address_reason, proposed_peppol_id
from .noshow import billing_for
from .registration import event_for_update
from .seller import seller_from_config


def is_paid(event: Event) -> bool:
    return (event.price or 0) > 0


def invoices_on_registration(event: Event) -> bool:
    return is_paid(event) and event.invoice_timing != InvoiceTiming.AFTER_EVENT


def lock_series() -> None:
    """The invoice series' lock, taken before the event's by whoever may issue or credit an invoice."""
    invoicing._lock_series()


def is_paid_registration(registration: Registration, event: Event) -> bool:
    """Charged the event's price through a booking: never also charged a no-show fee."""
    return registration.booking_id is not None and is_paid(event)


# Issuing ---------------------------------------------------------------------------------------


def booked(event: Event, booking: Booking, now: datetime) -> None:
    """After a booking's people are inserted: invoice it now if the event invoices on registration.
    Call holding the series' and the event's locks (``group_booking``)."""
    if invoices_on_registration(event) and booking.unit_price > 0 and not event.is_cancelled:
        invoice_booking(event, booking, now)


def _uninvoiced(booking: Booking) -> list[Registration]:
    """The booking's confirmed people whose place no invoice line charges yet (a substitute's place is
    charged on the line of the person they replaced)."""
    people = list(db.session.scalars(
        select(Registration).where(Registration.booking_id == booking.id,
                                   Registration.status == RegistrationStatus.CONFIRMED)
        .options(selectinload(Registration.organisation)).order_by(Registration.queued_at, Registration.id)))
    if not people:
        return []
    # Two queries for the whole booking, not two per person: who replaced whom, and whose place is charged.
    replaced = dict(db.session.execute(select(Registration.transferred_to_id, Registration.id).where(
        Registration.event_id == booking.event_id, Registration.transferred_to_id.is_not(None))).all())
    charged = set(db.session.scalars(select(InvoiceLine.registration_id).join(Invoice).where(
        Invoice.event_id == booking.event_id, Invoice.kind == InvoiceKind.INVOICE,
        InvoiceLine.registration_id.is_not(None))))
    return [person for person in people if not charged & _with_whom_they_replaced(person.id, replaced)]


def _with_whom_they_replaced(registration_id: int, replaced: dict[int, int]) -> set[int]:
    """The registration and those it took the place of, one after the other ({new id: old id})."""
    chain = {registration_id}
    while registration_id in replaced and len(chain) < 50:
        registration_id = replaced[registration_id]
        chain.add(registration_id)
    return chain


def line_for(registration: Registration) -> InvoiceLine | None:
    """The invoice line charging this person's place: their own, or that of whom they replaced."""
    ids = [registration.id]
    current = registration.id
    for _hop in range(50):
        before = db.session.scalar(select(Registration.id).where(Registration.transferred_to_id == current))
        if before is None:
            break
        ids.append(before)
        current = before
    return db.session.scalar(select(InvoiceLine).join(Invoice).where(
        InvoiceLine.registration_id.in_(ids), Invoice.kind == InvoiceKind.INVOICE).order_by(InvoiceLine.id).limit(1))


#: Why a booking's invoice is held back, by the code stored on the booking (shown in the reader's language).
HELD_REASONS = {
    "org_number": _l("No organisation number: add it to the registration, then issue again."),
    "address": missing_address_reason(),
}


def held_reason(people: list[Registration]) -> str | None:
    """Why an invoice to these people's buyer cannot be issued now (a key of ``HELD_REASONS``), or None."""
    first = people[0]
    organisation = first.organisation
    if not (first.org_number or (organisation.org_number if organisation is not None else "")):
        return "org_number"
    if not BuyerAddress.of(first).is_complete:
        return "address"
    return None


def _line_description(event: Event) -> str:
    return _("Participation: %(title)s, %(date)s", title=event.title, date=format_date(event.starts_at))


def invoice_booking(event: Event, booking: Booking, now: datetime, *, actor: User | None = None) -> Invoice | None:
    """One invoice to the booking's buyer with a line per confirmed person not invoiced yet, or the
    booking held back with the reason. Call holding the series' and the event's locks."""
    return _invoice_buyer(event, [booking], now, actor=actor)


def _invoice_buyer(event: Event, bookings: list[Booking], now: datetime, *, actor: User | None = None
                   ) -> Invoice | None:
    """One invoice with a line per confirmed person not invoiced yet of ``bookings`` (one buyer's), or
    the bookings held back with the reason. Call holding the series' and the event's locks."""
    charged = [(person, booking) for booking in bookings if booking.unit_price > 0
               for person in _uninvoiced(booking)]
    if not charged:
        return None
    reason = held_reason([person for person, _booking in charged])
    for booking in bookings:
        booking.invoice_held_reason = reason or ""
    if reason is not None:
        return None
    first, booking = charged[0]
    organisation = first.organisation
    org_number = first.org_number or organisation.org_number
    billing = billing_for(event)
    seller = seller_from_config(current_app.config)
    address = BuyerAddress.of(first)
    peppol_id = first.peppol_id or proposed_peppol_id(first)
    issue_date = invoicing.local_date(now)
    series = invoicing._lock_series()  # already held: the same row
    invoice = Invoice(
        number=invoicing._take_number(series), kind=InvoiceKind.INVOICE, event=event, issued_at=now,
        issue_date=issue_date, due_date=issue_date + timedelta(days=seller.payment_terms_days),
        seller=seller.snapshot(), buyer_name=organisation.name if organisation else first.organisation_name,
        buyer_org_number=org_number, buyer_peppol_id=peppol_id, buyer_street=address.street,
        buyer_postcode=address.postcode, buyer_city=address.city, buyer_address=address.extra,
        buyer_email=booking.booker_email,
        buyer_reference=first.invoice_reference or booking.booker_name,
        delivery=Delivery.PEPPOL if peppol_id else Delivery.EMAIL,
        vat_treatment=billing.vat_treatment, vat_exemption_reason=billing.vat_exemption_reason,
        net_amount=0, vat_amount=0, total_amount=0, issued_by_id=actor.id if actor else None, sent_via="")
    with force_locale("sv"):  # the document's language
        description = _line_description(event)
    for position, (person, of_booking) in enumerate(charged, start=1):
        invoice.lines.append(InvoiceLine(
            position=position, registration_id=person.id, description=description, attendee_name=person.full_name,
            net_amount=of_booking.unit_price, vat_rate=billing.vat_rate, vat_amount=0))
    invoicing._total(invoice)
    db.session.add(invoice)
    db.session.flush()
    audit.record("invoice.issued", invoice, actor=actor, now=now, event_id=event.id, number=invoice.number,
                 total=invoice.total_amount, lines=len(invoice.lines), bookings=[b.id for b in bookings])
    invoice_mail.queue_if_emailed(invoice, now, actor=actor)
    return invoice


def _buyers(bookings: list[Booking]) -> list[list[Booking]]:
    """The bookings by buyer (organisation and invoice reference, as rule 7 groups them), in booking order."""
    grouped: dict[tuple, list[Booking]] = {}
    for booking in bookings:
        first = db.session.scalars(select(Registration).where(Registration.booking_id == booking.id)
                                   .order_by(Registration.id).limit(1)).first()
        key = invoicing._buyer_key(first) if first is not None else ("booking", booking.id)
        grouped.setdefault(key, []).append(booking)
    return list(grouped.values())


def issue_due(event_id: int, now: datetime, *, actor: User | None = None) -> list[Invoice]:
    """Invoice what is due of an event's bookings: people promoted from the waiting list, bookings held
    back and completed since, and (after the event) bookings of an event invoiced then, one invoice per
    buyer and reference."""
    begin_write()
    try:
        lock_series()
        event = event_for_update(event_id)
        if event is None or not is_paid(event) or event.is_cancelled:
            db.session.rollback()
            return []
        after_event = event.invoice_timing == InvoiceTiming.AFTER_EVENT
        if after_event and now < event.ends_at:
            db.session.rollback()
            return []
        bookings = list(db.session.scalars(select(Booking).where(Booking.event_id == event.id).order_by(Booking.id)))
        issued = []
        for buyer in _buyers(bookings) if after_event else [[booking] for booking in bookings]:
            invoice = _invoice_buyer(event, buyer, now, actor=actor)
            if invoice is not None:
                issued.append(invoice)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return issued


def events_with_uninvoiced_bookings() -> list[int]:
    """Ids of paid events with confirmed booked people whose place is not invoiced yet."""
    invoiced = select(InvoiceLine.registration_id).where(InvoiceLine.registration_id.is_not(None))
    return list(db.session.scalars(
        select(Registration.event_id).join(Event, Event.id == Registration.event_id).where(
            Event.price > 0, Event.cancelled_at.is_(None), Registration.booking_id.is_not(None),
            Registration.status == RegistrationStatus.CONFIRMED, Registration.id.not_in(invoiced),
            Registration.transferred_to_id.is_(None)).distinct()))


def issue_all_due(now: datetime) -> int:
    """The periodic run: every paid event's due invoices; the number issued."""
    return sum(len(issue_due(event_id, now)) for event_id in events_with_uninvoiced_bookings())


# Cancellation -----------------------------------------------------------------------------------


def cancelled(registration: Registration, event: Event, late: bool, promoted: list[Registration],
              now: datetime) -> None:
    """After a cancellation, in its transaction: a free one credits the person's line; people promoted
    from the waiting list are invoiced. Needs the series' lock (``lock_before_cancelling``). A place
    invoiced is credited even if the event's price has since been taken away."""
    if registration.booking_id is None:
        return
    if not late:
        line = line_for(registration)
        if line is not None and not _is_credited(line):
            credit_line(line, now, reason=_credit_reason(registration, event))
    if invoices_on_registration(event) and not event.is_cancelled:
        for booking_id in {p.booking_id for p in promoted if p.booking_id is not None}:
            invoice_booking(event, db.session.get(Booking, booking_id), now)


def lock_before_cancelling(event_id: int) -> None:
    """Passed to ``lock_event`` by a cancellation: the series first for a paid event (the lock order)."""
    if (db.session.scalar(select(Event.price).where(Event.id == event_id)) or 0) > 0 or _has_paid_invoices(event_id):
        lock_series()


def _has_paid_invoices(event_id: int) -> bool:
    """Whether places of the event were invoiced (it may have been made free since)."""
    return db.session.scalar(select(InvoiceLine.id).join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(
        Invoice.event_id == event_id, InvoiceLine.registration_id.is_not(None)).limit(1)) is not None


def _is_credited(line: InvoiceLine) -> bool:
    return db.session.scalar(select(InvoiceLine.id).where(InvoiceLine.credited_line_id == line.id)) is not None


def _credit_reason(registration: Registration, event: Event) -> str:
    with force_locale("sv"):
        return _("%(name)s cancelled free of charge before %(date)s.", name=registration.full_name,
                 date=format_date(event.effective_cancellation_deadline))


def credit_line(line: InvoiceLine, now: datetime, *, reason: str) -> Invoice:
    """A credit note for one line, in the caller's transaction (which holds the series' lock)."""
    return _credit(invoicing.plan_credit(line.invoice, line_ids=[line.id], whole=False, reason=reason), now)


def event_cancelled(event: Event, now: datetime) -> list[Invoice]:
    """The event is called off: every place invoiced is credited, in the cancellation's transaction
    (which holds the series' lock, see ``lock_before_cancelling``)."""
    with force_locale("sv"):
        reason = _("The event has been cancelled.")
    notes = []
    for invoice in event_invoices(event):
        if invoice.is_credit_note or not any(line.registration_id for line in invoice.lines):
            continue
        if invoice.credited_amount >= invoice.total_amount:
            continue
        notes.append(_credit(invoicing.plan_credit(invoice, line_ids=None, whole=True, reason=reason), now))
    return notes


def _credit(plan: "invoicing.CreditPlan", now: datetime) -> Invoice:
    invoice = plan.invoice
    series = invoicing._lock_series()
    note = Invoice(
        number=invoicing._take_number(series), kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice,
        event_id=invoice.event_id, issued_at=now, issue_date=invoicing.local_date(now),
        due_date=invoicing.local_date(now), seller=dict(invoice.seller), buyer_name=invoice.buyer_name,
        buyer_org_number=invoice.buyer_org_number, buyer_peppol_id=invoice.buyer_peppol_id,
        buyer_street=invoice.buyer_street, buyer_postcode=invoice.buyer_postcode, buyer_city=invoice.buyer_city,
        buyer_address=invoice.buyer_address, buyer_email=invoice.buyer_email,
        buyer_reference=invoice.buyer_reference, delivery=invoice.delivery, vat_treatment=invoice.vat_treatment,
        vat_exemption_reason=invoice.vat_exemption_reason, net_amount=0, vat_amount=0, total_amount=0,
        note=plan.reason, issued_by_id=None, sent_via="")
    for position, line in enumerate(plan.lines, start=1):
        note.lines.append(InvoiceLine(position=position, credited_line_id=line.id, description=line.description,
                                      attendee_name=line.attendee_name, net_amount=-line.net_amount,
                                      vat_rate=line.vat_rate, vat_amount=0))
    invoicing._total(note, {rate: -amount for rate, amount in plan.rate_vat.items()})
    db.session.add(note)
    audit.record("invoice.credited", invoice, actor=None, now=now, event_id=invoice.event_id,
                 credit_note=note.number, amount=plan.total, reason=plan.reason)
    invoice_mail.queue_if_emailed(note, now)
    return note


# Reading ---------------------------------------------------------------------------------------


def invoice_numbers(registrations: list[Registration]) -> dict[int, int]:
    """{registration id: number of the invoice charging the place} for those invoiced."""
    numbers = {}
    for registration in registrations:
        if registration.booking_id is None:
            continue
        line = line_for(registration)
        if line is not None:
            numbers[registration.id] = line.invoice.number
    return numbers


def invoice_numbers_of_event(event: Event) -> dict[int, int]:
    """{registration id: number of the invoice charging the place} for an event, in two queries; a colleague
    sent instead has the number of the one they replaced."""
    numbers = dict(db.session.execute(
        select(InvoiceLine.registration_id, Invoice.number).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.event_id == event.id, Invoice.kind == InvoiceKind.INVOICE,
               InvoiceLine.registration_id.is_not(None))).all())
    handed_over = dict(db.session.execute(
        select(Registration.id, Registration.transferred_to_id).where(
            Registration.event_id == event.id, Registration.transferred_to_id.is_not(None))).all())
    for old, new in handed_over.items():
        seen = 0
        while old in numbers and new is not None and new not in numbers and seen < 50:
            numbers[new] = numbers[old]
            old, new = new, handed_over.get(new)
            seen += 1
    return numbers


@dataclass
class HeldBooking:
    booking: Booking
    reason_code: str
    people: list[str]
    #: The registration whose buyer details the invoice takes (finance completes them there).
    buyer_registration_id: int

    @property
    def reason(self) -> str:
        return str(HELD_REASONS.get(self.reason_code, self.reason_code))


def held_bookings() -> list[HeldBooking]:
    """Bookings whose invoice is held back, with the reason, for finance."""
    rows = []
    for booking in db.session.scalars(select(Booking).where(Booking.invoice_held_reason != "")
                                      .order_by(Booking.id)):
        people = _uninvoiced(booking)
        if people:
            rows.append(HeldBooking(booking, booking.invoice_held_reason, [p.full_name for p in people], people[0].id))
    return rows


def event_invoices(event: Event) -> list[Invoice]:
    """An event's invoices and credit notes, by number."""
    return list(db.session.scalars(select(Invoice).where(Invoice.event_id == event.id).order_by(Invoice.number)))
