"""Rule 9's price: per person, excluding VAT, in öre; the early-bird price before its date, and a
discount code's reduction. Codes are counted under the event's lock, so none is used more often than
its maximum however many bookings race for its last use."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import DiscountCode, Event
from .errors import DomainError, ValidationFailed

CODE_MAX = 40


class DiscountCodeRefused(DomainError):
    code = "discount_code_refused"
    field = "discount_code"


@dataclass
class DiscountCodeData:
    """A discount code as the organiser sets it: ``percent`` or ``amount`` (öre) off, at most ``max_uses``."""

    code: str
    percent: int | None = None
    amount: int | None = None
    max_uses: int | None = None
    valid_until: datetime | None = None


def normalised_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def list_price(event: Event, now: datetime) -> int:
    """The price per person of a booking made at ``now``: the early-bird price until its date."""
    if event.early_bird_price is not None and event.early_bird_until is not None and now < event.early_bird_until:
        return min(event.early_bird_price, event.price)
    return event.price


def is_paid(event: Event) -> bool:
    return event.price > 0


def find_code(event_id: int, code: str) -> DiscountCode | None:
    code = normalised_code(code)
    if not code:
        return None
    return db.session.scalar(select(DiscountCode).where(DiscountCode.event_id == event_id, DiscountCode.code == code))


def check_code(event_id: int, code: str, now: datetime) -> DiscountCode:
    """The usable code, or DiscountCodeRefused saying why (unknown, expired, used up)."""
    found = find_code(event_id, code)
    if found is None:
        raise DiscountCodeRefused(_l("The discount code %(code)s is not valid for this event.",
                                     code=normalised_code(code)[:CODE_MAX]))
    if found.valid_until is not None and now >= found.valid_until:
        raise DiscountCodeRefused(_l("The discount code %(code)s has expired.", code=found.code))
    if found.max_uses is not None and found.uses >= found.max_uses:
        raise DiscountCodeRefused(_l("The discount code %(code)s has been used up.", code=found.code))
    return found


def use_code(event: Event, code: str, now: datetime) -> DiscountCode | None:
    """Count one use of ``code`` for a booking; call holding the event's lock (``lock_event``), which
    serialises every booking of the event, so the count read here holds until commit."""
    if not normalised_code(code):
        return None
    found = check_code(event.id, code, now)
    db.session.refresh(found)
    if found.max_uses is not None and found.uses >= found.max_uses:
        raise DiscountCodeRefused(_l("The discount code %(code)s has been used up.", code=found.code))
    found.uses += 1
    return found


def unit_price(event: Event, now: datetime, code: DiscountCode | None) -> int:
    """What one person of a booking made at ``now`` pays, excluding VAT."""
    price = list_price(event, now)
    return code.price_after(price) if code is not None else price


def validate_codes(codes: list[DiscountCodeData]) -> list[str]:
    """What is wrong with an event's discount codes, as messages."""
    messages, seen = [], set()
    for number, item in enumerate(codes, start=1):
        code = normalised_code(item.code)
        if not code or len(code) > CODE_MAX or not code.isalnum():
            messages.append(_l("Discount code %(num)d: letters and digits only, at most %(max)d.",
                               num=number, max=CODE_MAX))
        if code in seen:
            messages.append(_l("Discount code %(code)s is given twice.", code=code))
        seen.add(code)
        if (item.percent is None) == (item.amount is None):
            messages.append(_l("Discount code %(num)d: give either a percentage or an amount.", num=number))
        if item.percent is not None and not 1 <= item.percent <= 100:
            messages.append(_l("Discount code %(num)d: a percentage from 1 to 100.", num=number))
        if item.amount is not None and item.amount <= 0:
            messages.append(_l("Discount code %(num)d: the amount must be more than 0 kr.", num=number))
        if item.max_uses is not None and item.max_uses < 1:
            messages.append(_l("Discount code %(num)d: at least one use, or no limit.", num=number))
    return messages


def replace_codes(event: Event, codes: list[DiscountCodeData]) -> None:
    """Set the event's codes: a code kept keeps its count of uses; one left out is removed if unused."""
    messages = validate_codes(codes)
    if messages:
        raise ValidationFailed({"discount_codes": messages})
    existing = {c.code: c for c in db.session.scalars(select(DiscountCode).where(DiscountCode.event_id == event.id))}
    wanted = set()
    for item in codes:
        code = normalised_code(item.code)
        wanted.add(code)
        row = existing.get(code) or DiscountCode(event=event, code=code, uses=0)
        row.percent, row.amount, row.max_uses, row.valid_until = item.percent, item.amount, item.max_uses, \
            item.valid_until
        db.session.add(row)
    for code, row in existing.items():
        if code not in wanted:
            if row.uses:
                raise ValidationFailed({"discount_codes": [
                    _l("Discount code %(code)s has been used and cannot be removed.", code=code)]})
            db.session.delete(row)


def codes_of(event: Event) -> list[DiscountCodeData]:
    if event.id is None:
        return []
    return [DiscountCodeData(c.code, c.percent, c.amount, c.max_uses, c.valid_until) for c in db.session.scalars(
        select(DiscountCode).where(DiscountCode.event_id == event.id).order_by(DiscountCode.code))]
