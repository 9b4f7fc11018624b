"""Bench-only settings: the product's, plus DRF's TokenAuthentication as the baseline.

The product's own settings and URLs never include `rest_framework.authtoken`.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
ROOT_URLCONF = "bench.urls"
