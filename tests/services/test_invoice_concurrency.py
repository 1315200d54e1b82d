"""Rule 7 under load: concurrent issuing runs, and finance and the no-show review writing the same fees at once,
each with its own connection, on the suite's database."""
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from invoice_builders import ADDRESS, NACKA, no_show, past_event, staff
from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import Invoice, InvoiceLine, NoShowCharge, OutboxMessage, User
from eventapp.services import invoicing, noshow
from eventapp.services.errors import NoShowReviewRefused


def test_twenty_concurrent_issuing_runs_give_consecutive_unique_numbers(app, now):
    """Do 20 runs at once (plus 5 repeats of the same events) number 40 invoices 1..40 with no gap?"""
    with app.test_request_context():
        organiser, finance = staff("organiser"), staff("finance")
        event_ids = []
        for n in range(20):
            event, at = past_event(now, slug=f"frukostseminarium-{n}")
            no_show(event, at, 2 * n, **NACKA)
            no_show(event, at, 2 * n + 1, organisation="Migrationsverket", **ADDRESS)
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
                    org_number="802400-1235", **ADDRESS)
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


# The no-show review and finance writing to the same fees at once ---------------------------------
#
# Each writer below is a service call in a thread of its own, with its own app context, session and
# connection. One of them can be held just before its commit (everything flushed, its locks held)
# while the others start; they are let go once each of them waits for a lock or has finished. On
# PostgreSQL "waits for a lock" is the server's own word (pg_stat_activity); on SQLite it is a
# writer's BEGIN IMMEDIATE in flight while the held writer has the database's write lock. There
# the outcome cannot depend on the timing (one writer at a time), so the same tests check that
# the invariants hold when the writers queue for the lock.

#: Bound of every wait here: for a writer to be held or to wait, for a lock (lock_timeout on
#: PostgreSQL, the busy timeout on SQLite), for a thread to end.
WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def writers_app(database_uri):
    """An app on the suite's database whose connections give up waiting for a lock after WAIT_SECONDS."""
    overrides = {"SQLALCHEMY_DATABASE_URI": database_uri, "SQLITE_BUSY_TIMEOUT": WAIT_SECONDS}
    if make_url(database_uri).get_backend_name() == "postgresql":
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, "connect_args": {"options": f"-c lock_timeout={WAIT_SECONDS * 1000}"}}
    writers_app = create_app(type("WritersConfig", (TestingConfig,), overrides))
    yield writers_app
    with writers_app.app_context():
        db.engine.dispose()


class Writer(threading.Thread):
    """One service call in a thread of its own; ``hold`` keeps it just before its commit until released."""

    def __init__(self, app, call: Callable[[], Any], *, hold: bool):
        super().__init__(daemon=True)
        self.app, self.call, self.hold = app, call, hold
        self.result: Any = None
        self.error: BaseException | None = None
        self.held = threading.Event()
        self._go_on = threading.Event()
        #: The statement being executed now, and the PostgreSQL backend it runs on.
        self.statement: str | None = None
        self.backend_pid: int | None = None

    def run(self) -> None:
        with self.app.test_request_context():
            if self.hold:
                sa_event.listen(db.session(), "before_commit", self._wait_before_commit)
            try:
                self.result = self.call()
            except Exception as error:  # the test reads it
                self.error = error
            finally:
                db.session.remove()

    def _wait_before_commit(self, session) -> None:
        session.flush()  # all the commit would store is written and locked
        self.held.set()
        if not self._go_on.wait(WAIT_SECONDS):
            raise TimeoutError("the held writer was never released")

    def release(self) -> None:
        self._go_on.set()


class Writers:
    """Writers started by a test; every one is released and waited for at the end."""

    def __init__(self, suite_app, app):
        self.suite_app, self.app = suite_app, app
        self.started: list[Writer] = []
        with app.app_context():
            self.engine = db.engine
        self.postgresql = self.engine.dialect.name == "postgresql"
        sa_event.listen(self.engine, "before_cursor_execute", self._before)
        sa_event.listen(self.engine, "after_cursor_execute", self._after)

    def _writer(self) -> Writer | None:
        thread = threading.current_thread()
        return thread if isinstance(thread, Writer) and thread in self.started else None

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        writer = self._writer()
        if writer is not None:
            writer.statement = statement
            if self.postgresql:
                writer.backend_pid = cursor.connection.info.backend_pid

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        writer = self._writer()
        if writer is not None:
            writer.statement = None

    def start(self, call: Callable[[], Any], *, hold: bool = False) -> Writer:
        writer = Writer(self.app, call, hold=hold)
        self.started.append(writer)
        writer.start()
        if hold:
            wait_for(lambda: writer.held.is_set() or not writer.is_alive(), "the writer to reach its commit")
            assert writer.held.is_set(), f"the writer ended before its commit: {writer.error!r}"
        return writer

    def _waiting_for_a_lock(self, writer: Writer) -> bool:
        statement = writer.statement
        if statement is None:
            return False
        if not self.postgresql:
            return statement.startswith("BEGIN IMMEDIATE")
        with self.suite_app.app_context():
            waits = db.session.scalar(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                      {"pid": writer.backend_pid})
            db.session.remove()
        return waits == "Lock"

    def wait_until_blocked(self, *writers: Writer) -> None:
        """Wait until each writer waits for a lock; fail if one finished without waiting."""
        for writer in writers:
            wait_for(lambda w=writer: not w.is_alive() or self._waiting_for_a_lock(w), "a writer to wait for a lock")
            assert writer.is_alive(), f"a writer did not wait for the held one: {writer.result!r} {writer.error!r}"

    def wait_until_settled(self, *writers: Writer) -> None:
        """Wait until each writer has finished or waits for a lock."""
        for writer in writers:
            wait_for(lambda w=writer: not w.is_alive() or self._waiting_for_a_lock(w),
                     "a writer to finish or wait for a lock")

    def finish(self) -> None:
        """Release every writer and wait for all of them to end."""
        for writer in self.started:
            writer.release()
        for writer in self.started:
            writer.join(WAIT_SECONDS)
        running = [writer for writer in self.started if writer.is_alive()]
        assert not running, f"{len(running)} writer(s) still running after {WAIT_SECONDS} s"

    def close(self) -> None:
        try:
            self.finish()
        finally:
            sa_event.remove(self.engine, "before_cursor_execute", self._before)
            sa_event.remove(self.engine, "after_cursor_execute", self._after)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(0.01)


@pytest.fixture
def writers(app, writers_app):
    started = Writers(app, writers_app)
    yield started
    started.close()


def as_user(user_id: int) -> User:
    return db.session.get(User, user_id)


def issued(result: invoicing.IssueResult) -> list[tuple[int, list[int]]]:
    """(number, the fees on its lines) of each invoice a run issued."""
    return [(invoice.number, sorted(line.charge_id for line in invoice.lines)) for invoice in result.invoices]


@pytest.fixture
def approved_fees(app, now):
    """An ended event whose approved list charges two Nacka no-shows: ``waived`` and ``kept``."""
    with app.test_request_context():
        event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
        first, second = no_show(event, at, 1, **NACKA), no_show(event, at, 2, **NACKA)
        organiser, finance = staff("organiser"), staff("finance")
        noshow.approve_no_shows(event.id, actor=organiser, now=now)
        charge_of = dict(db.session.execute(select(NoShowCharge.registration_id, NoShowCharge.id)).all())
        fees = SimpleNamespace(event_id=event.id, organiser_id=organiser.id, finance_id=finance.id,
                               waived_registration=first.id, waived=charge_of[first.id], kept=charge_of[second.id])
        db.session.remove()
    return fees


def waived_and_invoiced(app) -> list[int]:
    """The fees that are both waived and on an invoice line: there must never be one."""
    with app.app_context():
        charges = list(db.session.scalars(
            select(NoShowCharge.id).join(InvoiceLine, InvoiceLine.charge_id == NoShowCharge.id)
            .where(NoShowCharge.waived_at.is_not(None))))
        db.session.remove()
    return charges


def waived_fees(app) -> list[int]:
    with app.app_context():
        charges = list(db.session.scalars(select(NoShowCharge.id).where(NoShowCharge.waived_at.is_not(None))))
        db.session.remove()
    return charges


def test_an_invoice_run_started_while_a_waive_waits_to_commit_leaves_the_waived_fee_out(
        app, now, approved_fees, writers):
    """An organiser's waive holds the event and has not committed yet when an invoice run starts: does the
    run wait for it and leave the waived fee off the invoice, so that no fee is both waived and invoiced?"""
    fees = approved_fees
    waive = writers.start(lambda: noshow.waive_fee(
        fees.event_id, fees.waived_registration, "Sjuk", actor=as_user(fees.organiser_id), now=now).id, hold=True)
    run = writers.start(lambda: issued(invoicing.issue_invoices(
        fees.event_id, actor=as_user(fees.finance_id), now=now)))
    writers.wait_until_blocked(run)
    writers.finish()

    assert waive.error is None and run.error is None
    assert waive.result == fees.waived
    assert run.result == [(1, [fees.kept])], "the run invoiced a fee being waived, or not the one kept"
    assert waived_fees(app) == [fees.waived]
    assert waived_and_invoiced(app) == []


def test_a_waive_started_while_an_invoice_run_waits_to_commit_is_refused(app, now, approved_fees, writers):
    """An invoice run has written its invoice and not committed yet when the organiser waives one of its
    fees: does the waive wait for the run and then refuse (finance can credit it), leaving the fee invoiced?"""
    fees = approved_fees
    run = writers.start(lambda: issued(invoicing.issue_invoices(
        fees.event_id, actor=as_user(fees.finance_id), now=now)), hold=True)
    waive = writers.start(lambda: noshow.waive_fee(
        fees.event_id, fees.waived_registration, "Sjuk", actor=as_user(fees.organiser_id), now=now))
    writers.wait_until_blocked(waive)
    writers.finish()

    assert run.error is None and run.result == [(1, sorted([fees.waived, fees.kept]))]
    assert isinstance(waive.error, NoShowReviewRefused) and "already invoiced" in str(waive.error)
    assert waived_fees(app) == []
    assert waived_and_invoiced(app) == []


def test_finance_and_the_review_writing_while_an_invoice_run_waits_to_commit_all_finish(app, now, writers):
    """While an invoice run holds its locks, the organiser waives one of its fees and changes the VAT, and
    finance marks an earlier invoice of the event sent, records a payment and credits a line of it: does
    every one of them finish once the run commits, with no deadlock, each with the outcome it would have
    had after the run, and the numbers still one series?"""
    with app.test_request_context():
        event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
        no_show(event, at, 1, **NACKA)
        no_show(event, at, 2, **NACKA)
        # No organisation number: held back at first.
        scout = no_show(event, at, 3, organisation="Scouterna", **ADDRESS)
        organiser, finance = staff("organiser"), staff("finance")
        noshow.approve_no_shows(event.id, actor=organiser, now=now)
        first = invoicing.issue_invoices(event.id, actor=finance, now=now).invoices[0]
        invoicing.update_buyer(scout.id, org_number="802400-1235", peppol_id="", actor=finance, now=now)
        ids = SimpleNamespace(event=event.id, scout=scout.id, organiser=organiser.id, finance=finance.id,
                              invoice=first.id, line=first.lines[0].id, scout_charge=db.session.scalar(
                                  select(NoShowCharge.id).where(NoShowCharge.registration_id == scout.id)))
        today = invoicing.local_date(now)
        db.session.remove()

    run = writers.start(lambda: issued(invoicing.issue_invoices(ids.event, actor=as_user(ids.finance), now=now)),
                        hold=True)
    others = {
        "waive": writers.start(lambda: noshow.waive_fee(
            ids.event, ids.scout, "Sjuk", actor=as_user(ids.organiser), now=now)),
        "vat": writers.start(lambda: noshow.set_vat_treatment(
            ids.event, "outside_scope", "Skadestånd", actor=as_user(ids.organiser), now=now).vat_treatment),
        "sent": writers.start(lambda: invoicing.mark_sent(
            ids.invoice, today, actor=as_user(ids.finance), now=now).sent_on),
        "paid": writers.start(lambda: invoicing.record_payment(
            ids.invoice, today, actor=as_user(ids.finance), now=now, amount=10000).amount),
        "credit": writers.start(lambda: invoicing.credit_invoice(
            ids.invoice, actor=as_user(ids.finance), now=now, line_ids=[ids.line], reason="Fel person").number),
    }
    writers.wait_until_settled(*others.values())
    writers.finish()

    assert run.error is None and run.result == [(2, [ids.scout_charge])]
    assert isinstance(others["waive"].error, NoShowReviewRefused)
    outcomes = {name: (writer.result, writer.error) for name, writer in others.items() if name != "waive"}
    assert outcomes == {"vat": ("outside_scope", None), "sent": (today, None), "paid": (10000, None),
                        "credit": (3, None)}
    assert waived_and_invoiced(app) == []
    with app.app_context():
        assert list(db.session.scalars(select(Invoice.number).order_by(Invoice.number))) == [1, 2, 3]
        assert db.session.get(Invoice, ids.invoice).balance == 62500 - 31250 - 10000
        db.session.remove()
