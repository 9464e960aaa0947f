"""Settings for bench/pages.py: the real settings plus the benchmark-only views.

Everything else (middleware, templates, database from DATABASE_URL, security) is
config.settings unchanged, so the real pages are served exactly as in production.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.reference"]
ROOT_URLCONF = "bench.reference.urls"
