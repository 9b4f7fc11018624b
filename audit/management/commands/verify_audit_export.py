"""manage.py verify_audit_export FILE --digests DIR --public-key FILE: offline, no database.

Checks an unfiltered JSON Lines export (GET audit-events/export/?format=jsonl) against the
signed digests with the log's public key only. It never opens a database connection and needs
no server: an auditor need not trust either.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.keys import InvalidKey, load_public_key
from audit.offline import read_digest_folder, verify_export


class Command(BaseCommand):
    help = ("Verify an unfiltered JSON Lines export of the audit log against the signed digests "
            "with the public key, offline (no database, no server). Exit 1 naming the first bad "
            "line, event or digest.")
    requires_system_checks = []  # nothing here may reach for the database

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export (GET audit-events/export/?format=jsonl).")
        parser.add_argument("--digests", required=True, metavar="DIR",
                            help="A folder holding every digest (GET audit-events/digests/, or a "
                                 "copy of the digest storage), fetched before the export.")
        parser.add_argument("--public-key", required=True, metavar="FILE",
                            help="The log's public key in PEM (GET audit-events/public-key/).")

    def handle(self, *args, file, digests, public_key, **options):
        try:
            key = load_public_key(Path(public_key).read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read the public key {public_key}: {exc.strerror}."
                               ) from None
        except InvalidKey as exc:
            raise CommandError(f"the public key {public_key} {exc}.") from None
        folder = Path(digests)
        if not folder.is_dir():
            raise CommandError(f"--digests {digests} is not a folder.")
        files = read_digest_folder(folder)
        if not files:
            raise CommandError(f"--digests {digests} holds no digest (*.json): nothing to verify "
                               "against.")
        try:
            with open(file, "rb") as lines:
                verdict = verify_export(lines, files, key)
        except OSError as exc:
            raise CommandError(f"cannot read the export {file}: {exc.strerror}.") from None
        if not verdict.ok:
            raise CommandError(verdict.summary(), returncode=1)
        self.stderr.write(verdict.summary())
