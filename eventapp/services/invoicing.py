"""Rule 7: invoices for approved no-show fees, credit notes, and following them to payment.

Numbers come from one gap-free series shared by invoices and credit notes. The number is taken
from a counter row in the same transaction that stores the invoice: the row is locked (FOR UPDATE
on PostgreSQL; SQLite's writing transaction holds the whole database), so concurrent issuers wait
for each other, and a crash before the commit gives the number back with everything else.

Rows are locked (FOR UPDATE) in one order: the series, then the event, then an invoice. The
no-show review holds the event row while it waives, approves or sets the VAT (``lock_event``); an
invoice run takes the series and then the event before it reads the fees, so it waits for a waive
that has not committed yet and then sees it, and a waive that comes second sees the run's invoice.
The follow-up writers (marking sent, payments, e-mail delivery) lock an invoice and then insert
rows referring to its event, which waits for whoever holds the event; nothing holding an event
waits for an invoice, so they cannot deadlock with a run or a review.
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from ..database import begin_write
from ..extensions import db
from ..formatting import format_date
from ..models import (
    Delivery,
    Event,
    EventBilling,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    NoShowCharge,
    OutboxMessage,
    Payment,
    Refund,
    Registration,
    Role,
    User,
)
from . import audit, invoice_mail, vat
from .buyers import BuyerAddress, checked_address, missing_address_reason, proposed_peppol_id, validate_peppol_id
from .errors import Forbidden, InvoicingRefused, NotFound
from .noshow import billing_for
from .organisations import validate_org_number
from .registration import event_for_update
from .seller import Seller, seller_from_config

SERIES = "main"


def local_date(moment: datetime) -> date:
    return to_user_timezone(moment).date()


# Issuing --------------------------------------------------------------------------------------


@dataclass
class HeldBack:
    """A buyer whose fees were not invoiced, and why."""

    buyer_name: str
    reference: str
    attendees: list[str]
    reason: str
    registration_ids: list[int] = field(default_factory=list)


@dataclass
class IssueResult:
    invoices: list[Invoice] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)


@dataclass
class _Buyer:
    name: str
    reference: str
    charges: list[NoShowCharge] = field(default_factory=list)


def _require_finance(actor: User | None) -> None:
    if actor is None or not actor.has_role(Role.FINANCE):
        raise Forbidden(_l("Only finance staff can do this."))


def _lock_series() -> InvoiceSeries:
    """The series' counter row, created if missing and locked until the transaction ends."""
    values = {"name": SERIES, "next_number": 1}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(pg_insert(InvoiceSeries).values(**values).on_conflict_do_nothing())
    else:
        db.session.execute(sqlite_insert(InvoiceSeries).values(**values).on_conflict_do_nothing())
    return db.session.scalar(select(InvoiceSeries).where(InvoiceSeries.name == SERIES).with_for_update()
                             .execution_options(populate_existing=True))


def _lock_event(event_id: int) -> Event | None:
    """The event, locked until the transaction ends (after the series: see the module's lock order)."""
    return event_for_update(event_id)


def _take_number(series: InvoiceSeries) -> int:
    """The next number; the caller holds the series' lock and stores the document in the same transaction."""
    number = series.next_number
    series.next_number = number + 1
    return number


def _buyer_key(registration: Registration) -> tuple:
    organisation = (f"org:{registration.organisation_id}" if registration.organisation_id
                    else " ".join(registration.organisation_name.casefold().split()))
    return organisation, " ".join(registration.invoice_reference.casefold().split())


def _pending_charges(event: Event) -> list[NoShowCharge]:
    invoiced = select(InvoiceLine.charge_id).where(InvoiceLine.charge_id.is_not(None))
    return list(db.session.scalars(
        select(NoShowCharge)
        .where(NoShowCharge.event_id == event.id, NoShowCharge.approved_at.is_not(None),
               NoShowCharge.waived_at.is_(None), NoShowCharge.amount > 0, NoShowCharge.id.not_in(invoiced))
        .options(selectinload(NoShowCharge.registration).selectinload(Registration.organisation))
        .order_by(NoShowCharge.id)
    ))


def _group(charges: list[NoShowCharge]) -> list[_Buyer]:
    buyers: OrderedDict[tuple, _Buyer] = OrderedDict()
    for charge in charges:
        registration = charge.registration
        key = _buyer_key(registration)
        if key not in buyers:
            name = registration.organisation.name if registration.organisation else registration.organisation_name
            buyers[key] = _Buyer(name=name, reference=registration.invoice_reference.strip())
        buyers[key].charges.append(charge)
    return list(buyers.values())


def _buyer_org_number(buyer: _Buyer) -> tuple[str | None, str | None]:
    """(organisation number, None) or (None, why the buyer is held back)."""
    typed = {c.registration.org_number for c in buyer.charges if c.registration.org_number}
    if len(typed) > 1:
        return None, _("The attendees gave different organisation numbers (%(numbers)s).",
                       numbers=", ".join(sorted(typed)))
    if typed:
        return typed.pop(), None
    organisation = buyer.charges[0].registration.organisation
    if organisation is not None and organisation.org_number:
        return organisation.org_number, None
    return None, _("No organisation number: add it to the registration, then issue again.")


def _buyer_address(buyer: _Buyer) -> BuyerAddress | None:
    """The first complete invoice address the buyer's attendees gave, or None."""
    for charge in buyer.charges:
        address = BuyerAddress.of(charge.registration)
        if address.is_complete:
            return address
    return None


def _held_back_reason(buyer: _Buyer) -> str | None:
    """Why the buyer's invoice cannot be issued (the invoice would break the law or the rules), or None.

    Mervärdesskattelagen asks for the buyer's address on every invoice: rather than issue one without
    it, the buyer is held back until finance (or the registration) gives it.
    """
    reason = _buyer_org_number(buyer)[1]
    if reason is None and _buyer_address(buyer) is None:
        reason = str(missing_address_reason())
    return reason


def _held_back(buyer: _Buyer, reason: str) -> HeldBack:
    return HeldBack(buyer.name, buyer.reference, [c.registration.full_name for c in buyer.charges], reason,
                    [c.registration_id for c in buyer.charges])


def _line_description(kind: str, event: Event) -> str:
    if kind == "late_cancellation":
        return _("Late cancellation fee: %(title)s, %(date)s", title=event.title, date=format_date(event.starts_at))
    return _("No-show fee: %(title)s, %(date)s", title=event.title, date=format_date(event.starts_at))


def _new_invoice(event: Event, billing: EventBilling, buyer: _Buyer, org_number: str, seller: Seller,
                 series: InvoiceSeries, actor: User, now: datetime) -> Invoice:
    registrations = [c.registration for c in buyer.charges]
    peppol_id = next((r.peppol_id for r in registrations if r.peppol_id), "")
    if not peppol_id:
        peppol_id = next((p for p in map(proposed_peppol_id, registrations) if p), "")
    address = _buyer_address(buyer) or BuyerAddress()
    issue_date = local_date(now)
    invoice = Invoice(
        number=_take_number(series), kind=InvoiceKind.INVOICE, event=event, issued_at=now, issue_date=issue_date,
        due_date=issue_date + timedelta(days=seller.payment_terms_days), seller=seller.snapshot(),
        buyer_name=buyer.name or registrations[0].full_name, buyer_org_number=org_number,
        buyer_peppol_id=peppol_id, buyer_street=address.street, buyer_postcode=address.postcode,
        buyer_city=address.city,
        buyer_address=address.extra or next((r.invoice_address for r in registrations if r.invoice_address), ""),
        buyer_email=registrations[0].email,
        # Public buyers route e-invoices on the reference; without one, the attendee is named.
        buyer_reference=buyer.reference or registrations[0].full_name,
        delivery=Delivery.PEPPOL if peppol_id else Delivery.EMAIL,
        vat_treatment=billing.vat_treatment, vat_exemption_reason=billing.vat_exemption_reason,
        net_amount=0, vat_amount=0, total_amount=0, issued_by_id=actor.id, sent_via="",
    )
    rate = billing.vat_rate
    with force_locale("sv"):  # the document's language
        for position, charge in enumerate(buyer.charges, start=1):
            invoice.lines.append(InvoiceLine(
                position=position, charge=charge, description=_line_description(charge.kind, event),
                attendee_name=charge.registration.full_name, net_amount=charge.amount, vat_rate=rate,
                vat_amount=0))
    _total(invoice)
    db.session.add(invoice)
    return invoice


def _total(invoice: Invoice, rate_vat: dict[int, int] | None = None) -> None:
    """The lines' VAT and the invoice's sums: VAT on each rate's total (EN 16931), shared out over the
    lines so that they add up to it; ``rate_vat`` as ``vat.line_vat`` takes it."""
    pairs = [(line.net_amount, line.vat_rate) for line in invoice.lines]
    for line, share in zip(invoice.lines, vat.line_vat(pairs, rate_vat), strict=True):
        line.vat_amount = share
    invoice.net_amount = sum(line.net_amount for line in invoice.lines)
    invoice.vat_amount = sum(line.vat_amount for line in invoice.lines)
    invoice.total_amount = invoice.net_amount + invoice.vat_amount


def vat_breakdown(invoice: Invoice) -> list[vat.RateTotal]:
    """The invoice's VAT per rate as it was issued: the taxable amount and the VAT of each rate."""
    return vat.stated((line.net_amount, line.vat_rate, line.vat_amount) for line in invoice.lines)


def issue_invoices(event_id: int, *, actor: User, now: datetime, seller: Seller | None = None) -> IssueResult:
    """Invoice the approved, unwaived, not yet invoiced fees: one invoice per buyer and reference.

    Issuing again invoices only what is new; a buyer whose data would make an invalid invoice is
    held back with the reason and invoiced on a later run once the data is fixed.
    """
    _require_finance(actor)
    seller = seller or seller_from_config(current_app.config)
    begin_write()
    try:
        # Lock the series first: a second issuer for the same event waits here, then sees our lines.
        series = _lock_series()
        # Then the event, as the no-show review does, before reading the fees: a waive still in progress
        # is waited for and its fee left out.
        event = _lock_event(event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
        billing = billing_for(event)
        if billing.approved_at is None:
            raise InvoicingRefused(_l("The organiser has not approved the no-show list yet."))
        result = IssueResult()
        for buyer in _group(_pending_charges(event)):
            reason = _held_back_reason(buyer)
            if reason is not None:
                result.held_back.append(_held_back(buyer, reason))
                continue
            org_number = _buyer_org_number(buyer)[0]
            result.invoices.append(_new_invoice(event, billing, buyer, org_number, seller, series, actor, now))
        db.session.flush()  # all invoices in one go; the audit entries follow
        for invoice in result.invoices:
            audit.record("invoice.issued", invoice, actor=actor, now=now, event_id=event.id, number=invoice.number,
                         total=invoice.total_amount, lines=len(invoice.lines))
            # A buyer without a Peppol address gets the PDF by e-mail, queued with the invoice.
            invoice_mail.queue_if_emailed(invoice, now, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


# Credit notes ---------------------------------------------------------------------------------


@dataclass
class CreditPlan:
    """What a credit note would take off an invoice: the lines and the amounts (positive), before it is
    issued (finance confirms it) or as it is being issued."""

    invoice: Invoice
    lines: list[InvoiceLine]
    reason: str
    #: {rate: VAT credited at that rate} (see ``vat.credited_vat``).
    rate_vat: dict[int, int]

    @property
    def net(self) -> int:
        return sum(line.net_amount for line in self.lines)

    @property
    def vat(self) -> int:
        return sum(self.rate_vat.values())

    @property
    def total(self) -> int:
        return self.net + self.vat

    @property
    def whole(self) -> bool:
        """Every line of the invoice not yet credited is in it."""
        return len(self.lines) == len(self.invoice.lines) - len(_credited_lines(self.invoice))


def _credited_lines(invoice: Invoice) -> dict[int, InvoiceLine]:
    """{invoice line id: the credit note line reversing it}."""
    ids = [line.id for line in invoice.lines]
    return {line.credited_line_id: line for line in db.session.scalars(
        select(InvoiceLine).where(InvoiceLine.credited_line_id.in_(ids)))}


def plan_credit(invoice: Invoice, *, line_ids: list[int] | None, whole: bool, reason: str) -> CreditPlan:
    """Check a credit note asked for and say what it takes off: the ticked lines, or every line not yet
    credited when ``whole``; a reason is always needed. Writes nothing."""
    reason = " ".join((reason or "").split())
    if invoice.is_credit_note:
        raise InvoicingRefused(_l("A credit note cannot be credited."))
    credited = _credited_lines(invoice)
    open_lines = [line for line in invoice.lines if line.id not in credited]
    if not open_lines:
        raise InvoicingRefused(_l("Everything on this invoice is already credited."))
    if whole:
        lines = open_lines
    elif line_ids:
        wanted = set(line_ids)
        lines = [line for line in invoice.lines if line.id in wanted]
        if len(lines) != len(wanted):
            raise InvoicingRefused(_l("Choose lines of this invoice."), field="lines")
        if any(line.id in credited for line in lines):
            raise InvoicingRefused(_l("A line that is already credited cannot be credited again."), field="lines")
    else:
        raise InvoicingRefused(_l("Tick the lines to credit, or the whole invoice."), field="lines")
    if not reason:
        raise InvoicingRefused(_l("Give the reason for the credit note; it is printed on it."), field="reason")
    if len(reason) > 500:
        raise InvoicingRefused(_l("At most %(max)d characters.", max=500), field="reason")
    by_id = {line.id: line for line in invoice.lines}
    before = [(by_id[line_id].net_amount, by_id[line_id].vat_rate, -credit.vat_amount)
              for line_id, credit in credited.items()]
    rate_vat = vat.credited_vat(before, [(line.net_amount, line.vat_rate) for line in lines])
    plan = CreditPlan(invoice, lines, reason, rate_vat)
    if invoice.credited_amount + plan.total > invoice.total_amount:
        raise InvoicingRefused(_l("A credit note cannot be for more than the invoice."))
    return plan


def credit_preview(invoice_id: int, *, actor: User, line_ids: list[int] | None = None, whole: bool = False,
                   reason: str = "") -> CreditPlan:
    """The credit note ``credit_invoice`` would issue with the same arguments, for finance to confirm."""
    _require_finance(actor)
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(_l("The invoice does not exist."))
    return plan_credit(invoice, line_ids=line_ids, whole=whole, reason=reason)


def credit_invoice(invoice_id: int, *, actor: User, now: datetime, line_ids: list[int] | None = None,
                   whole: bool = False, reason: str = "") -> Invoice:
    """A credit note reversing the ticked lines of an invoice, or all its lines not yet credited
    (``whole``), for a reason that is printed on it."""
    _require_finance(actor)
    begin_write()
    try:
        series = _lock_series()
        invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
        if invoice is None:
            raise NotFound(_l("The invoice does not exist."))
        plan = plan_credit(invoice, line_ids=line_ids, whole=whole, reason=reason)
        note = Invoice(
            number=_take_number(series), kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice,
            event_id=invoice.event_id,
            issued_at=now, issue_date=local_date(now), due_date=local_date(now), seller=dict(invoice.seller),
            buyer_name=invoice.buyer_name, buyer_org_number=invoice.buyer_org_number,
            buyer_peppol_id=invoice.buyer_peppol_id, buyer_street=invoice.buyer_street,
            buyer_postcode=invoice.buyer_postcode, buyer_city=invoice.buyer_city,
            buyer_address=invoice.buyer_address,
            buyer_email=invoice.buyer_email, buyer_reference=invoice.buyer_reference, delivery=invoice.delivery,
            vat_treatment=invoice.vat_treatment, vat_exemption_reason=invoice.vat_exemption_reason,
            net_amount=0, vat_amount=0, total_amount=0, note=plan.reason, issued_by_id=actor.id, sent_via="",
        )
        for position, line in enumerate(plan.lines, start=1):
            note.lines.append(InvoiceLine(
                position=position, credited_line_id=line.id, description=line.description,
                attendee_name=line.attendee_name, net_amount=-line.net_amount, vat_rate=line.vat_rate,
                vat_amount=0))
        _total(note, {rate: -amount for rate, amount in plan.rate_vat.items()})
        db.session.add(note)
        audit.record("invoice.credited", invoice, actor=actor, now=now, event_id=invoice.event_id,
                     credit_note=note.number, amount=plan.total, reason=plan.reason)
        # An e-mailed invoice's credit note goes the same way, to where the invoice went.
        invoice_mail.queue_if_emailed(note, now, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return note


# Follow-up ------------------------------------------------------------------------------------


def _invoice_for_update(invoice_id: int) -> Invoice:
    """Begin a writing transaction holding the invoice; call it inside the caller's ``try``."""
    begin_write()
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update()
                                .execution_options(populate_existing=True))
    if invoice is None:
        raise NotFound(_l("The invoice does not exist."))
    return invoice


def _check_date(day: date, invoice: Invoice, now: datetime) -> None:
    if day > local_date(now):
        raise InvoicingRefused(_l("The date cannot be in the future."), field="date")
    if day < invoice.issue_date:
        raise InvoicingRefused(_l("The date cannot be before the invoice date."), field="date")


def mark_sent(invoice_id: int, sent_on: date, *, actor: User, now: datetime, via: str | None = None) -> Invoice:
    """Record that the invoice went out (by Peppol or e-mail) on ``sent_on``."""
    _require_finance(actor)
    try:
        invoice = _invoice_for_update(invoice_id)
        _check_date(sent_on, invoice, now)
        via = via or invoice.delivery
        if via not in set(Delivery):
            raise InvoicingRefused(_l("Choose how the invoice was sent."), field="via")
        changed = audit.changes(invoice, {"sent_on": sent_on, "sent_via": str(via)})
        if changed:
            audit.record("invoice.sent", invoice, actor=actor, now=now, event_id=invoice.event_id, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return invoice


def email_invoice(invoice_id: int, *, actor: User, now: datetime, recipient: str = "") -> OutboxMessage:
    """Send an e-mailed invoice or credit note (again), to ``recipient`` or to where it last went."""
    _require_finance(actor)
    recipient = invoice_mail.checked_address(recipient) if recipient.strip() else ""
    begin_write()
    try:
        invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
        if invoice is None:
            raise NotFound(_l("The invoice does not exist."))
        if invoice.delivery != Delivery.EMAIL:
            raise InvoicingRefused(_l("This buyer gets a Peppol e-invoice: download the XML for it."))
        recipient = recipient or invoice_mail.default_recipient(invoice)
        if not recipient:
            raise InvoicingRefused(_l("Enter the e-mail address to send it to."), field="recipient")
        if invoice_mail.is_waiting(invoice, recipient):
            raise InvoicingRefused(_l("An e-mail with it to %(address)s is already waiting to be sent.",
                                      address=recipient))
        message = invoice_mail.queue(invoice, now, recipient, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return message


def record_payment(invoice_id: int, paid_on: date, *, actor: User, now: datetime,
                   amount: int | None = None) -> Payment:
    """Record a payment (the whole balance by default); the invoice is paid when nothing is left."""
    _require_finance(actor)
    try:
        invoice = _invoice_for_update(invoice_id)
        if invoice.is_credit_note:
            raise InvoicingRefused(_l("A credit note is not paid."))
        _check_date(paid_on, invoice, now)
        balance = invoice.balance
        if balance <= 0:
            raise InvoicingRefused(_l("Nothing is left to pay on this invoice."))
        amount = balance if amount is None else amount
        if amount <= 0:
            raise InvoicingRefused(_l("The amount must be more than 0 kr."), field="amount")
        if amount > balance:
            raise InvoicingRefused(_l("The amount is more than what is left to pay."), field="amount")
        payment = Payment(invoice=invoice, paid_on=paid_on, amount=amount, recorded_at=now, recorded_by_id=actor.id)
        db.session.add(payment)
        db.session.flush()
        if invoice.balance <= 0:
            invoice.paid_on = paid_on
        audit.record("invoice.payment", invoice, actor=actor, now=now, event_id=invoice.event_id,
                     amount=amount, paid_on=paid_on)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return payment


def record_refund(invoice_id: int, paid_on: date, *, actor: User, now: datetime,
                  amount: int | None = None) -> Refund:
    """Record money paid back to a buyer whose paid invoice was credited (all that is owed back by default)."""
    _require_finance(actor)
    try:
        invoice = _invoice_for_update(invoice_id)
        if invoice.is_credit_note:
            raise InvoicingRefused(_l("Record the refund on the invoice the credit note credits."))
        _check_date(paid_on, invoice, now)
        owed = invoice.owed_back
        if owed <= 0:
            raise InvoicingRefused(_l("Nothing is owed back on this invoice."))
        amount = owed if amount is None else amount
        if amount <= 0:
            raise InvoicingRefused(_l("The amount must be more than 0 kr."), field="amount")
        if amount > owed:
            raise InvoicingRefused(_l("The amount is more than what is owed back."), field="amount")
        refund = Refund(invoice=invoice, paid_on=paid_on, amount=amount, recorded_at=now, recorded_by_id=actor.id)
        db.session.add(refund)
        db.session.flush()
        audit.record("invoice.refund", invoice, actor=actor, now=now, event_id=invoice.event_id,
                     amount=amount, paid_on=paid_on)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return refund


# Finding invoices -----------------------------------------------------------------------------


def get_invoice(number: int) -> Invoice:
    """The invoice or credit note with this number."""
    if not 0 < number < 2**31:  # beyond what the column holds: nothing to ask the database
        raise NotFound(_l("The invoice does not exist."))
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        raise NotFound(_l("The invoice does not exist."))
    return invoice


@dataclass
class InvoiceFilter:
    status: str = ""
    event_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    buyer: str = ""


@dataclass
class InvoiceList:
    invoices: list[Invoice]

    @property
    def net(self) -> int:
        return sum(i.net_amount for i in self.invoices)

    @property
    def vat(self) -> int:
        return sum(i.vat_amount for i in self.invoices)

    @property
    def total(self) -> int:
        return sum(i.total_amount for i in self.invoices)

    @property
    def outstanding(self) -> int:
        """What buyers still owe; an amount owed back to one buyer is never set against another's debt."""
        return sum(i.to_pay for i in self.invoices)

    @property
    def owed_back(self) -> int:
        """What buyers paid and are owed back after credit notes, until the refunds are recorded."""
        return sum(i.owed_back for i in self.invoices)


def list_invoices(filters: InvoiceFilter) -> InvoiceList:
    """Invoices and credit notes by number, filtered; the totals are over what is listed."""
    query = select(Invoice).order_by(Invoice.number)
    if filters.event_id is not None:
        query = query.where(Invoice.event_id == filters.event_id)
    if filters.date_from is not None:
        query = query.where(Invoice.issue_date >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(Invoice.issue_date <= filters.date_to)
    invoices = list(db.session.scalars(query))
    if filters.buyer.strip():
        needle = filters.buyer.strip().casefold()
        invoices = [i for i in invoices if needle in i.buyer_name.casefold() or needle in i.buyer_org_number]
    if filters.status:
        invoices = [i for i in invoices if i.status == filters.status]
    return InvoiceList(invoices)


@dataclass
class ReadyToInvoice:
    event: Event
    charges: int
    amount: int
    #: Buyers that issuing would hold back now, with the reason.
    held_back: list[HeldBack] = field(default_factory=list)


def events_to_invoice() -> list[ReadyToInvoice]:
    """Approved events with fees not yet invoiced: what finance can issue now."""
    rows = []
    events = db.session.scalars(
        select(Event).join(EventBilling, EventBilling.event_id == Event.id)
        .where(EventBilling.approved_at.is_not(None)).order_by(Event.starts_at))
    for event in events:
        pending = _pending_charges(event)
        if pending:
            held_back = []
            for buyer in _group(pending):
                reason = _held_back_reason(buyer)
                if reason is not None:
                    held_back.append(_held_back(buyer, reason))
            rows.append(ReadyToInvoice(event, len(pending), sum(c.amount for c in pending), held_back))
    return rows


def update_buyer(registration_id: int, *, org_number: str, peppol_id: str, actor: User, now: datetime,
                 street: str = "", postcode: str = "", city: str = "") -> Registration:
    """Finance completes a held-back buyer: the organisation number, invoice address (and Peppol ID) of a
    registration. An organisation number or address left empty keeps the one the registration has."""
    _require_finance(actor)
    org_number = validate_org_number(org_number) if org_number.strip() else ""
    peppol_id = validate_peppol_id(peppol_id) if peppol_id.strip() else ""
    address = checked_address(street, postcode, city, required=False)
    begin_write()
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise NotFound(_l("The registration does not exist."))
        values = {"org_number": org_number or registration.org_number, "peppol_id": peppol_id}
        if not address.is_empty:
            values.update(invoice_street=address.street, invoice_postcode=address.postcode,
                          invoice_city=address.city)
        changed = audit.changes(registration, values)
        if changed:
            audit.record("registration.buyer_updated", registration, actor=actor, now=now, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return registration


def payments_between(start: date, end: date) -> list[Payment]:
    """Payments received from ``start`` to ``end`` inclusive, for the accounting export."""
    return list(db.session.scalars(select(Payment).where(Payment.paid_on >= start, Payment.paid_on <= end)
                                   .order_by(Payment.paid_on, Payment.id)))


def refunds_between(start: date, end: date) -> list[Refund]:
    """Refunds paid from ``start`` to ``end`` inclusive, for the accounting export."""
    return list(db.session.scalars(select(Refund).where(Refund.paid_on >= start, Refund.paid_on <= end)
                                   .order_by(Refund.paid_on, Refund.id)))
