#!/usr/bin/env python3
"""List every project an integration may see, the way an integration should call the API.

    export PGU_URL=http://127.0.0.1:8000 PGU_TOKEN=pgu_...
    python3 examples/list_projects.py

The token comes from the environment (never from code), is sent only in the Authorization
header, and is never printed or logged. Standard library only.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    """The API refused the request; the message never contains the token."""


def call(url: str, token: str, *, attempts: int = 5) -> dict:
    if not url.startswith(("http://", "https://")):
        raise ApiError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={  # noqa: S310 (scheme checked above)
        "Authorization": f"Bearer {token}", "Accept": "application/json"})
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 429:  # throttled: wait as told, then retry
                time.sleep(float(error.headers.get("Retry-After", "1")))
                continue
            if error.code == 401:
                raise ApiError("401: the token is invalid, expired or revoked; "
                               "ask your configurator for a new one") from None
            if error.code == 403:
                raise ApiError("403: the token's user lacks the permission for this") from None
            raise ApiError(f"{error.code} from {url}") from None
        except (urllib.error.URLError, OSError) as error:  # refused, unknown host, timeout
            reason = getattr(error, "reason", error)
            raise ApiError(f"cannot reach {url}: {reason}") from None
    raise ApiError(f"still throttled after {attempts} attempts")


def projects(base_url: str, token: str):
    """Yield every visible project, following the cursor pagination."""
    url = f"{base_url.rstrip('/')}/api/v1/projects/?page_size=200"
    while url:
        page = call(url, token)
        yield from page["results"]
        url = page["next"]


def main() -> int:
    token = os.environ.get("PGU_TOKEN")
    if not token:
        print("Set PGU_TOKEN to the integration's token.", file=sys.stderr)
        return 2
    base_url = os.environ.get("PGU_URL", "http://127.0.0.1:8000")
    try:
        for project in projects(base_url, token):
            print(f"{project['code']}\t{project['name']}\t{project['status']}")
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
