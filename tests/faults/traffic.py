"""Client threads for the fault tests: each sends one request after another until stopped, and
every answer is kept with the client's clock on both sides (`tests.live.Answer`)."""

import threading
import time
from collections.abc import Callable

from tests.live import Answer, call


class Traffic:
    """`threads` clients sending `GET me/` with `token` (or `method` `path` with `body`), each
    request with its own request id (`<label>-<thread>-<n>`), until the block ends."""

    def __init__(self, url: str, token: str | None, *, threads: int, label: str,
                 path: str = "/api/v1/me/", method: str = "GET", body: dict | None = None):
        self.url, self.token, self.label, self.path = url, token, label, path
        self.method, self.body = method, body
        self.answers: list[Answer] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(threads)]

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self, number: int) -> None:
        sent = 0
        while not self._stop.is_set():
            sent += 1
            request_id = f"{self.label}-{number}-{sent}"
            try:
                self.answers.append(call(self.url, self.path, method=self.method,
                                         token=self.token, body=self.body,
                                         request_id=request_id))
            except OSError as error:  # no answer at all: the tests require none of these
                self.errors.append(f"{request_id}: {type(error).__name__}: {error}")
                time.sleep(0.05)

    def wait_for(self, condition: Callable[[list[Answer]], bool], seconds: float,
                 what: str) -> float:
        """Wait until `condition(answers so far)`; the moment it held (monotonic clock)."""
        deadline = time.monotonic() + seconds
        while not condition(list(self.answers)):
            assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
            time.sleep(0.02)
        return time.monotonic()
