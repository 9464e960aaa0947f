"""Portfolio export benchmark: export_build for a portfolio of 50 orders, against a
floor, with time and peak memory.

    .venv/bin/python bench/export.py [--orders 50] [--repeat 3]

Needs no server: it makes a throwaway SQLite database in a temporary folder
(DATABASE_URL is overridden, so no other database is touched), migrates it, loads
the unit's content, and has one learner play practice scenario PS-01 the way its
model handling does, --orders times, through the same services the pages call
(Celery eager: the checks and e-mails run inline, as a worker would). Each order is
added to the learner's portfolio with a reflection; the assessor judges every
criterion met and signs it off. Exports are written to the temporary folder.

Then, on the same portfolio:

1. floor: read the evidence (portfolio_records: two queries) and write it as
   events.json, alone: the least an export can do.
2. export_build, --repeat times, each a fresh Export: read, map to the criteria,
   render the HTML, lay out and write the PDF (WeasyPrint), CSV, JSON, manifest,
   ZIP written and renamed. Time per stage from the build's own progress updates.
3. export_build once more under tracemalloc, for the peak of Python allocations
   (tracemalloc slows the run, so its time is not the build's time).

Peak memory is given two ways: tracemalloc's peak of Python allocations during the
build (WeasyPrint's C libraries, Pango and HarfBuzz, are not seen by it), and the
process's maximum resident set size (getrusage ru_maxrss) before and after the
builds: the whole process, C libraries included; it only ever grows.

Figures are printed and written to var/bench/export.json.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

RESULT_FILE = BASE_DIR / "var" / "bench" / "export.json"
WORK_DIR = Path(tempfile.mkdtemp(prefix="orderdesk-export-bench-"))

# Set before Django is imported: a database of our own, tasks run inline.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{WORK_DIR / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "orderdesk-bench-only-not-a-secret",
        "LOG_LEVEL": "WARNING",
    }
)


def maxrss_mb() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = str(WORK_DIR / "media")
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def model_run(learner, scenario):
    """PS-01 as its model handling goes, through the services the pages call."""
    from portfolio.demo import ps01_model_run

    return ps01_model_run(learner, scenario)


def build_portfolio(orders: int):
    from django.contrib.auth.models import Group

    from accounts.models import User
    from portfolio.services import (
        criteria,
        entry_add,
        portfolio_for,
        review_record,
        sign_off,
    )
    from revision.models import Scenario
    from revision.services.content import content_load

    content_load()
    learner = User.objects.create_user(
        "bench-learner", first_name="Priya", last_name="Shah", password=None
    )
    learner.groups.add(Group.objects.get_or_create(name="learner")[0])
    assessor = User.objects.create_user(
        "bench-assessor", first_name="Alan", last_name="Brooks", password=None
    )
    assessor.groups.add(Group.objects.get_or_create(name="assessor")[0])
    scenario = Scenario.objects.get(identifier="PS-01")
    for number in range(1, orders + 1):
        order = model_run(learner, scenario)
        entry_add(
            learner=learner,
            order=order,
            reflection=(
                f"Order {number}: the stock check failed, so I e-mailed the customer "
                "before promising anything and recorded her agreement to wait."
            ),
        )
        if number % 10 == 0:
            print(f"  {number} orders played", flush=True)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save(update_fields=["assessor"])
    for criterion in criteria():
        review_record(
            portfolio=portfolio,
            assessor=assessor,
            criterion=criterion,
            verdict="met",
            comment="Consistently well evidenced across the orders.",
        )
    sign_off(portfolio=portfolio, assessor=assessor, declared=True)
    return portfolio, learner


def floor(portfolio) -> dict:
    """Read the evidence and write it as events.json, nothing else."""
    from portfolio.evidence import portfolio_records
    from portfolio.exports import events_json

    started = time.perf_counter()
    records = portfolio_records(portfolio)
    (WORK_DIR / "floor-events.json").write_bytes(events_json(records))
    seconds = time.perf_counter() - started
    tracemalloc.start()
    records = portfolio_records(portfolio)
    (WORK_DIR / "floor-events.json").write_bytes(events_json(records))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "python_peak_mb": peak / 2**20, "events": len(records)}


def build_once(portfolio, learner, stages: list | None = None):
    from portfolio import exports
    from portfolio.models import Export

    export = Export.objects.create(portfolio=portfolio, requested_by=learner)
    real = exports._progress
    marks = []

    def timed(export_row, progress, stage):
        marks.append((stage, time.perf_counter()))
        real(export_row, progress, stage)

    exports._progress = timed
    try:
        started = time.perf_counter()
        export = exports.export_build(export_id=export.pk, worker="bench")
        finished = time.perf_counter()
    finally:
        exports._progress = real
    assert export.status == Export.Status.READY, export.error
    if stages is not None:
        ends = [t for _, t in marks[1:]] + [finished]
        stages.append(
            {name: end - t for (name, t), end in zip(marks, ends, strict=True)}
        )
    return export, finished - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the database and the exports."
    )
    args = parser.parse_args()
    try:
        return run(args)
    finally:
        if not args.keep:
            shutil.rmtree(WORK_DIR, ignore_errors=True)


def run(args) -> int:
    print(f"Throwaway database and exports in {WORK_DIR}")
    setup_django()
    started = time.perf_counter()
    print(f"Playing PS-01 {args.orders} times (model handling) ...", flush=True)
    portfolio, learner = build_portfolio(args.orders)
    print(f"  set-up took {time.perf_counter() - started:.1f} s")

    from portfolio.exports import exports_root

    floor_figures = floor(portfolio)
    rss_before = maxrss_mb()
    times, stages, export = [], [], None
    for _ in range(args.repeat):
        export, seconds = build_once(portfolio, learner, stages)
        times.append(seconds)
    rss_after = maxrss_mb()
    tracemalloc.start()
    build_once(portfolio, learner)
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    with zipfile.ZipFile(exports_root() / export.path) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    median_stage = {
        name: statistics.median(run[name] for run in stages) for name in stages[0]
    }
    median = statistics.median(times)
    result = {
        "orders": args.orders,
        "events": floor_figures["events"],
        "repeat": args.repeat,
        "export_seconds": {"median": median, "min": min(times), "all": times},
        "export_stage_seconds_median": median_stage,
        "export_python_peak_mb": python_peak,
        "maxrss_mb_before_builds": rss_before,
        "maxrss_mb_after_builds": rss_after,
        "floor": floor_figures,
        "ratio_to_floor": median / floor_figures["seconds"],
        "zip_bytes": export.size,
        "files_bytes": sizes,
    }

    print()
    print(f"Portfolio: {args.orders} orders, {floor_figures['events']} events")
    print(
        f"export_build: median {median:.2f} s, min {min(times):.2f} s "
        f"over {args.repeat} builds"
    )
    for name, seconds in median_stage.items():
        print(f"  {name:<40} {seconds:7.3f} s")
    print(
        f"  peak Python allocations (tracemalloc): {python_peak:.1f} MB; "
        f"process max RSS {rss_before:.0f} MB before the builds, "
        f"{rss_after:.0f} MB after"
    )
    print(
        f"floor (read the events, write events.json): {floor_figures['seconds']:.3f} "
        f"s, peak Python allocations {floor_figures['python_peak_mb']:.1f} MB"
    )
    print(f"export / floor: {result['ratio_to_floor']:.0f} x")
    print(
        f"ZIP: {export.size / 1024:.0f} KiB; inside: "
        + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sizes.items())
    )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Written to {RESULT_FILE.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
