"""Settings for the test suite: the production settings module, in testing mode, with fast hashing."""

import os
import tempfile
from pathlib import Path

os.environ["GONGWU_TESTING"] = "1"
os.environ.setdefault("GONGWU_VAR_DIR", str(Path(tempfile.gettempdir()) / "gongwu-test-var"))

from gongwu.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 — WhiteNoise warns on a missing directory
# Tests that write change-log checkpoints choose their own file; no test reads another run's.
GONGWU_AUDIT_CHECKPOINT_FILE = None
GONGWU_AUDIT_CHECKPOINT_SYSLOG = None
