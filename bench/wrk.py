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


def _required(pattern: str, output: str) -> str:
    found = re.search(pattern, output, re.M)
    if found is None:
        raise UnreadableReport(f"wrk's report has no match for {pattern!r}:\n{output}")
    return found.group(1)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> Result:
    rps = float(_required(r"Requests/sec:\s+([\d.]+)", output))
    p50 = _ms(_required(r"^\s+50%\s+([\d.]+(?:us|ms|s|m))[ \t]*$", output))
    p99 = _ms(_required(r"^\s+99%\s+([\d.]+(?:us|ms|s|m))[ \t]*$", output))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    requests = int(_required(r"(\d+) requests in", output))
    return Result(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=requests,
                  non2xx=int(non2xx.group(1)) if non2xx else 0)


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
