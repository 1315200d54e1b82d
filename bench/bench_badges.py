"""Benchmark: 1 000 name badges, time and peak memory, against WeasyPrint rendering 1 000 pages of
equivalent plain HTML (same text, same page size, no fonts, QR codes or fitting) in the same run.

    .venv/bin/python bench/bench_badges.py

Each measurement runs in a fresh process, so its peak resident memory is its own, and its time is
that process's CPU time (user + system): rendering is single-threaded, so on an idle machine this
equals the wall-clock time, and on a busy one it is not distorted by other work. The three
measurements run side by side to finish sooner.
"""
import json
import multiprocessing
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = 1000
#: Badges may take at most this many times the plain-HTML baseline.
TARGET = 1.3


def _people():
    from eventapp.exports.badges import BadgeData

    organisations = ["Älvsbyns kommun", "Migrationsverket", "Svenska kyrkan", "Synskadades Riksförbund", "Scouterna"]
    return [BadgeData(f"Förnamn{i}", f"Efternamn-Åberg{i}", organisations[i % 5], "Kommunikatör", f"C{i:07d}")
            for i in range(COUNT)]


def _app():
    sys.path.insert(0, str(ROOT))
    from config import TestingConfig
    from eventapp import create_app

    return create_app(TestingConfig)


def _baseline() -> None:
    from weasyprint import HTML

    from eventapp.exports.badge_layouts import LAYOUTS

    layout = LAYOUTS["single"]
    pages = "".join(
        f'<section><p>Kommunikation och integration – lär av varandra</p><p>onsdag 15 februari 2017</p>'
        f'<h1>{p.first_name}</h1><p>{p.last_name}</p><p>{p.organisation}</p><p>{p.job_title}</p><p>{p.code}</p>'
        f'</section>' for p in _people())
    html = (f"<html><head><style>@page {{ size: {layout.page_width}mm {layout.page_height}mm; margin: 6mm }}"
            f"section {{ page-break-after: always }}</style></head><body>{pages}</body></html>")
    HTML(string=html).write_pdf()


def _badges(layout: str) -> None:
    from eventapp.exports.badges import BadgeDesign, render_badges

    app = _app()
    with app.test_request_context():
        pdf = render_badges(_people(), BadgeDesign("Kommunikation och integration – lär av varandra",
                                                   "onsdag 15 februari 2017"), layout)
    assert pdf.startswith(b"%PDF")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(name: str) -> tuple[float, float]:
    """(CPU seconds, peak resident MB) of one measurement; runs in a fresh process."""
    started = _cpu_seconds()
    if name == "baseline":
        _baseline()
    else:
        _badges(name)
    return _cpu_seconds() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> list[dict]:
    """Rows of {name, value, unit, baseline, ratio, target}."""
    names = ["baseline", "single", "card"]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(names), maxtasksperchild=1) as pool:
        results = dict(zip(names, pool.map(_measure, names, chunksize=1), strict=True))
    base_seconds, base_memory = results["baseline"]
    rows = []
    for layout, label in (("single", "1000 badges, one per page"), ("card", "1000 badges, ten per A4 sheet")):
        seconds, memory = results[layout]
        rows.append({"name": f"{label}: time", "value": round(seconds, 2), "unit": "s CPU",
                     "baseline": round(base_seconds, 2), "ratio": round(seconds / base_seconds, 3), "target": TARGET})
        rows.append({"name": f"{label}: peak memory", "value": round(memory, 1), "unit": "MB",
                     "baseline": round(base_memory, 1), "ratio": round(memory / base_memory, 3), "target": TARGET})
    return rows


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
