"""Who an API token belongs to, remembered for a few seconds in each process.

Looking the token up (token → user → organization) on every request cost about as much as a bare view's
whole answer. A process remembers a valid token's user for `GONGWU_API_TOKEN_CACHE_SECONDS` (30 by default;
0 turns it off), keyed by the token's SHA-256 hash — the raw token is neither kept nor logged. The cache is a
dict in the process, not Django's cache framework: the default backend (local memory) is per process too and
would pickle a user on every hit, and a shared backend (Redis, memcached) would put a network round trip back on
every request.

What still holds with a remembered token:
- an expired token is refused at once (the expiry is remembered and checked on every request);
- revoking a token, changing, deactivating or deleting its user, or changing the user's organization forgets
  the affected entries in this process at once (and again when the transaction commits);
- in the other processes (other gunicorn workers, other hosts) the entry lives on until it is
  `GONGWU_API_TOKEN_CACHE_SECONDS` old: that is the bound on how long a revoked token or a deactivated user
  may still be answered there.
Each request gets its own copy of the remembered user, so nothing one request caches on it reaches another.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongwu.core.models import APIToken
from gongwu.core.models.tokens import hash_token

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)
MAX_ENTRIES = 10_000
clock = time.monotonic  # how old an entry is (a name of its own, so a test can move it on)


@dataclasses.dataclass
class Entry:
    token_id: int
    user: Any  # as read from the database; never handed out, only copies of it
    expires: datetime.datetime | None
    last_used: datetime.datetime | None
    read_at: float  # clock()


_entries: dict[str, Entry] = {}
_lock = threading.Lock()


def read(key_hash: str) -> Entry | None:
    """The token's entry from the database: None unless the token exists and its user is active."""
    token = APIToken.objects.select_related("user", "user__organization").filter(key_hash=key_hash).first()
    if token is None or not token.user.is_active:
        return None
    return Entry(token.pk, token.user, token.expires, token.last_used, clock())


def user_copy(user: Any) -> Any:
    fresh = copy.copy(user)  # Model.__getstate__ copies its state and related-object cache
    organization = fresh._state.fields_cache.get("organization")
    if organization is not None:
        fresh._state.fields_cache["organization"] = copy.copy(organization)
    return fresh


def token_user(raw: str) -> Any | None:
    """The active user of an unexpired token, or None. Records when the token was last used (to 5 minutes)."""
    key = hash_token(raw)
    seconds = settings.GONGWU_API_TOKEN_CACHE_SECONDS
    entry = _entries.get(key)
    if entry is None or clock() - entry.read_at >= seconds:
        entry = read(key)
        with _lock:
            if entry is None or seconds <= 0:
                _entries.pop(key, None)
            else:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = entry
        if entry is None:
            return None
    now = timezone.now()
    if entry.expires is not None and entry.expires <= now:
        forget_hash(key)
        return None
    if entry.last_used is None or now - entry.last_used > LAST_USED_RESOLUTION:
        APIToken.objects.filter(pk=entry.token_id).update(last_used=now)
        entry.last_used = now
    return user_copy(entry.user)


def forget_hash(key_hash: str) -> None:
    with _lock:
        _entries.pop(key_hash, None)


def forget_user(user_id: int) -> None:
    with _lock:
        for key in [k for k, e in _entries.items() if e.user.pk == user_id]:
            del _entries[key]


def forget_organization(organization_id: int) -> None:
    with _lock:
        for key in [k for k, e in _entries.items() if e.user.organization_id == organization_id]:
            del _entries[key]


def now_and_on_commit(forget: Any, *args: Any) -> None:
    """Forget now, and again after the commit (a request may have read the old row in between)."""
    forget(*args)
    transaction.on_commit(lambda: forget(*args))


# Receivers (connected in CoreConfig.ready): a cache has to follow every write path — services, admin, shell —
# so it listens to the models' signals; it decides nothing, it only forgets.


def token_changed(sender: Any, instance: APIToken, **kwargs: Any) -> None:
    now_and_on_commit(forget_hash, instance.key_hash)


def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        now_and_on_commit(forget_user, instance.pk)


def organization_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Only the user's own organization row is remembered (what scoping derives from it is read afresh)."""
    if instance.pk is not None:
        now_and_on_commit(forget_organization, instance.pk)
