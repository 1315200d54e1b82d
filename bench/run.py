"""`make bench`: run every bench/bench_*.py, print one table, write bench/results.json.

Each module has ``run() -> list[dict]`` returning rows
{"name", "value", "unit", "baseline", "ratio", "target"}: the figure, the baseline measured in the
same run, value / baseline, and the target it should meet.
"""
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("name", "value", "unit", "baseline", "ratio", "target")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": platform.platform(), "load_average_at_start": os.getloadavg()}


def table(rows: list[dict]) -> str:
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in COLUMNS] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(COLUMNS)]
    line = lambda values: "  ".join(v.ljust(w) if i in (0, 2, 5) else v.rjust(w)  # noqa: E731
                                    for i, (v, w) in enumerate(zip(values, widths, strict=True)))
    return "\n".join([line(COLUMNS), line(["-" * w for w in widths])] + [line(r) for r in cells])


def main(selected: list[str]) -> int:
    started = time.monotonic()
    info = machine()
    rows, failures = [], []
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    for name in modules:
        if selected and name not in selected:
            continue
        print(f"== {name}", flush=True)
        began = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            if not hasattr(module, "run"):
                print("   skipped: no run() -> list[dict]", flush=True)
                continue
            produced = module.run()
        except Exception:  # noqa: BLE001 (one broken benchmark must not hide the others)
            traceback.print_exc()
            failures.append(name)
            continue
        for row in produced:
            row.setdefault("module", name)
        rows += produced
        print(f"   {len(produced)} figures in {time.monotonic() - began:.0f} s", flush=True)
    info["seconds"] = round(time.monotonic() - started, 1)
    print()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
          f"load average at start {', '.join(f'{x:.1f}' for x in info['load_average_at_start'])}")
    print(table(rows))
    print(f"\n{len(rows)} figures in {info['seconds']} s" + (f"; FAILED: {', '.join(failures)}" if failures else ""))
    (HERE / "results.json").write_text(json.dumps(
        {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": info, "failed": failures,
         "rows": rows}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
