"""make bench: audited token requests vs DRF's TokenAuthentication, lists at scale, the audit log.

The baseline is a user's: DRF's TokenAuthentication in a separate minimal Django project
(bench/baseline); DRF's TokenAuthentication served inside the product is the second column.

Usage: python -m bench [--sizes 10000,100000,1000000] [--granted 5000] [--containers 2500]
                       [--rounds 3] [--seconds 10] [--audit-events 0] [--export-rows 1000000]
Writes bench/RESULTS.md and prints the same table.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("RESULTS.md")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pgu_bench"))
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="project counts, comma-separated (scenario 2)")
    parser.add_argument("--granted", type=int, default=5000,
                        help="projects granted to the bench user (half by object, half by group)")
    parser.add_argument("--containers", type=int, default=2500,
                        help="of those, projects whose invoices the bench user reads through a "
                             "view_invoice grant on the project (container scope)")
    parser.add_argument("--users", type=int, default=1000, help="programmatic users seeded")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per scenario")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--audit-events", type=int, default=0,
                        help="audit events to seed for scenario 4 (10000000 in the full run)")
    parser.add_argument("--export-rows", type=int, default=1000000,
                        help="rows in the export measured in scenario 4")
    parser.add_argument("--output", default=str(RESULTS))
    return parser.parse_args(argv)


def setup_django(database_url: str) -> None:
    from bench.server import server_env

    os.environ.update(server_env(database_url))
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine_facts() -> dict[str, str]:
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "n/a"

    import django
    import rest_framework

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    return {
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "postgresql": run("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc",
                          "SHOW server_version"),
        "wrk": run("wrk", "--version").splitlines()[0] if run("wrk", "--version") else "n/a",
        "gunicorn": "2 sync workers",
    }


def median(values):
    return statistics.median(values) if values else float("nan")


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import scenarios, wrk

    wrk.ensure_wrk()
    started = time.monotonic()
    print(f"bench: recreating {args.database_url}", file=sys.stderr)
    recreate_database(args.database_url)
    from bench.server import baseline_database_url, prepare_plain

    recreate_database(baseline_database_url(args.database_url))
    plain_key = prepare_plain(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import seed  # models: only once Django is set up
    facts = machine_facts()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    report = scenarios.Report(args=args, facts=facts)
    fixture = seed.base(users=args.users)
    fixture.plain_key = plain_key
    for number, size in enumerate(sizes):
        print(f"bench: seeding {size} projects ({args.granted} granted)", file=sys.stderr)
        seed.projects(fixture, total=size, granted=args.granted, containers=args.containers)
        scenarios.run_phase(report, fixture, phase=f"{size:,} projects", rounds=args.rounds,
                            args=args, list_label=f"list page of 50 at {size:,} projects")
        if number == 0:
            scenarios.run_sync_commit_phase(report, fixture, args=args)
            scenarios.run_worker_kill_check(report, fixture, args=args)
            fixture.skip_usage_events()
    if args.audit_events:
        print(f"bench: seeding {args.audit_events} audit events", file=sys.stderr)
        seed.audit_events(fixture, total=args.audit_events, export_rows=args.export_rows)
        scenarios.run_audit_phase(report, fixture, args=args)
    report.elapsed = time.monotonic() - started
    text = report.markdown(command=" ".join(["make bench"] + (
        [f"BENCH_ARGS='{' '.join(argv or sys.argv[1:])}'"] if (argv or sys.argv[1:]) else [])))
    analysis = Path(__file__).with_name("analysis.md")
    if analysis.exists():  # the hand-written reading of the figures, kept with them
        text += "\n" + analysis.read_text()
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
