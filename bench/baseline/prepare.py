"""python -m bench.baseline.prepare: migrate the baseline's database, print a user's token key."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baseline.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-person")
    token, _ = Token.objects.get_or_create(user=user)
    sys.stdout.write(token.key + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
