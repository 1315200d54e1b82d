"""Rule 6: who is on the no-show list, waiving with a reason, approving."""
from datetime import timedelta

import pytest
from builders import attendee, register
from invoice_builders import (
    NACKA,
    attended,
    cancelled_in_time,
    check_in,
    late_cancelled,
    no_show,
    past_event,
    staff,
    write_from_another_connection,
)
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AuditEntry, ChargeKind, NoShowCharge, VatTreatment
from eventapp.services import noshow
from eventapp.services.cancellation import transfer_registration
from eventapp.services.errors import Forbidden, NoShowReviewRefused, NotFound


def names(no_show_list):
    return sorted(entry.registration.first_name for entry in no_show_list.entries)


def test_the_list_has_no_shows_and_charged_late_cancellations_only(ctx, now):
    event, at = past_event(now)
    attended(event, at, 1, first_name="Ada")
    no_show(event, at, 2, first_name="Bo")
    late_cancelled(event, at, 3, first_name="Cem")
    cancelled_in_time(event, at, 4, first_name="Dana")
    listed = noshow.no_shows_for(event)
    assert names(listed) == ["Bo", "Cem"]
    assert {e.registration.first_name: e.kind for e in listed.entries} == {
        "Bo": ChargeKind.NO_SHOW, "Cem": ChargeKind.LATE_CANCELLATION}
    assert listed.total == 2 * 25000


def test_late_cancellations_are_free_when_the_event_says_so(ctx, now):
    event, at = past_event(now, charge_late_cancellation=False)
    late_cancelled(event, at, 1)
    no_show(event, at, 2, first_name="Bo")
    assert names(noshow.no_shows_for(event)) == ["Bo"]


def test_a_transferred_registration_is_never_charged_but_its_substitute_is(ctx, now):
    event, at = past_event(now)
    original = register(event, at, 1, first_name="Ada").registration
    transfer_registration(original.id, attendee(2, first_name="Bea"), at)
    assert names(noshow.no_shows_for(event)) == ["Bea"]


def test_approval_is_refused_until_the_event_has_ended(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1)
    organiser = staff("organiser")
    with pytest.raises(NoShowReviewRefused):
        noshow.approve_no_shows(event.id, actor=organiser, now=event.ends_at - timedelta(seconds=1))
    assert db.session.scalar(select(NoShowCharge.id)) is None
    approved = noshow.approve_no_shows(event.id, actor=organiser, now=event.ends_at)
    assert approved.approved and len(approved.entries) == 1


def test_waive_needs_a_reason_and_is_audited(ctx, now):
    event, at = past_event(now)
    registration = no_show(event, at, 1)
    organiser = staff("organiser")
    with pytest.raises(NoShowReviewRefused):
        noshow.waive_fee(event.id, registration.id, "   ", actor=organiser, now=now)
    assert db.session.scalar(select(NoShowCharge.id)) is None
    noshow.waive_fee(event.id, registration.id, "Sjuk, läkarintyg", actor=organiser, now=now)
    listed = noshow.no_shows_for(event)
    assert listed.entries[0].waived and listed.total == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "no_show.waived"))
    assert entry.actor_id == organiser.id and entry.details["reason"] == "Sjuk, läkarintyg"


def test_someone_who_came_cannot_be_waived(ctx, now):
    event, at = past_event(now)
    came = attended(event, at, 1)
    with pytest.raises(NoShowReviewRefused):
        noshow.waive_fee(event.id, came.id, "x", actor=staff("organiser"), now=now)


def test_approval_fixes_the_fees_and_cannot_be_repeated(ctx, now):
    event, at = past_event(now)
    bo = no_show(event, at, 1, first_name="Bo", **NACKA)
    cem = no_show(event, at, 2, first_name="Cem")
    organiser = staff("organiser")
    approved = noshow.approve_no_shows(event.id, actor=organiser, now=now, waive=[(cem.id, "Sjuk")])
    assert [(e.registration.first_name, e.fee, e.waived) for e in approved.entries] == [
        ("Bo", 25000, False), ("Cem", 0, True)]
    # A check-in recorded after approval does not change the approved list.
    check_in(bo, now)
    assert names(noshow.no_shows_for(event)) == ["Bo", "Cem"]
    with pytest.raises(NoShowReviewRefused):
        noshow.approve_no_shows(event.id, actor=organiser, now=now)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "no_show.approved")) == 1


def test_finance_and_checkin_staff_cannot_approve(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1)
    for role in ("finance", "checkin"):
        with pytest.raises(Forbidden):
            noshow.approve_no_shows(event.id, actor=staff(role), now=now)
    assert noshow.no_shows_for(event).approved is False


def test_outside_the_scope_of_vat_needs_a_reason(ctx, now):
    event, _ = past_event(now)
    organiser = staff("organiser")
    with pytest.raises(NoShowReviewRefused):
        noshow.set_vat_treatment(event.id, VatTreatment.OUTSIDE_SCOPE, " ", actor=organiser, now=now)
    billing = noshow.set_vat_treatment(event.id, VatTreatment.OUTSIDE_SCOPE, "Skadestånd, ej omsättning",
                                       actor=organiser, now=now)
    assert billing.vat_rate == 0
    assert noshow.billing_for(event).vat_exemption_reason == "Skadestånd, ej omsättning"


@pytest.mark.parametrize("review", ["waive", "approve", "vat"])
def test_reviewing_an_unknown_event_leaves_no_transaction_open(ctx, now, database_uri, review):
    """Waiving, approving or setting the VAT of an event that does not exist: after the "not found", does
    the session hold no transaction, so that another writer gets in at once (on SQLite: the write lock is free)?"""
    organiser = staff("organiser")
    calls = {
        "waive": lambda: noshow.waive_fee(10**6, 1, "Sjuk", actor=organiser, now=now),
        "approve": lambda: noshow.approve_no_shows(10**6, actor=organiser, now=now),
        "vat": lambda: noshow.set_vat_treatment(10**6, "standard", "", actor=organiser, now=now),
    }
    with pytest.raises(NotFound):
        calls[review]()
    assert not db.session().in_transaction()
    write_from_another_connection(database_uri)
