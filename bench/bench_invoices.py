"""How long invoicing takes: issuing a large event's no-show fees, and producing the documents and e-mails.

    .venv/bin/python bench/bench_invoices.py [--no-shows 500] [--repeat 3]

Uses a throw-away SQLite database (or BENCH_DATABASE_URL=postgresql://… of a throw-away database:
its public schema is dropped). ``run()`` returns rows {"name", "value", "unit", "baseline", "ratio",
"target"} for the ``make bench`` runner; run alone, it prints them.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import flask_migrate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from config import TestingConfig  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402

#: Targets: what finance should never wait longer for (seconds, or seconds per document).
TARGETS = {"issue": 10.0, "ubl": 0.05, "pdf": 1.0, "email": 1.0, "sie": 2.0}


def build_app(url: str | None):
    instance = tempfile.mkdtemp(prefix="bench-invoices-")
    os.environ["EVENTAPP_INSTANCE_PATH"] = instance

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{instance}/bench.db"

    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        from eventapp.services.organisations import load_reference_data

        load_reference_data()
    return app


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _issue_once(app, no_shows: int, round_number: int) -> tuple[float, list[int]]:
    """An ended event with ``no_shows`` no-shows from no_shows/5 buyers, approved; the time to issue it."""
    from invoice_builders import ADDRESS, no_show, past_event, staff

    from eventapp.services import invoicing, noshow

    now = datetime(2017, 3, 1, 9, tzinfo=UTC)
    with app.test_request_context():
        event, at = past_event(now, slug=f"bench-{round_number}", capacity=None)
        for n in range(no_shows):
            no_show(event, at, round_number * 100000 + n, organisation=f"Bolag {n % (no_shows // 5 or 1)} AB",
                    org_number="556999-9997", invoice_reference=f"Ref {n % 3}", **ADDRESS)
        organiser, finance = staff("organiser"), staff("finance")
        noshow.approve_no_shows(event.id, actor=organiser, now=now + timedelta(days=1))
        result = {}
        seconds = _timed(lambda: result.setdefault("issued", invoicing.issue_invoices(
            event.id, actor=finance, now=now + timedelta(days=1))))
        return seconds, [invoice.id for invoice in result["issued"].invoices]


def run(no_shows: int = 500, repeat: int = 3) -> list[dict]:
    """Median timings over ``repeat`` rounds."""
    from eventapp.exports.invoice_pdf import invoice_pdf
    from eventapp.exports.peppol import invoice_xml
    from eventapp.exports.sie import SieAccounts, sie_file
    from eventapp.models import Invoice
    from eventapp.services import invoice_mail

    app = build_app(os.environ.get("BENCH_DATABASE_URL"))
    issue, ubl, pdf, email, sie = [], [], [], [], []
    for round_number in range(repeat):
        seconds, invoice_ids = _issue_once(app, no_shows, round_number)
        issue.append(seconds)
        with app.test_request_context():
            invoices = [db.session.get(Invoice, invoice_id) for invoice_id in invoice_ids]
            ubl.append(_timed(lambda invoices=invoices: [invoice_xml(i) for i in invoices]) / len(invoices))
            pdf.append(_timed(lambda invoices=invoices: invoice_pdf(invoices[0])))
            message = invoice_mail.messages_for(invoices[-1])[0]  # queued at issue, composed by the deliverer
            email.append(_timed(lambda message=message: invoice_mail.compose(message, datetime.now(UTC))))
            sie.append(_timed(lambda invoices=invoices: sie_file(
                invoices * 10, [], company="Bench AB", org_number="559900-0006", accounts=SieAccounts(),
                generated_on=datetime(2017, 3, 2, tzinfo=UTC).date())))
    invoices_per_run = len(invoice_ids)
    rows = [
        (f"issue {no_shows} no-shows as {invoices_per_run} invoices", statistics.median(issue), "s", "issue"),
        ("Peppol UBL per invoice", statistics.median(ubl), "s", "ubl"),
        ("PDF of one invoice", statistics.median(pdf), "s", "pdf"),
        ("e-mail of one invoice, PDF attached", statistics.median(email), "s", "email"),
        (f"SIE 4 of {invoices_per_run * 10} invoices", statistics.median(sie), "s", "sie"),
    ]
    return [{"name": name, "value": round(value, 4), "unit": unit, "baseline": None, "ratio": None,
             "target": TARGETS[key]} for name, value, unit, key in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in run(args.no_shows, args.repeat):
        verdict = "ok" if row["value"] <= row["target"] else "SLOW"
        print(f"{row['name']:<45} {row['value']:>9.4f} {row['unit']}  (target {row['target']} {row['unit']}) {verdict}")


if __name__ == "__main__":
    main()
