"""Rule 7 under load: concurrent issuing runs, each with its own connection, on the suite's database."""
from concurrent.futures import ThreadPoolExecutor

from invoice_builders import NACKA, no_show, past_event, staff
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Invoice, InvoiceLine, OutboxMessage, User
from eventapp.services import invoicing, noshow


def test_twenty_concurrent_issuing_runs_give_consecutive_unique_numbers(app, now):
    """Do 20 runs at once (plus 5 repeats of the same events) number 40 invoices 1..40 with no gap?"""
    with app.test_request_context():
        organiser, finance = staff("organiser"), staff("finance")
        event_ids = []
        for n in range(20):
            event, at = past_event(now, slug=f"frukostseminarium-{n}")
            no_show(event, at, 2 * n, **NACKA)
            no_show(event, at, 2 * n + 1, organisation="Migrationsverket")
            noshow.approve_no_shows(event.id, actor=organiser, now=now)
            event_ids.append(event.id)
        finance_id = finance.id
        db.session.remove()

    def issue(event_id):
        with app.test_request_context():
            try:
                actor = db.session.get(User, finance_id)
                return [invoice.number for invoice in invoicing.issue_invoices(event_id, actor=actor, now=now).invoices]
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=10) as pool:
        runs = list(pool.map(issue, event_ids + event_ids[:5]))

    numbers = sorted(number for run in runs for number in run)
    assert numbers == list(range(1, 41))
    with app.app_context():
        stored = list(db.session.scalars(select(Invoice.number).order_by(Invoice.number)))
        assert stored == list(range(1, 41))
        assert db.session.scalar(select(db.func.count()).select_from(InvoiceLine)) == 40


def test_concurrent_issuing_queues_one_e_mail_per_e_mailed_invoice(app, now):
    """Runs that race for the same events: does each e-mailed invoice get exactly one e-mail, and no other?"""
    with app.test_request_context():
        organiser, finance = staff("organiser"), staff("finance")
        event_ids = []
        for n in range(6):
            event, at = past_event(now, slug=f"nyfiken-{n}")
            no_show(event, at, 2 * n, **NACKA)
            no_show(event, at, 2 * n + 1, organisation="Svenska med baby", organisation_kind="nonprofit",
                    org_number="802400-1235")
            noshow.approve_no_shows(event.id, actor=organiser, now=now)
            event_ids.append(event.id)
        finance_id = finance.id
        db.session.remove()

    def issue(event_id):
        with app.test_request_context():
            try:
                invoicing.issue_invoices(event_id, actor=db.session.get(User, finance_id), now=now)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(issue, event_ids * 2))

    with app.app_context():
        emailed = set(db.session.scalars(select(Invoice.id).where(Invoice.delivery == "email")))
        queued = list(db.session.scalars(select(OutboxMessage.invoice_id).where(OutboxMessage.kind == "invoice")))
        assert len(emailed) == 6 and sorted(queued) == sorted(emailed)
