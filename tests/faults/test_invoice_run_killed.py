"""A worker killed in the middle of an invoice run: no gap in the number series, no duplicate invoice.

Each run here is a process of its own (``invoice_worker.py``) killed with SIGKILL at a chosen point,
as the kernel's OOM killer or a lost machine would kill it: no exception handler, rollback or
``finally`` runs. What is left must be what the database's transaction guarantees: all of the run
or none of it, and a number series the next issuer can take at once.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from invoice_builders import ADDRESS, NACKA, attended, late_cancelled, no_show, past_event, staff
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import AuditEntry, Delivery, Invoice, InvoiceLine, InvoiceSeries, NoShowCharge, OutboxMessage, User
from eventapp.services import invoice_mail, invoicing, noshow

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("invoice_worker.py")
#: Seconds a run may take to start and reach its stop point; imports alone take seconds on a busy machine.
STARTUP_SECONDS = 120
#: Seconds a killed or finishing run may take to be gone.
EXIT_SECONDS = 30
#: Seconds an issuer here waits for a lock before it fails: a killed run's locks must go with it.
LOCK_SECONDS = 2

FORENINGEN = dict(organisation="Föreningen Svenska med baby", organisation_kind="nonprofit",
                  org_number="802400-1235", invoice_reference="Styrelsen", **ADDRESS)
MALMO = dict(organisation="Malmö stad", org_number="212000-1124", invoice_reference="Integration 7", **ADDRESS)


@pytest.fixture
def approved_event(app, now):
    """An ended event whose approved list has six fees for five buyers, and one buyer always held back."""
    with app.test_request_context():
        event, at = past_event(now, title="Nowa Nyfiken på Almedalen")
        buyers = {
            "Nacka kommun, KS-4711": [no_show(event, at, 1, **NACKA), no_show(event, at, 2, **NACKA)],
            "Nacka kommun, another reference": [no_show(event, at, 3, **{**NACKA, "invoice_reference": "Annan"})],
            "Migrationsverket": [no_show(event, at, 4, organisation="Migrationsverket", invoice_reference="",
                                            **ADDRESS)],
            "Föreningen Svenska med baby (e-mailed)": [no_show(event, at, 5, **FORENINGEN)],
            "Malmö stad (late cancellation)": [late_cancelled(event, at, 6, **MALMO)],
        }
        attended(event, at, 7, **NACKA)
        no_show(event, at, 8, organisation="Scouterna")  # no organisation number: never invoiced
        noshow.approve_no_shows(event.id, actor=staff("organiser"), now=now)
        charge_of = dict(db.session.execute(select(NoShowCharge.registration_id, NoShowCharge.id)).all())
        run = SimpleNamespace(
            event_id=event.id, finance_id=staff("finance").id, now=now,
            buyers={name: {charge_of[r.id] for r in registrations} for name, registrations in buyers.items()})
        db.session.remove()
    return run


# A run in a process of its own ----------------------------------------------------------------


class InvoiceRunProcess:
    """``invoice_worker.py`` issuing the event's invoices in a process of its own; every wait is bounded."""

    def __init__(self, database_uri: str, run: SimpleNamespace, stop: str, log: Path):
        self.log = log
        with open(log, "w") as stderr:
            self.process = subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
                [sys.executable, str(WORKER), database_uri, str(run.event_id), str(run.finance_id),
                 run.now.isoformat(), stop],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
        self._reports: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith("{"):
                self._reports.put(json.loads(line))
        self._reports.put(None)  # the process has ended

    def _why(self) -> str:
        return "\n--- its stderr ---\n" + self.log.read_text()[-4000:]

    def next_report(self, seconds: float = STARTUP_SECONDS) -> dict:
        try:
            report = self._reports.get(timeout=seconds)
        except queue.Empty:
            pytest.fail(f"the invoice run reported nothing within {seconds} s" + self._why())
        if report is None:
            code = self.process.wait(timeout=EXIT_SECONDS)
            pytest.fail(f"the invoice run ended with exit code {code} before reporting" + self._why())
        return report

    def kill(self) -> None:
        """SIGKILL, and wait until the process is gone (its sockets and file locks with it)."""
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=EXIT_SECONDS) == -signal.SIGKILL

    def exit_code(self) -> int:
        return self.process.wait(timeout=EXIT_SECONDS)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._reader.join(timeout=EXIT_SECONDS)
        self.process.stdin.close()
        self.process.stdout.close()


@pytest.fixture
def start_run(database_uri, approved_event, tmp_path):
    """Start an invoice run for the event in a new process, optionally stopping at a point; all are ended after."""
    runs: list[InvoiceRunProcess] = []

    def start(stop: str = "") -> InvoiceRunProcess:
        runs.append(InvoiceRunProcess(database_uri, approved_event, stop, tmp_path / f"run-{len(runs) + 1}.log"))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


# What the database holds ----------------------------------------------------------------------


@dataclass
class Stored:
    """The committed invoicing state, as any new connection sees it."""

    #: The invoice numbers in order.
    numbers: list[int] = field(default_factory=list)
    #: Invoice number → the fees on its lines.
    charges: dict[int, set[int]] = field(default_factory=dict)
    #: (buyer, reference) of each invoice.
    buyers: list[tuple[str, str]] = field(default_factory=list)
    #: The number the series gives next; None before the series' first use.
    next_number: int | None = None
    #: Invoice numbers in "invoice.issued" audit entries.
    audited: list[int] = field(default_factory=list)
    #: Invoice numbers of e-mailed invoices, and of the invoices whose e-mail is in the outbox.
    emailed: list[int] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)


def stored(app) -> Stored:
    with app.app_context():
        invoices = list(db.session.scalars(select(Invoice).order_by(Invoice.number)))
        number_of = {invoice.id: invoice.number for invoice in invoices}
        charges: dict[int, set[int]] = {invoice.number: set() for invoice in invoices}
        for invoice_id, charge_id in db.session.execute(select(InvoiceLine.invoice_id, InvoiceLine.charge_id)):
            charges[number_of[invoice_id]].add(charge_id)
        issued = select(AuditEntry.details).where(AuditEntry.action == "invoice.issued")
        queued = select(OutboxMessage.invoice_id).where(OutboxMessage.kind == invoice_mail.KIND)
        state = Stored(
            numbers=[invoice.number for invoice in invoices], charges=charges,
            buyers=[(invoice.buyer_name, invoice.buyer_reference) for invoice in invoices],
            next_number=db.session.scalar(select(InvoiceSeries.next_number).where(
                InvoiceSeries.name == invoicing.SERIES)),
            audited=sorted(details["number"] for details in db.session.scalars(issued)),
            emailed=[invoice.number for invoice in invoices if invoice.delivery == Delivery.EMAIL],
            queued=sorted(number_of[invoice_id] for invoice_id in db.session.scalars(queued)),
        )
        db.session.remove()
    return state


def assert_nothing_issued(state: Stored) -> None:
    assert state.numbers == [] and state.charges == {} and state.audited == [] and state.queued == []
    assert state.next_number in (None, 1), "a number was used up by a run that issued nothing"


def assert_issued_once_each(state: Stored, buyers: dict[str, set[int]]) -> None:
    """Numbers 1..N for the N buyers, each buyer's fees on one whole invoice of its own, no number lost."""
    count = len(buyers)
    assert state.numbers == list(range(1, count + 1)), "a gap or a duplicate in the number series"
    assert sorted(map(sorted, state.charges.values())) == sorted(map(sorted, buyers.values())), \
        "a buyer's fees are split, doubled, missing or on an invoice without lines"
    assert sorted(Counter(state.buyers).values()) == [1] * count, "a buyer and reference with two invoices"
    assert state.next_number == count + 1, "a number was reserved and lost"
    assert state.audited == state.numbers
    assert len(state.emailed) == 1 and state.queued == state.emailed, "an e-mailed invoice without its one e-mail"


def issue_with(app, run: SimpleNamespace) -> list[int]:
    """Issue the event's invoices in this process, as finance's button does; the new invoices' numbers."""
    with app.test_request_context():
        try:
            finance = db.session.get(User, run.finance_id)
            return [invoice.number for invoice in
                    invoicing.issue_invoices(run.event_id, actor=finance, now=run.now).invoices]
        finally:
            db.session.remove()


@contextmanager
def impatient_issuer(database_uri: str, seconds: float):
    """An issuer in this process, with an app and connections of its own, that waits at most ``seconds``
    for a lock (the suite's app would wait 30 s on SQLite and for ever on PostgreSQL)."""
    overrides = {"SQLALCHEMY_DATABASE_URI": database_uri, "SQLITE_BUSY_TIMEOUT": seconds}
    if make_url(database_uri).get_backend_name() == "postgresql":
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, "connect_args": {"options": f"-c lock_timeout={int(seconds * 1000)}"}}
    app = create_app(type("ImpatientConfig", (TestingConfig,), overrides))
    try:
        yield lambda run: issue_with(app, run)
    finally:
        with app.app_context():
            db.engine.dispose()


# The tests ------------------------------------------------------------------------------------


def test_a_run_killed_before_its_commit_leaves_nothing_and_the_next_run_issues_each_invoice_once(
        app, database_uri, approved_event, start_run):
    """Killed after writing its invoices but before committing: is nothing of the run left (invoice,
    line, e-mail, audit entry or used number), and does issuing again number the invoices 1..N once each?"""
    killed = start_run("before_commit")
    written = killed.next_report()
    # It stopped where meant: all five invoices and six lines written, the series moved on, uncommitted.
    assert written == {"stopped": "before_commit", "numbers": [1, 2, 3, 4, 5], "lines": 6, "next_number": 6}
    killed.kill()
    assert_nothing_issued(stored(app))

    with impatient_issuer(database_uri, LOCK_SECONDS) as issue:
        assert issue(approved_event) == [1, 2, 3, 4, 5]
        assert_issued_once_each(stored(app), approved_event.buyers)
        assert issue(approved_event) == []
    assert_issued_once_each(stored(app), approved_event.buyers)


def test_a_run_killed_right_after_its_commit_is_whole_and_issuing_again_adds_nothing(
        app, database_uri, approved_event, start_run):
    """Killed just after its commit: is all of the run's work kept, and does issuing again, in another
    process and in this one, add no invoice and use no number?"""
    killed = start_run("after_commit")
    assert killed.next_report() == {"stopped": "after_commit"}
    killed.kill()
    assert_issued_once_each(stored(app), approved_event.buyers)

    again = start_run()
    assert again.next_report() == {"issued": []}
    assert again.exit_code() == 0
    with impatient_issuer(database_uri, LOCK_SECONDS) as issue:
        assert issue(approved_event) == []
    assert_issued_once_each(stored(app), approved_event.buyers)


def test_a_killed_run_leaves_the_number_series_free_for_the_next_issuer(
        app, database_uri, approved_event, start_run):
    """A run holding the number series is killed: can the next issuer take the series at once (on SQLite:
    is the database not left locked), instead of waiting out a lock that nobody will release?"""
    killed = start_run("before_commit")
    assert killed.next_report()["numbers"] == [1, 2, 3, 4, 5]
    with impatient_issuer(database_uri, 0.5) as issue, pytest.raises(OperationalError, match="lock"):
        issue(approved_event)  # while the run lives, the series is its own: this check can fail
    killed.kill()
    with impatient_issuer(database_uri, LOCK_SECONDS) as issue:
        assert issue(approved_event) == [1, 2, 3, 4, 5]
    assert_issued_once_each(stored(app), approved_event.buyers)
