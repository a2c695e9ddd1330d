"""Settings for the test suite: the production settings module, in testing mode, with fast hashing."""

import os

os.environ["GONGWU_TESTING"] = "1"
os.environ.setdefault("GONGWU_VAR_DIR", "/tmp/gongwu-test-var")

from gongwu.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
