"""The scenarios, run in interleaved rounds; ratios are computed inside each round."""

import http.client
import os
import signal
import statistics
import subprocess
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
            if row.ratios:
                ratio = f"{statistics.median(row.ratios):.2f}"
            else:
                ratio = "1.00" if "baseline" in row.scenario else "—"
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
        single = wrk.run(server.url + path, headers=_bearer(fixture.auditor_token),
                         seconds=args.seconds, threads=1, connections=1)
        report.row(phase, "audit-events filtered by token and since, 1 connection (latency)"
                   ).rounds.append(single)
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


def run_sync_commit_phase(report: Report, fixture, *, args) -> None:
    """Scenario 1 again with AUDIT_USAGE_COMMIT=sync: every usage event also waits for the WAL
    flush (the issue asks for both measured)."""
    phase = "AUDIT_USAGE_COMMIT=sync"
    env = {**server_env(args.database_url), "AUDIT_USAGE_COMMIT": "sync"}
    scenarios = [
        ("DRF TokenAuthentication, GET me (baseline)", "/bench/drf/me/",
         {"Authorization": f"Token {fixture.drf_key}"}),
        ("Bearer token, GET /api/v1/me/ (audited, each commit flushed)", "/api/v1/me/",
         _bearer(fixture.token)),
    ]
    with Gunicorn(env) as server:
        for _name, path, headers in scenarios:
            wrk.run(server.url + path, headers=headers, seconds=2, threads=args.threads,
                    connections=args.connections)
        for number in range(args.rounds):
            baseline = None
            for name, path, headers in scenarios:
                result = wrk.run(server.url + path, headers=headers, seconds=args.seconds,
                                 threads=args.threads, connections=args.connections)
                row = report.row(phase, name)
                row.rounds.append(result)
                if baseline is None:
                    baseline = result.rps
                else:
                    row.ratios.append(result.rps / baseline)
                print(f"bench: [{phase}] round {number + 1} {name}: {result.rps:,.0f} req/s",
                      flush=True)


def run_worker_kill_check(report: Report, fixture, *, args) -> None:
    """Kill a worker (SIGKILL) in the middle of Bearer traffic: every response wrk received
    must have its token.used event stored."""
    from audit.models import AuditEvent

    def stored() -> int:
        return AuditEvent.objects.filter(event="token.used", token_id=fixture.token_id).count()

    seconds = max(args.seconds, 6)
    with Gunicorn(server_env(args.database_url)) as server:
        before = stored()
        command = [wrk.ensure_wrk(), f"-t{args.threads}", f"-c{args.connections}",
                   f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {fixture.token}",
                   server.url + "/api/v1/me/"]
        load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        time.sleep(seconds / 3)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        output, _ = load.communicate(timeout=seconds + 60)
        result = wrk.parse(output)
        time.sleep(1)  # the last requests' commits
        after = stored()
    answered = result.requests - result.non2xx
    verdict = "none lost" if after - before >= answered else "EVENTS MISSING"
    report.extras.append(
        f"Worker killed (SIGKILL to pid {victim}) {seconds / 3:.0f} s into {seconds} s of "
        f"Bearer `me/` traffic: wrk received {answered:,} successful responses "
        f"({result.errors - result.non2xx} socket errors from the dropped connections, "
        f"{result.non2xx} other answers); the log holds "
        f"{after - before:,} new token.used events: {verdict}."
    )
    print(f"bench: worker kill: {answered} answered, {after - before} stored ({verdict})",
          flush=True)
