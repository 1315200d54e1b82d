"""Rule 6: after the event, who is charged a no-show fee.

Every confirmed registration that was not checked in is a no-show; a late cancellation is charged
the same way when the event says so. A transferred registration is never charged (its substitute
is). An organiser reviews the list, may waive a fee with a reason, and approves it; approval fixes
each fee as a ``NoShowCharge``, and only approved charges can be invoiced.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..collation import name_key, sort_key
from ..extensions import db
from ..models import (
    ChargeKind,
    Event,
    EventBilling,
    InvoiceLine,
    NoShowCharge,
    Registration,
    RegistrationStatus,
    Role,
    User,
    VatTreatment,
)
from . import audit
from .errors import Forbidden, NoShowReviewRefused, NotFound
from .registration import lock_event

REASON_MAX = 500


@dataclass
class NoShow:
    """One line of the no-show list."""

    registration: Registration
    kind: ChargeKind
    #: The stored charge once waived or approved.
    charge: NoShowCharge | None
    #: The fee in öre (0 when waived).
    fee: int
    invoiced: bool = False

    @property
    def waived(self) -> bool:
        return self.charge is not None and self.charge.is_waived


@dataclass
class NoShowList:
    event: Event
    billing: EventBilling
    entries: list[NoShow]

    @property
    def approved(self) -> bool:
        return self.billing.approved_at is not None

    @property
    def total(self) -> int:
        """The fees to invoice, in öre, excluding VAT."""
        return sum(entry.fee for entry in self.entries)

    @property
    def charged(self) -> list[NoShow]:
        return [entry for entry in self.entries if not entry.waived]


def charge_kind(registration: Registration, event: Event) -> ChargeKind | None:
    """Is this registration charged, and why? None when it is not; never when it paid the price (rule 9)."""
    if registration.booking_id is not None and (event.price or 0) > 0:
        return None
    if registration.status == RegistrationStatus.CONFIRMED and registration.checked_in_at is None:
        return ChargeKind.NO_SHOW
    if registration.status == RegistrationStatus.LATE_CANCELLED and event.charge_late_cancellation:
        return ChargeKind.LATE_CANCELLATION
    return None


def billing_for(event: Event) -> EventBilling:
    """The event's billing settings; a fresh (unsaved) default when none are stored."""
    billing = db.session.get(EventBilling, event.id)
    return billing if billing is not None else EventBilling(event_id=event.id, event=event,
                                                            vat_treatment=VatTreatment.STANDARD,
                                                            vat_exemption_reason="")


def no_shows_for(event: Event) -> NoShowList:
    """The no-show list of an event: the stored charges once approved, else who would be charged now."""
    billing = billing_for(event)
    charges = {c.registration_id: c for c in db.session.scalars(
        select(NoShowCharge).where(NoShowCharge.event_id == event.id))}
    invoiced = set(db.session.scalars(
        select(NoShowCharge.id).join(InvoiceLine, InvoiceLine.charge_id == NoShowCharge.id)
        .where(NoShowCharge.event_id == event.id)))
    entries = []
    if billing.approved_at is not None:
        for charge in charges.values():
            entries.append(NoShow(charge.registration, ChargeKind(charge.kind), charge,
                                  0 if charge.is_waived else charge.amount, invoiced=charge.id in invoiced))
    else:
        registrations = db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.LATE_CANCELLED)),
                Registration.checked_in_at.is_(None),
            )
        )
        for registration in registrations:
            kind = charge_kind(registration, event)
            if kind is None:
                continue
            charge = charges.get(registration.id)
            waived = charge is not None and charge.is_waived
            entries.append(NoShow(registration, kind, charge, 0 if waived else event.no_show_fee))
    entries.sort(key=lambda e: (sort_key(e.registration.organisation_name),
                                *name_key(e.registration.last_name, e.registration.first_name), e.registration.id))
    return NoShowList(event, billing, entries)


def _require_organiser(actor: User | None) -> None:
    if actor is None or not actor.has_role(Role.ORGANISER):
        raise Forbidden(_l("Only organisers can review the no-show list."))


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise NoShowReviewRefused(_l("Give a reason for waiving the fee."), field="reason")
    if len(reason) > REASON_MAX:
        raise NoShowReviewRefused(_l("At most %(max)d characters.", max=REASON_MAX), field="reason")
    return reason


def _stored_billing(event: Event) -> EventBilling:
    billing = db.session.get(EventBilling, event.id, populate_existing=True)
    if billing is None:
        billing = EventBilling(event=event, vat_treatment=VatTreatment.STANDARD, vat_exemption_reason="")
        db.session.add(billing)
    return billing


def _waive(event: Event, registration: Registration, reason: str, actor: User, now: datetime) -> NoShowCharge:
    kind = charge_kind(registration, event)
    charge = db.session.scalar(select(NoShowCharge).where(NoShowCharge.registration_id == registration.id))
    if charge is None:
        if kind is None:
            raise NoShowReviewRefused(_l("%(name)s is not charged a fee.", name=registration.full_name))
        charge = NoShowCharge(event_id=event.id, registration=registration, kind=kind, amount=event.no_show_fee)
        db.session.add(charge)
    elif db.session.scalar(select(InvoiceLine.id).where(InvoiceLine.charge_id == charge.id)) is not None:
        raise NoShowReviewRefused(
            _l("The fee for %(name)s is already invoiced; finance can credit it.", name=registration.full_name))
    if charge.is_waived:
        return charge
    charge.waived_at, charge.waived_by_id, charge.waive_reason = now, actor.id, reason
    audit.record("no_show.waived", registration, actor=actor, now=now, event_id=event.id, reason=reason,
                 kind=str(charge.kind))
    return charge


def _registration_of(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("The registration does not exist."))
    return registration


def waive_fee(event_id: int, registration_id: int, reason: str, *, actor: User, now: datetime) -> NoShowCharge:
    """Waive one person's fee (ill, a mistake at the door …) with a reason, before it is invoiced."""
    _require_organiser(actor)
    reason = _clean_reason(reason)
    event = lock_event(event_id)
    try:
        charge = _waive(event, _registration_of(event, registration_id), reason, actor, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return charge


def approve_no_shows(event_id: int, *, actor: User, now: datetime,
                     waive: list[tuple[int, str]] = ()) -> NoShowList:
    """Approve the list (waiving the given registrations first): the fees are fixed for invoicing."""
    _require_organiser(actor)
    waive = [(registration_id, _clean_reason(reason)) for registration_id, reason in waive]
    event = lock_event(event_id)
    try:
        if event.is_cancelled:
            raise NoShowReviewRefused(_l("The event was cancelled; nobody is charged."))
        if now < event.ends_at:
            raise NoShowReviewRefused(_l("The list can be approved when the event has ended."))
        billing = _stored_billing(event)
        if billing.approved_at is not None:
            raise NoShowReviewRefused(_l("The no-show list is already approved."))
        for registration_id, reason in waive:
            _waive(event, _registration_of(event, registration_id), reason, actor, now)
        db.session.flush()
        preliminary = no_shows_for(event)
        for entry in preliminary.entries:
            charge = entry.charge
            if charge is None:
                charge = NoShowCharge(event_id=event.id, registration=entry.registration, kind=entry.kind)
                db.session.add(charge)
            charge.amount = event.no_show_fee
            charge.approved_at = now
        # Waived charges of people who no longer qualify (checked in after all) are dropped.
        listed = {entry.registration.id for entry in preliminary.entries}
        for charge in db.session.scalars(select(NoShowCharge).where(NoShowCharge.event_id == event.id)):
            if charge.registration_id not in listed:
                db.session.delete(charge)
        billing.approved_at, billing.approved_by_id = now, actor.id
        audit.record("no_show.approved", event, actor=actor, now=now, event_id=event.id,
                     charged=len(preliminary.charged), waived=len(preliminary.entries) - len(preliminary.charged),
                     total=preliminary.total)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return no_shows_for(event)


def set_vat_treatment(event_id: int, treatment: str, exemption_reason: str, *, actor: User,
                      now: datetime) -> EventBilling:
    """Choose 25 % VAT or "outside the scope of VAT" (with the reason printed on the invoice)."""
    if actor is None or not actor.has_role(Role.ORGANISER, Role.FINANCE):
        raise Forbidden(_l("Only organisers and finance staff can set the VAT treatment."))
    if treatment not in set(VatTreatment):
        raise NoShowReviewRefused(_l("Choose a VAT treatment."), field="vat_treatment")
    exemption_reason = " ".join((exemption_reason or "").split())
    if treatment == VatTreatment.OUTSIDE_SCOPE and not exemption_reason:
        raise NoShowReviewRefused(_l("Say why the fee is outside the scope of VAT; the reason is printed on the "
                                     "invoice."), field="vat_exemption_reason")
    if len(exemption_reason) > 200:
        raise NoShowReviewRefused(_l("At most %(max)d characters.", max=200), field="vat_exemption_reason")
    if treatment == VatTreatment.STANDARD:
        exemption_reason = ""
    event = lock_event(event_id)
    try:
        billing = _stored_billing(event)
        changed = audit.changes(billing, {"vat_treatment": str(treatment), "vat_exemption_reason": exemption_reason})
        if changed:
            db.session.flush()
            audit.record("billing.vat_changed", event, actor=actor, now=now, event_id=event.id, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return billing


@dataclass
class EventReview:
    event: Event
    approved: bool


def events_to_review(now: datetime) -> list[EventReview]:
    """Events with a no-show fee that have ended (newest first), and whether their list is approved."""
    events = db.session.scalars(
        select(Event).where(Event.no_show_fee > 0, Event.ends_at <= now, Event.cancelled_at.is_(None))
        .order_by(Event.starts_at.desc()))
    approved = set(db.session.scalars(select(EventBilling.event_id).where(EventBilling.approved_at.is_not(None))))
    return [EventReview(event, event.id in approved) for event in events]
