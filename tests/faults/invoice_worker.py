"""An invoice run in a process of its own, which can stop at a chosen point and wait there to be killed.

    python invoice_worker.py DATABASE_URI EVENT_ID FINANCE_USER_ID NOW [before_commit | after_commit]

It issues the event's approved no-show invoices with ``invoicing.issue_invoices``, unchanged. With a
stop point, a session hook written here (production code has none) makes the run stop just before
its commit (everything flushed, the transaction still open) or just after it. Each line on stdout is
a JSON object: ``{"stopped": point, ...}`` on stopping, ``{"issued": [numbers]}`` when done. A
stopped run waits for stdin to close, so it never outlives the test that started it; if it does get
to go on, it leaves without committing.
"""
import json
import os
import sys
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import Invoice, InvoiceLine, InvoiceSeries, User
from eventapp.services import invoicing

STOP_POINTS = ("before_commit", "after_commit")


def report(**fields) -> None:
    print(json.dumps(fields), flush=True)


def wait_to_be_killed() -> None:
    sys.stdin.read()
    os._exit(3)  # the test went away: leave as a crash would, without committing


def written_so_far(session: Session) -> dict:
    """What the open transaction holds: the test checks the run stopped after writing its invoices."""
    return {
        "numbers": sorted(session.scalars(select(Invoice.number))),
        "lines": session.scalar(select(func.count()).select_from(InvoiceLine)),
        "next_number": session.scalar(select(InvoiceSeries.next_number)),
    }


def stop_before_commit(session: Session) -> None:
    session.flush()  # the audit entries and e-mails too: all that the commit would store is written
    report(stopped="before_commit", **written_so_far(session))
    wait_to_be_killed()


def stop_after_commit(session: Session) -> None:
    report(stopped="after_commit")  # no SQL here: the transaction has ended
    wait_to_be_killed()


def main(database_uri: str, event_id: str, finance_user_id: str, now: str, stop: str = "") -> None:
    if stop and stop not in STOP_POINTS:
        raise SystemExit(f"stop point must be one of {STOP_POINTS}")
    config = type("WorkerConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_uri})
    app = create_app(config)
    if stop == "before_commit":
        event.listen(Session, "before_commit", stop_before_commit)
    elif stop == "after_commit":
        event.listen(Session, "after_commit", stop_after_commit)
    with app.test_request_context():
        finance = db.session.get(User, int(finance_user_id))
        result = invoicing.issue_invoices(int(event_id), actor=finance, now=datetime.fromisoformat(now))
        report(issued=[invoice.number for invoice in result.invoices])
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
