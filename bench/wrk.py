"""Drive wrk and read its report."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("lua")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int  # completed responses, whatever their status
    non2xx: int = 0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


class UnreadableReport(ValueError):
    """wrk printed something this bench cannot read (no --latency distribution, a crash)."""


def _required(pattern: str, output: str) -> re.Match:
    found = re.search(pattern, output, re.M)
    if found is None:
        raise UnreadableReport(f"wrk's report has no match for {pattern!r}:\n{output}")
    return found


def _percentile_ms(percent: int, output: str) -> float:
    """A line of the latency distribution; wrk pads a one-letter unit with a trailing space."""
    found = _required(rf"^\s+{percent}%\s+([\d.]+)({'|'.join(_UNITS)})[ \t]*$", output)
    return float(found.group(1)) * _UNITS[found.group(2)]


def _count(pattern: str, output: str) -> int:
    found = re.search(pattern, output)
    return sum(int(n) for n in found.groups()) if found else 0


def parse(output: str) -> Result:
    non2xx = _count(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = _count(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                           r"timeout (\d+)", output)
    return Result(rps=float(_required(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                  p50_ms=_percentile_ms(50, output), p99_ms=_percentile_ms(99, output),
                  errors=non2xx + socket_errors,
                  requests=int(_required(r"(\d+) requests in", output).group(1)),
                  non2xx=non2xx)


def run(url: str, *, headers: dict[str, str], seconds: int, threads: int, connections: int,
        script: str | None = None) -> Result:
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(LUA / script)]
    command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse(output)
