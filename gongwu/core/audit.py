"""The change log's integrity: secrets kept out of it, a keyed hash chain, signed checkpoints outside the database.

- A model names its secret or personal fields in `secret_fields` (a set of field names). A snapshot keeps
  only a redaction mark for them: `[redacted:<fingerprint>]`, where the fingerprint is a keyed hash of the
  object, the field and the value. The log thus shows *that* a password or a bank number changed (the mark
  changes), never the value, and the mark reveals nothing without the key.
- Each entry's hash is HMAC-SHA256 over its content and the previous entry's hash, keyed with
  GONGWU_AUDIT_KEY, which is never stored in the database: whoever can write to the database cannot
  recompute the chain after an edit.
- A checkpoint (the last entry's id and hash, the number of entries, the time, signed with the key) is
  written regularly to an append-only file and/or syslog; verification compares the chain with them, so a
  deleted tail shows too.

This module holds the formats and the keyed functions; it reads no model, so the migration that re-sealed
the chain (core 0004) can use it with historical models.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import logging
import logging.handlers
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from gongwu.core.models import ChangeLogEntry

GENESIS_HASH = "0" * 64
REDACTED_PREFIX = "[redacted:"
CHECKPOINT_MARK = "gongwu-audit-checkpoint"
UPDATE_BATCH = 500
SECRET_SHOWN_AS = gettext_lazy("(secret, not recorded)")


# ---- keys -------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _derived_key(key: str, purpose: str) -> bytes:
    """One key per use (chain, checkpoints, redaction marks), all from GONGWU_AUDIT_KEY."""
    return hmac.new(key.encode("utf-8"), f"gongwu-audit-{purpose}".encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=4)
def _chain_mac(key: str) -> Any:
    return hmac.new(_derived_key(key, "chain"), digestmod=hashlib.sha256)


def _key(purpose: str) -> bytes:
    return _derived_key(settings.GONGWU_AUDIT_KEY, purpose)


# ---- the chain ----------------------------------------------------------------------------------------
def chain_payload(entry: Any) -> dict[str, Any]:
    """What an entry's hash covers: every column but the hash itself (works on historical models too)."""
    return {
        "time": entry.time.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "agency": entry.agency_id,
        "source": entry.source,
        "request_id": entry.request_id,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False).encode("utf-8")


def chain_hash(payload: dict[str, Any], key: str | None = None) -> str:
    """HMAC-SHA256 of an entry's payload with the audit key (costs about what plain SHA-256 does)."""
    mac = _chain_mac(key if key is not None else settings.GONGWU_AUDIT_KEY).copy()
    mac.update(_canonical(payload))
    return mac.hexdigest()


def legacy_hash(payload: dict[str, Any]) -> str:
    """The plain SHA-256 the chain used before it was keyed (core migration 0004 re-sealed those entries)."""
    return hashlib.sha256(_canonical(payload)).hexdigest()


# ---- secrets --------------------------------------------------------------------------------------------
@functools.cache
def secret_keys(model: type[models.Model]) -> frozenset[str]:
    """The snapshot keys of the fields a model marks secret (a foreign key by name and column: x, x_id)."""
    keys: set[str] = set()
    for name in getattr(model, "secret_fields", ()):
        field = model._meta.get_field(name)
        keys.update({field.name, getattr(field, "attname", field.name)})
    return frozenset(keys)


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REDACTED_PREFIX) and value.endswith("]")


def redaction_mark(label: str, object_id: Any, key: str, value: Any) -> Any:
    """The mark stored instead of a secret value; empty values stay empty ("no bank account" is no secret)."""
    if value is None or value == "" or value == [] or is_redacted(value):
        return value
    fingerprint = hmac.new(_key("redaction"), _canonical([label, str(object_id), key, value]), hashlib.sha256)
    return f"{REDACTED_PREFIX}{fingerprint.hexdigest()[:16]}]"


@overload
def redact(model: type[models.Model], object_id: Any, data: dict[str, Any]) -> dict[str, Any]: ...
@overload
def redact(model: type[models.Model], object_id: Any, data: dict[str, Any] | None) -> dict[str, Any] | None: ...
def redact(model: type[models.Model], object_id: Any, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """`data` (a snapshot of one object) with the model's secret fields replaced by redaction marks."""
    keys = secret_keys(model)
    if not data or not keys:
        return data
    label = (model._meta.concrete_model or model)._meta.label_lower
    return {k: redaction_mark(label, object_id, k, v) if k in keys else v for k, v in data.items()}


def shown(value: Any) -> Any:
    """A logged value as a page shows it: a redaction mark as words."""
    return SECRET_SHOWN_AS if is_redacted(value) else value


def fingerprint(purpose: str, value: str) -> str:
    """A keyed fingerprint of a secret value (a bank account), 64 hex characters: equal values give equal
    fingerprints for one `purpose`, so records can be matched on it, and the value cannot be recovered or
    guessed from it without GONGWU_AUDIT_KEY."""
    return hmac.new(_key(f"fingerprint-{purpose}"), value.encode("utf-8"), hashlib.sha256).hexdigest()


# ---- checkpoints ------------------------------------------------------------------------------------------
class CheckpointError(Exception):
    """A checkpoint file holds a line that is not a checkpoint."""


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    time: str
    last_id: int
    count: int
    head: str
    sig: str = ""

    def body(self) -> dict[str, Any]:
        return {"time": self.time, "last_id": self.last_id, "count": self.count, "head": self.head}

    def signed(self) -> Checkpoint:
        return dataclasses.replace(
            self, sig=hmac.new(_key("checkpoint"), _canonical(self.body()), "sha256").hexdigest()
        )

    @property
    def signature_ok(self) -> bool:
        return bool(self.sig) and hmac.compare_digest(self.sig, self.signed().sig)

    def line(self) -> str:
        return f"{CHECKPOINT_MARK} {json.dumps({**self.body(), 'sig': self.sig}, sort_keys=True)}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """A checkpoint from its line, also as syslog stores it (a time and host before the mark)."""
        _before, _mark, rest = text.partition(CHECKPOINT_MARK)
        try:
            data, _end = json.JSONDecoder().raw_decode(rest.strip())  # syslog may add a NUL after it
            return cls(str(data["time"]), int(data["last_id"]), int(data["count"]), str(data["head"]), str(data["sig"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(text) from exc


def checkpoint_of(entry_model: type[ChangeLogEntry]) -> Checkpoint:
    """A signed checkpoint of the chain as committed now: its last entry, hash and number of entries."""
    head = entry_model.objects.order_by("-id").values_list("id", "hash").first()
    last_id, head_hash = head or (0, GENESIS_HASH)
    count = entry_model.objects.filter(id__lte=last_id).count()
    return Checkpoint(timezone.localtime().isoformat(timespec="seconds"), last_id, count, head_hash).signed()


class _RaisingSysLogHandler(logging.handlers.SysLogHandler):
    def handleError(self, record: logging.LogRecord) -> None:  # logging names it so
        raise  # a checkpoint that was not sent must not pass silently


def syslog_address(text: str) -> str | tuple[str, int]:
    """`/dev/log` (a local socket) or `host:port` (UDP)."""
    if text.startswith("/"):
        return text
    host, _colon, port = text.rpartition(":")
    return (host or "localhost", int(port or 514))


def publish(checkpoint: Checkpoint) -> list[str]:
    """Write a checkpoint to every configured place outside the database; the places written."""
    line = checkpoint.line()
    places = []
    if settings.GONGWU_AUDIT_CHECKPOINT_FILE:
        path = Path(settings.GONGWU_AUDIT_CHECKPOINT_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        places.append(str(path))
    if settings.GONGWU_AUDIT_CHECKPOINT_SYSLOG:
        handler = _RaisingSysLogHandler(
            address=syslog_address(settings.GONGWU_AUDIT_CHECKPOINT_SYSLOG),
            facility=logging.handlers.SysLogHandler.LOG_AUTH,
        )
        try:
            handler.emit(logging.LogRecord("gongwu.audit", logging.INFO, __file__, 0, line, None, None))
        finally:
            handler.close()
        places.append(f"syslog {settings.GONGWU_AUDIT_CHECKPOINT_SYSLOG}")
    return places


def read_checkpoints(paths: Iterable[str | Path]) -> list[Checkpoint]:
    """The checkpoints in these files (lines without the mark are skipped: a syslog copy holds others)."""
    found: list[Checkpoint] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            found.extend(Checkpoint.parse(line) for line in handle if CHECKPOINT_MARK in line)
    return sorted(found, key=lambda c: (c.last_id, c.time))


# ---- the one-time re-seal (core migration 0004) -------------------------------------------------------------
# The secrets recorded before fields could be marked secret. A field marked later is redacted the same way.
LEGACY_SECRETS: dict[tuple[str, str], frozenset[str]] = {
    ("core", "user"): frozenset({"password"}),
    ("core", "apitoken"): frozenset({"key_hash"}),
}


def _update_hashes(entry_model: Any, entries: list[Any]) -> None:
    """Store the entries' new links and hashes, many rows a statement (bulk_update's CASE is quadratic)."""
    connection = connections[entry_model.objects.db]
    table = connection.ops.quote_name(entry_model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(entries), UPDATE_BATCH):
            chunk = entries[start : start + UPDATE_BATCH]
            rows = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET prev_hash = v.column2, hash = v.column3 "  # noqa: S608 — our table, values bound
                f"FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1",
                [value for entry in chunk for value in (entry.pk, entry.prev_hash, entry.hash)],
            )


def reseal_chain(
    apps: Any, *, secrets: dict[tuple[str, str], frozenset[str]], old_hash: Any, batch_size: int = 2000
) -> Any:
    """Redact `secrets` in every entry and re-seal the whole chain with the keyed hash, then append an entry
    that records it: the old chain's verdict (checked with `old_hash`) and head, and which entries lost
    which field's value. Returns that entry, or None for an empty log."""
    entry_model = apps.get_model("core", "ChangeLogEntry")
    content_types = apps.get_model("contenttypes", "ContentType")
    if not entry_model.objects.exists():
        return None
    secret_types = {
        ct.pk: (f"{ct.app_label}.{ct.model}", keys)
        for (app_label, model), keys in secrets.items()
        for ct in content_types.objects.filter(app_label=app_label, model=model)
    }
    prev_old = prev_new = GENESIS_HASH
    broken_at, count, last_id = None, 0, 0
    redacted: dict[str, list[int]] = defaultdict(list)
    while batch := list(entry_model.objects.filter(id__gt=last_id).order_by("id")[:batch_size]):
        changed: list[Any] = []
        for entry in batch:
            if broken_at is None and (entry.prev_hash != prev_old or old_hash(chain_payload(entry)) != entry.hash):
                broken_at = entry.pk
            prev_old = entry.hash
            if entry.content_type_id in secret_types:
                label, keys = secret_types[entry.content_type_id]
                for side in ("before", "after"):
                    data = getattr(entry, side) or {}
                    for key in sorted(keys & data.keys()):
                        mark = redaction_mark(label, entry.object_id, key, data[key])
                        if mark != data[key]:
                            data[key] = mark
                            ids = redacted[f"{label}.{key}"]
                            if not ids or ids[-1] != entry.pk:
                                ids.append(entry.pk)
                            if not changed or changed[-1] is not entry:
                                changed.append(entry)
            entry.prev_hash = prev_new
            entry.hash = prev_new = chain_hash(chain_payload(entry))
            count, last_id = count + 1, entry.pk
        _update_hashes(entry_model, batch)
        entry_model.objects.bulk_update(changed, ["before", "after"], batch_size=UPDATE_BATCH)
    own_type, _created = content_types.objects.get_or_create(app_label="core", model="changelogentry")
    record = entry_model(
        time=timezone.now(),
        actor_name=_("system"),
        source="migration",
        content_type=own_type,
        object_id=str(last_id),
        object_repr=_("change log")[:200],
        action="rechain",
        before={
            "hash": "sha256",
            "entries": count,
            "head": prev_old,
            "intact": broken_at is None,
            "broken_at": broken_at,
        },
        after={"hash": "hmac-sha256", "entries": count, "head": prev_new, "redacted": dict(redacted)},
        prev_hash=prev_new,
    )
    record.hash = chain_hash(chain_payload(record))
    record.save()
    return record
