"""The scenarios, run in interleaved rounds; ratios are computed inside each round."""

import http.client
import statistics
import time
from dataclasses import dataclass, field

from bench import wrk
from bench.server import Gunicorn, peak_rss_kib, server_env


@dataclass
class Row:
    phase: str
    scenario: str
    rounds: list = field(default_factory=list)  # wrk.Result per round
    ratios: list = field(default_factory=list)  # per-round ratio to the baseline
    note: str = ""


@dataclass
class Report:
    args: object
    facts: dict
    rows: dict = field(default_factory=dict)
    extras: list = field(default_factory=list)
    elapsed: float = 0.0

    def row(self, phase: str, scenario: str) -> Row:
        return self.rows.setdefault((phase, scenario), Row(phase, scenario))

    def markdown(self, command: str) -> str:
        lines = ["# Benchmark results", "", f"Command: `{command}`", "",
                 "Machine and versions: " + "; ".join(f"{k} {v}" for k, v in self.facts.items()),
                 "", f"wrk {self.args.threads} threads × {self.args.connections} connections, "
                 f"{self.args.seconds} s per scenario, {self.args.rounds} interleaved rounds; "
                 "ratio = scenario req/s ÷ DRF TokenAuthentication req/s *in the same round*, "
                 "median over rounds.", "",
                 "| phase | scenario | median req/s | p50 ms | p99 ms | ratio to DRF | errors |",
                 "|---|---|---:|---:|---:|---:|---:|"]
        for row in self.rows.values():
            rps = statistics.median(r.rps for r in row.rounds)
            p50 = statistics.median(r.p50_ms for r in row.rounds)
            p99 = statistics.median(r.p99_ms for r in row.rounds)
            ratio = f"{statistics.median(row.ratios):.2f}" if row.ratios else "1.00"
            errors = sum(r.errors for r in row.rounds)
            lines.append(f"| {row.phase} | {row.scenario} | {rps:,.0f} | {p50:.2f} | {p99:.2f} "
                         f"| {ratio} | {errors} |")
        if self.extras:
            lines += ["", *self.extras]
        lines += ["", f"Total bench time: {self.elapsed / 60:.1f} min.", ""]
        return "\n".join(lines)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def run_phase(report: Report, fixture, *, phase: str, rounds: int, args, list_label: str) -> None:
    scenarios = [
        ("DRF TokenAuthentication, GET me (baseline)", "/bench/drf/me/",
         {"Authorization": f"Token {fixture.drf_key}"}, None),
        ("Bearer token, GET /api/v1/me/ (audited)", "/api/v1/me/", _bearer(fixture.token), None),
        (list_label, "/api/v1/projects/?page_size=50", _bearer(fixture.token), None),
        ("retrieve one project (object permission)",
         f"/api/v1/projects/{fixture.changeable_project}/", _bearer(fixture.token), None),
        ("PATCH one project (object permission)",
         f"/api/v1/projects/{fixture.changeable_project}/", _bearer(fixture.token), "patch.lua"),
    ]
    with Gunicorn(server_env(args.database_url)) as server:
        for _name, path, headers, _ in scenarios:  # warm-up: connections, caches
            wrk.run(server.url + path, headers=headers, seconds=2, threads=args.threads,
                    connections=args.connections)
        for number in range(rounds):
            baseline = None
            for name, path, headers, script in scenarios:
                result = wrk.run(server.url + path, headers=headers, seconds=args.seconds,
                                 threads=args.threads, connections=args.connections,
                                 script=script)
                row = report.row(phase, name)
                row.rounds.append(result)
                if baseline is None:
                    baseline = result.rps
                else:
                    row.ratios.append(result.rps / baseline)
                print(f"bench: [{phase}] round {number + 1} {name}: {result.rps:,.0f} req/s "
                      f"p50 {result.p50_ms:.2f} ms p99 {result.p99_ms:.2f} ms", flush=True)
    fixture.check_usage_events(report, phase)


def _stream_export(url: str, path: str, token: str) -> tuple[int, float]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.monotonic()
    conn.request("GET", path, headers=_bearer(token))
    response = conn.getresponse()
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    return lines, time.monotonic() - started


def run_audit_phase(report: Report, fixture, *, args) -> None:
    phase = f"{args.audit_events:,} audit events"
    path = f"/api/v1/audit-events/?token={fixture.token_id}&since={fixture.audit_since}"
    with Gunicorn(server_env(args.database_url)) as server:
        wrk.run(server.url + path, headers=_bearer(fixture.auditor_token), seconds=2,
                threads=args.threads, connections=args.connections)
        for _ in range(args.rounds):
            baseline = wrk.run(server.url + "/bench/drf/me/",
                               headers={"Authorization": f"Token {fixture.drf_key}"},
                               seconds=args.seconds, threads=args.threads,
                               connections=args.connections)
            report.row(phase, "DRF TokenAuthentication, GET me (baseline)").rounds.append(baseline)
            result = wrk.run(server.url + path, headers=_bearer(fixture.auditor_token),
                             seconds=args.seconds, threads=args.threads,
                             connections=args.connections)
            row = report.row(phase, "audit-events filtered by token and since")
            row.rounds.append(result)
            row.ratios.append(result.rps / baseline.rps)
        before = {pid: peak_rss_kib(pid) for pid in server.worker_pids()}
        export_path = (f"/api/v1/audit-events/export/?format=jsonl&until={fixture.export_until}")
        rows, seconds = _stream_export(server.url, export_path, fixture.auditor_token)
        after = {pid: peak_rss_kib(pid) for pid in server.worker_pids()}
        growth = max(after[pid] - before.get(pid, after[pid]) for pid in after)
        report.extras.append(
            f"Export (JSON Lines, one request): {rows:,} rows in {seconds:.1f} s = "
            f"{rows / seconds:,.0f} rows/s; worker peak RSS before "
            f"{max(before.values()) / 1024:.0f} MiB, after {max(after.values()) / 1024:.0f} MiB "
            f"(growth {growth / 1024:.1f} MiB).")
