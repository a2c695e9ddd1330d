"""Settings for bench/list_api.py: Gongwu's own settings, plus the bare comparison view's URL.

Static files use the plain storage so pages render without `collectstatic` (no manifest needed);
everything else, middleware included, is exactly what production runs.
"""

from gongwu.settings import *  # noqa: F403
from gongwu.settings import STORAGES

ROOT_URLCONF = "bench_urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
