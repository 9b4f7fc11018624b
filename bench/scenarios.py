"""The scenarios, run in interleaved rounds; ratios are computed inside each round."""

import http.client
import os
import signal
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from bench import wrk
from bench.server import PLAIN_APP, Gunicorn, peak_rss_kib, plain_env, server_env

PLAIN = "DRF TokenAuthentication, plain Django project, GET me (baseline)"
IN_PRODUCT = "DRF TokenAuthentication inside the product, GET me (second baseline)"


@dataclass
class Row:
    phase: str
    scenario: str
    rounds: list = field(default_factory=list)  # wrk.Result per round
    ratios: list = field(default_factory=list)  # per-round ratio to the plain project's DRF
    product_ratios: list = field(default_factory=list)  # ... to DRF inside the product
    note: str = ""

    def add(self, result, *, plain: float | None, in_product: float | None) -> None:
        """One round's result, with its ratios to the baselines of the same round."""
        self.rounds.append(result)
        if plain:
            self.ratios.append(result.rps / plain)
        if in_product:
            self.product_ratios.append(result.rps / in_product)


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
                 "ratio = scenario req/s ÷ the baseline's req/s measured *just before it*, "
                 "median over rounds. The baseline is a user's: DRF's TokenAuthentication in "
                 "a separate minimal Django project (bench/baseline: Django's default "
                 "middleware, the same trivial view), run before every scenario; the second "
                 "column divides by DRF's TokenAuthentication served inside the product "
                 "(behind its middleware), run once at the start of each round.", "",
                 "| phase | scenario | median req/s | p50 ms | p99 ms | ratio to DRF (plain "
                 "project) | ratio to DRF (in product) | errors |",
                 "|---|---|---:|---:|---:|---:|---:|---:|"]
        for row in self.rows.values():
            rps = statistics.median(r.rps for r in row.rounds)
            p50 = statistics.median(r.p50_ms for r in row.rounds)
            p99 = statistics.median(r.p99_ms for r in row.rounds)
            ratios = [_median_ratio(row.ratios, row.scenario == PLAIN),
                      _median_ratio(row.product_ratios, row.scenario == IN_PRODUCT)]
            errors = sum(r.errors for r in row.rounds)
            lines.append(f"| {row.phase} | {row.scenario} | {rps:,.0f} | {p50:.2f} | {p99:.2f} "
                         f"| {ratios[0]} | {ratios[1]} | {errors} |")
        if self.extras:
            lines += ["", *self.extras]
        lines += ["", f"Total bench time: {self.elapsed / 60:.1f} min.", ""]
        return "\n".join(lines)


def _median_ratio(ratios: list, is_the_baseline: bool) -> str:
    if ratios:
        return f"{statistics.median(ratios):.2f}"
    return "1.00" if is_the_baseline else "—"


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Servers:
    """The product and the minimal project under gunicorn, side by side (only the one being
    measured is busy), with the two baselines' requests."""

    def __init__(self, fixture, env: dict[str, str], database_url: str):
        self.product = Gunicorn(env)
        self.plain = Gunicorn(plain_env(database_url), app=PLAIN_APP)
        self.baselines = [
            (PLAIN, self.plain, "/me/", {"Authorization": f"Token {fixture.plain_key}"}),
            (IN_PRODUCT, self.product, "/bench/drf/me/",
             {"Authorization": f"Token {fixture.drf_key}"}),
        ]

    def __enter__(self) -> "Servers":
        self.plain.__enter__()
        try:
            self.product.__enter__()
        except BaseException:
            self.plain.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.product.__exit__()
        self.plain.__exit__()

    def baseline(self, report: Report, phase: str, args, which: int = 0) -> float:
        """One run of a baseline (0: the plain project's, 1: DRF's in the product): req/s."""
        name, server, path, headers = self.baselines[which]
        result = wrk.run(server.url + path, headers=headers, seconds=args.seconds,
                         threads=args.threads, connections=args.connections)
        report.row(phase, name).rounds.append(result)
        print(f"bench: [{phase}] {name}: {result.rps:,.0f} req/s", flush=True)
        return result.rps

    def measure(self, report: Report, phase: str, args, name: str, path: str, headers: dict,
                *, in_product: float, script: str | None = None):
        """The plain baseline, then the scenario right after it (the machine's load moves
        less between the two runs than over a whole round): its ratios."""
        plain = self.baseline(report, phase, args)
        result = wrk.run(self.product.url + path, headers=headers, seconds=args.seconds,
                         threads=args.threads, connections=args.connections, script=script)
        report.row(phase, name).add(result, plain=plain, in_product=in_product)
        print(f"bench: [{phase}] {name}: {result.rps:,.0f} req/s p50 {result.p50_ms:.2f} ms "
              f"p99 {result.p99_ms:.2f} ms ({result.rps / plain:.2f} of plain DRF)", flush=True)
        return result

    def warm_up(self, paths, args) -> None:
        for _name, server, path, headers in self.baselines:
            wrk.run(server.url + path, headers=headers, seconds=2, threads=args.threads,
                    connections=args.connections)
        for path, headers in paths:
            wrk.run(self.product.url + path, headers=headers, seconds=2, threads=args.threads,
                    connections=args.connections)


def run_phase(report: Report, fixture, *, phase: str, rounds: int, args, list_label: str) -> None:
    token, narrowed = _bearer(fixture.token), _bearer(fixture.narrowed_token)
    grants = f"narrowed token ({fixture.narrowed_grants} grants)"
    scenarios = [
        ("Bearer token, GET /api/v1/me/ (audited)", "/api/v1/me/", None, token),
        (list_label, "/api/v1/projects/?page_size=50", None, token),
        (f"invoice list page of 50, container scope ({fixture.containers:,} projects × "
         f"{fixture.per_container} invoices)", "/api/v1/invoices/?page_size=50", None, token),
        ("retrieve one project (object permission)",
         f"/api/v1/projects/{fixture.changeable_project}/", None, token),
        ("PATCH one project (object permission)",
         f"/api/v1/projects/{fixture.changeable_project}/", "patch.lua", token),
        (f"{grants}, GET /api/v1/me/", "/api/v1/me/", None, narrowed),
        (f"{grants}, list page of 50 projects", "/api/v1/projects/?page_size=50", None,
         narrowed),
        (f"{grants}, retrieve one project", f"/api/v1/projects/{fixture.changeable_project}/",
         None, narrowed),
    ]
    with Servers(fixture, server_env(args.database_url), args.database_url) as servers:
        servers.warm_up([(path, headers) for _name, path, _, headers in scenarios], args)
        for _number in range(rounds):
            in_product = servers.baseline(report, phase, args, which=1)
            for name, path, script, headers in scenarios:
                servers.measure(report, phase, args, name, path, headers,
                                in_product=in_product, script=script)
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
    auditor = _bearer(fixture.auditor_token)
    with Servers(fixture, server_env(args.database_url), args.database_url) as servers:
        server = servers.product
        servers.warm_up([(path, auditor)], args)
        single = wrk.run(server.url + path, headers=auditor, seconds=args.seconds, threads=1,
                         connections=1)
        report.row(phase, "audit-events filtered by token and since, 1 connection (latency)"
                   ).rounds.append(single)
        for _ in range(args.rounds):
            in_product = servers.baseline(report, phase, args, which=1)
            servers.measure(report, phase, args, "audit-events filtered by token and since",
                            path, auditor, in_product=in_product)
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
    name, path = "Bearer token, GET /api/v1/me/ (audited, each commit flushed)", "/api/v1/me/"
    token = _bearer(fixture.token)
    with Servers(fixture, env, args.database_url) as servers:
        servers.warm_up([(path, token)], args)
        for _number in range(args.rounds):
            in_product = servers.baseline(report, phase, args, which=1)
            servers.measure(report, phase, args, name, path, token, in_product=in_product)


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
