"""manage.py run_demo [ADDRPORT]: what `make run` does, in one process.

Migrates, loads the demo data with a fresh demo token, starts the development server, and once
the server answers prints the logins and the token, framed, so they are the last thing on the
screen rather than scrolled away under the server's start-up lines. One process: the settings'
development warnings are printed once.
"""

import http.client
import io
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

DEFAULT_ADDRPORT = "127.0.0.1:8000"
WAIT_SECONDS = 60


def frame(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "=" * (width + 4)
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


class Command(BaseCommand):
    help = "Migrate, seed the demo (with a fresh demo token) and serve, printing the logins last."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT)

    def handle(self, *args, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        seeded = io.StringIO()
        call_command("seed_demo", demo_token=True, stdout=seeded, stderr=io.StringIO())
        host, _, port = addrport.rpartition(":")
        lines = seeded.getvalue().strip().splitlines()
        lines = [line.replace("127.0.0.1:8000", f"{host or '127.0.0.1'}:{port}") for line in lines]
        announcer = threading.Thread(target=self.announce, args=(host or "127.0.0.1", port, lines),
                                     daemon=True)
        announcer.start()
        call_command("runserver", addrport, use_reloader=False)

    def announce(self, host: str, port: str, lines: list[str]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection(host, int(port), timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        else:
            return
        self.stdout.write("\n" + frame(["Programmatic Users is running.", *lines,
                                        "Stop it with Ctrl-C."]))
        self.stdout.flush()
