"""The benchmark's own arithmetic: reading wrk's report and computing ratios inside each round.

`make bench` itself needs gunicorn, wrk and minutes of load, so it is not part of `make test`;
these tests hold the parts whose mistakes would silently misreport every figure.
"""

from types import SimpleNamespace

import pytest

from bench import seed, wrk
from bench.scenarios import IN_PRODUCT, PLAIN, Report

# As wrk prints it: a unit of one letter is padded with a trailing space.
WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/api/v1/me/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.89ms    4.10ms  60.12ms   80.00%
    Req/Sec   362.10     40.00   450.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   24.00ms
     90%   27.00ms
     99%    1.20s
  3620 requests in 5.01s, 1.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    722.55
Transfer/sec:    220.00KB
""".replace("1.20s\n", "1.20s \n")


def test_wrk_report_is_read_in_milliseconds_with_every_error_counted():
    result = wrk.parse(WRK_OUTPUT)
    assert result == wrk.Result(rps=722.55, p50_ms=0.85, p99_ms=1200.0, errors=9,
                                requests=3620, non2xx=4)


def test_a_clean_wrk_report_has_no_errors():
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines()
                      if not line.strip().startswith(("Socket errors", "Non-2xx")))
    result = wrk.parse(clean)
    assert (result.errors, result.non2xx, result.p50_ms) == (0, 0, 0.85)


def test_a_report_without_a_latency_distribution_is_refused():
    without = WRK_OUTPUT.replace("     50%  850.00us\n", "")
    with pytest.raises(wrk.UnreadableReport, match="50%"):
        wrk.parse(without)


def test_a_latency_in_minutes_is_read():
    slow = WRK_OUTPUT.replace("     99%    1.20s ", "     99%    1.50m ")
    assert wrk.parse(slow).p99_ms == 90000.0


def _result(rps, errors=0):
    return wrk.Result(rps=rps, p50_ms=10.0, p99_ms=20.0, errors=errors, requests=int(rps * 5))


def test_the_table_gives_the_median_of_the_per_round_ratios_to_both_baselines():
    args = SimpleNamespace(threads=2, connections=16, seconds=5, rounds=3)
    report = Report(args=args, facts={"cpu": "2 cores"})
    plain = report.row("10,000 projects", PLAIN)
    in_product = report.row("10,000 projects", IN_PRODUCT)
    bearer = report.row("10,000 projects", "Bearer me/")
    extra = report.row("sync", "Bearer me/, flushed")
    # Per-round ratios to the plain project 0.70, 0.90, 0.95: their median is 0.90, while the
    # ratio of the median throughputs (700 / 1000) would be 0.70. To DRF in the product: 0.875,
    # 1.0, 0.95 (median 0.95).
    for drf, inside, ours in [(1000, 800, 700), (500, 450, 450), (1200, 1200, 1140)]:
        plain.rounds.append(_result(drf))
        in_product.rounds.append(_result(inside))
        bearer.add(_result(ours, errors=1), plain=drf, in_product=inside)
    extra.rounds.append(_result(300))
    lines = report.markdown(command="make bench").splitlines()
    assert (f"| 10,000 projects | {PLAIN} | 1,000 | 10.00 | 20.00 | 1.00 | — | 0 |") in lines
    assert (f"| 10,000 projects | {IN_PRODUCT} | 800 | 10.00 | 20.00 | — | 1.00 | 0 |") in lines
    assert "| 10,000 projects | Bearer me/ | 700 | 10.00 | 20.00 | 0.90 | 0.95 | 3 |" in lines
    assert "| sync | Bearer me/, flushed | 300 | 10.00 | 20.00 | — | — | 0 |" in lines
    assert "Command: `make bench`" in lines


def test_the_plain_project_has_its_own_database_and_settings():
    from bench.server import baseline_database_url, plain_env

    url = "postgres://postgres@127.0.0.1:5432/pgu_bench"
    assert baseline_database_url(url) == "postgres://postgres@127.0.0.1:5432/pgu_bench_baseline"
    env = plain_env(url)
    assert env["DJANGO_SETTINGS_MODULE"] == "bench.baseline.settings"
    assert env["DATABASE_URL"].endswith("/pgu_bench_baseline")


def test_the_plain_project_has_djangos_default_middleware_and_apps(monkeypatch):
    import ast
    import importlib
    from pathlib import Path

    import django

    monkeypatch.setenv("SECRET_KEY", "bench")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pgu_bench_baseline")
    plain = importlib.import_module("bench.baseline.settings")
    template = (Path(django.__file__).parent / "conf" / "project_template" / "project_name"
                / "settings.py-tpl").read_text()
    defaults = {node.targets[0].id: ast.literal_eval(node.value)
                for node in ast.parse(template).body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in
                {"MIDDLEWARE", "INSTALLED_APPS"}}
    middleware, apps = plain.MIDDLEWARE, plain.INSTALLED_APPS
    assert middleware == defaults["MIDDLEWARE"]
    assert apps == [*defaults["INSTALLED_APPS"], "rest_framework", "rest_framework.authtoken"]
    assert plain.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "rest_framework.authentication.TokenAuthentication"]


@pytest.mark.parametrize(("total", "rows", "exported"), [
    (10, 4, 4), (10, 10, 10), (10, 1_000_000, 10), (1_000, 999, 999),
])
def test_the_export_window_holds_exactly_the_rows_asked_for(total, rows, exported):
    until = seed.export_until(total=total, rows=rows)
    # The seeding SQL puts event n (1 ≤ n ≤ total) at AUDIT_EPOCH + n × AUDIT_STEP; the API's
    # `until` is exclusive.
    times = [seed.AUDIT_EPOCH + n * seed.AUDIT_STEP for n in range(1, total + 1)]
    assert sum(moment < until for moment in times) == exported
