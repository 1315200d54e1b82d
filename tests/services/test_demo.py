"""The demo data: fictional, idempotent, and a past breakfast seminar that finance can invoice at once."""
from collections import Counter
from datetime import timedelta

import pytest
from invoice_builders import staff
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import AuditEntry, Delivery, Event, EventBilling, NoShowCharge, OutboxMessage, Registration, User
from eventapp.services import demo, invoicing
from eventapp.services.accounts import authenticate


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Event, Registration, User, NoShowCharge, AuditEntry, OutboxMessage)}


@pytest.fixture
def seminar(ctx, now):
    """Only the past seminar: the whole demo registers some 170 people, too slow for every test."""
    return demo.seed_past_seminar(now, staff("organiser"))


def test_the_past_seminar_took_place_a_few_weeks_ago_with_no_shows(seminar, now):
    assert seminar.series.slug == "nowa-nyfiken-pa" and seminar.title.startswith("Nowa Nyfiken på ")
    assert timedelta(days=21) < now - seminar.starts_at < timedelta(days=29)
    assert seminar.no_show_fee == 25000 and seminar.charge_late_cancellation
    registrations = list(db.session.scalars(select(Registration).where(Registration.event_id == seminar.id)))
    assert len(registrations) == 12
    assert all(r.email.endswith("@example.org") for r in registrations)
    came = [r for r in registrations if r.checked_in_at is not None]
    assert len(came) == 7
    assert Counter(r.status for r in registrations if r.checked_in_at is None) == {
        "confirmed": 3, "cancelled": 1, "late_cancelled": 1}
    no_shows = [r for r in registrations if r.status == "confirmed" and r.checked_in_at is None]
    nacka = [r for r in no_shows if r.organisation_name == "Nacka kommun"]
    assert len(nacka) == 2 and len({r.invoice_reference for r in nacka}) == 1
    kinds = {r.organisation.kind for r in registrations if r.organisation}
    assert {"municipality", "agency", "nonprofit"} <= kinds


def test_its_no_show_list_is_approved_and_invoices_as_the_issue_describes(seminar, now):
    assert db.session.get(EventBilling, seminar.id).approved_at is not None
    charges = list(db.session.scalars(select(NoShowCharge).where(NoShowCharge.event_id == seminar.id)))
    assert sorted(c.kind for c in charges) == ["late_cancellation", "no_show", "no_show", "no_show"]
    assert {c.amount for c in charges} == {25000}

    result = invoicing.issue_invoices(seminar.id, actor=staff("finance"), now=now)
    assert result.held_back == []
    invoices = {i.buyer_name: i for i in result.invoices}
    assert len(invoices["Nacka kommun"].lines) == 2 and invoices["Nacka kommun"].delivery == Delivery.PEPPOL
    emailed = [i for i in result.invoices if i.delivery == Delivery.EMAIL]
    assert sorted(i.buyer_name for i in emailed) == ["Al-Kompis", "Svenska med baby"]
    recipients = set(db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "invoice")))
    assert recipients == {"ekonomi.svenskamedbaby@example.org", "nyfiken-8@example.org"}


def test_seed_demo_creates_everything_once_and_prints_both_logins(app, now):
    with app.app_context():
        first = app.test_cli_runner().invoke(args=["seed-demo"]).output
        before = counts()
        second = app.test_cli_runner().invoke(args=["seed-demo"]).output
        assert counts() == before
        assert authenticate(*demo.DEMO_FINANCE).role == "finance"
    assert "Created demo event nowa-nyfiken-pa-klarsprak" in first and "Created" not in second
    for output in (first, second):
        assert "Demo organiser login: organisator@example.org / demo-organisator" in output
        assert "Demo finance login: ekonomi@example.org / demo-ekonomi" in output


def test_five_of_those_who_came_gave_feedback(seminar, now):
    from eventapp.services.feedback import results

    shown = results(seminar)
    assert shown.answered == 5 and shown.overall.average == 4.2
    assert [summary.question for summary in shown.questions] == ["Hur var föreläsningen?", "Hur var frukosten?"]
    assert all(comment.name is None for comment in shown.comments)  # anonymous: the event did not say otherwise


def test_the_paid_course_day_invoiced_its_three_bookings_when_they_were_made(ctx, now):
    from eventapp.models import Booking, Invoice

    course = demo.seed_paid_course(now)
    assert course.price == 290000 and now < course.early_bird_until < course.registration_deadline
    assert timedelta(weeks=5) < course.starts_at - now < timedelta(weeks=7)
    assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.event_id == course.id)) == 3
    invoices = {i.buyer_name: i for i in db.session.scalars(select(Invoice))}
    assert sorted(invoices) == ["Nacka kommun", "Region Skåne", "Scouterna"]
    assert [len(invoices[name].lines) for name in sorted(invoices)] == [3, 2, 1]
    assert {line.net_amount for line in invoices["Nacka kommun"].lines} == {240000}  # the early-bird price
    assert [line.net_amount for line in invoices["Scouterna"].lines] == [192000]  # and 20 % off with the code
    assert invoices["Nacka kommun"].delivery == Delivery.PEPPOL and invoices["Scouterna"].delivery == Delivery.EMAIL
