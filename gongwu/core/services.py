"""The one way in for every write: validate, check permission, save, log the change, re-check visibility.

Domain services wrap these (`create_object`, `update_object`, `delete_object`) and add their own rules;
forms, the API, imports, the admin and tasks all end here, so every path is checked and logged alike.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core import audit, context
from gongwu.core.audit import GENESIS_HASH, Checkpoint
from gongwu.core.models import Action, ChangeAction, ChangeLogEntry, VoidableModel, user_may

if TYPE_CHECKING:
    from gongwu.core.models import User
    from gongwu.core.models.scoping import ScopedRow

M = TypeVar("M", bound="ScopedRow")

CHAIN_LOCK_KEY = 7_312_001  # advisory lock serialising appends to the hash chain on PostgreSQL


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The stored values of an object, as JSON-safe data (many-to-many as sorted id lists); the fields its
    model marks secret (`secret_fields`) only as redaction marks, which change when the value does."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        data[field.attname] = value
    if instance.pk:
        for field in instance._meta.many_to_many:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return audit.redact(type(instance), instance.pk, json.loads(json.dumps(data, cls=DjangoJSONEncoder)))


def owning_agency_id(instance: models.Model) -> int | None:
    """The agency a change log entry about `instance` belongs to (who may read it)."""
    own = getattr(instance, "change_log_agency_id", None)
    if own is not None:
        return own()
    path = getattr(type(instance), "agency_path", None)
    if not path:
        return None
    node: Any = instance
    for part in path.split("__"):
        node = getattr(node, part, None)
        if node is None:
            return None
    return node.pk


def _lock_chain() -> str:
    """Serialise appends to the hash chain (PostgreSQL; SQLite serialises writers anyway); the last hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    return ChangeLogEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


def _entry(
    *,
    instance: models.Model,
    action: str,
    actor: User | None,
    before: dict | None,
    after: dict | None,
    object_id: str | None,
) -> ChangeLogEntry:
    actor_obj = actor if getattr(actor, "pk", None) else None
    object_id = object_id or str(instance.pk)
    agency_id = owning_agency_id(instance)
    if agency_id is None and actor_obj is not None and actor_obj.organization_id:
        agency = actor_obj.agency
        agency_id = agency.pk if agency else None
    return ChangeLogEntry(
        time=timezone.now(),
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else _("system"),
        agency_id=agency_id,
        source=context.source.get(),
        request_id=context.request_id.get(),
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=object_id,
        object_repr=str(instance)[:200],
        action=action,
        # Whatever the caller built the data from, a secret field is never written (snapshot has done it).
        before=audit.redact(type(instance), object_id, before),
        after=audit.redact(type(instance), object_id, after),
    )


def log_change(
    *,
    instance: models.Model,
    action: str,
    actor: User | None,
    before: dict | None,
    after: dict | None,
    object_id: str | None = None,
) -> ChangeLogEntry:
    """Append one entry to the hash chain. Call inside the transaction that made the change."""
    prev = _lock_chain()
    entry = _entry(instance=instance, action=action, actor=actor, before=before, after=after, object_id=object_id)
    entry.prev_hash = prev
    entry.hash = entry.compute_hash()
    entry.save()
    return entry


def log_changes(changes: list[tuple[models.Model, str, dict | None, dict | None]], actor: User | None) -> None:
    """Append many entries at once, chained in order: (instance, action, before, after) each.
    For bulk writes (the alert scan); call inside the transaction that made the changes."""
    prev = _lock_chain()
    entries = []
    for instance, action, before, after in changes:
        entry = _entry(instance=instance, action=action, actor=actor, before=before, after=after, object_id=None)
        entry.prev_hash = prev
        entry.hash = prev = entry.compute_hash()
        entries.append(entry)
    ChangeLogEntry.objects.bulk_create(entries)


def _require(actor: User, model: type[models.Model], action: str) -> None:
    if not user_may(actor, model, action):
        raise PermissionDenied(
            _("You may not %(action)s %(things)s.")
            % {"action": Action(action).label, "things": model._meta.verbose_name_plural}
        )


def _recheck_visible(actor: User, instance: ScopedRow) -> None:
    model = type(instance)
    if not model.objects.for_user(actor, Action.VIEW).filter(pk=instance.pk).exists():
        raise PermissionDenied(_("The change would put this record outside what you may see; nothing was saved."))


def default_agency(instance: models.Model, actor: User) -> None:
    """Objects hanging directly on an agency get the actor's agency when none was chosen."""
    if getattr(type(instance), "agency_path", None) == "agency" and getattr(instance, "agency_id", 1) is None:
        agency = getattr(actor, "agency", None)
        if agency is not None:
            instance.agency = agency  # type: ignore[attr-defined]  # its agency_path says it has one


# Files stored inside a `files_removed_on_failure` block (photos, attachments), removed if the block fails.
_stored_files: contextvars.ContextVar[list[tuple[Storage, str]] | None] = contextvars.ContextVar(
    "stored_files", default=None
)


def remember_stored_file(storage: Storage, name: str) -> None:
    """Note a file just stored by a write, so that it is removed again if the write's transaction fails."""
    pending = _stored_files.get()
    if pending is not None:
        pending.append((storage, name))


@contextlib.contextmanager
def files_removed_on_failure() -> Iterator[None]:
    """A transaction that removes the files stored in it (`remember_stored_file`) when it rolls back: the
    database forgets the rows, and storage must forget their files. An inner block that succeeds hands its
    files to the outer one, which may still fail."""
    outer = _stored_files.get()
    pending: list[tuple[Storage, str]] = []
    token = _stored_files.set(pending)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in pending:
            storage.delete(name)
        raise
    else:
        if outer is not None:
            outer.extend(pending)
    finally:
        _stored_files.reset(token)


def save_relations(instance: models.Model, data: Mapping[str, Any] | None) -> None:
    """Set the many-to-many values given in `data` (a form's cleaned data) on a saved object, as a model
    form's `save_m2m` would, but inside the service's transaction and before its change-log snapshot."""
    if not data:
        return
    for field in (*instance._meta.many_to_many, *instance._meta.private_fields):
        if hasattr(field, "save_form_data") and field.name in data:
            field.save_form_data(instance, data[field.name])


def create_object(
    *,
    instance: M,
    actor: User,
    data: Mapping[str, Any] | None = None,
    after_save: Callable[[M], None] | None = None,
) -> M:
    """Validate and save a new object for `actor`, and log it. `data` is what a form validated (its many-to-many
    values are set here); `after_save` lets a domain service write, and log, what goes with the object."""
    model = type(instance)
    _require(actor, model, Action.ADD)
    default_agency(instance, actor)
    with files_removed_on_failure():
        instance.full_clean()
        instance.save()
        save_relations(instance, data)
        if after_save is not None:
            after_save(instance)
        _recheck_visible(actor, instance)
        log_change(instance=instance, action=ChangeAction.CREATE, actor=actor, before=None, after=snapshot(instance))
    return instance


def update_object(
    *,
    instance: M,
    actor: User,
    data: Mapping[str, Any] | None = None,
    after_save: Callable[[M], None] | None = None,
) -> M:
    """Save changes to an existing object: `actor` must be able to change it before and see it after."""
    model = type(instance)
    with files_removed_on_failure():
        original = model.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=instance.pk).first()
        if original is None:
            raise PermissionDenied(_("You may not change this record."))
        if getattr(original, "voided_at", None) is not None:
            raise PermissionDenied(_("A voided record no longer changes."))
        before = snapshot(original)
        instance.full_clean()
        instance.save()
        save_relations(instance, data)
        if after_save is not None:
            after_save(instance)
        _recheck_visible(actor, instance)
        after = snapshot(instance)
        if after != before:
            log_change(instance=instance, action=ChangeAction.UPDATE, actor=actor, before=before, after=after)
    return instance


def log_created(instance: models.Model, actor: User | None) -> None:
    """Log a row a domain service created alongside its main object (a milestone from a key date, a photo)."""
    log_change(instance=instance, action=ChangeAction.CREATE, actor=actor, before=None, after=snapshot(instance))


class VoidInstead(PermissionDenied):
    """A record of supervision is never deleted; it is voided with a reason."""


def void_instead_message(instance: models.Model) -> str:
    return _("A %(thing)s is a record of supervision and is never deleted; void it with a reason instead.") % {
        "thing": instance._meta.verbose_name
    }


def refuse_delete(instance: models.Model) -> None:
    """Raise `VoidInstead` when `instance` may only be voided (every delete path calls this first)."""
    if isinstance(instance, VoidableModel) and instance.must_void():
        raise VoidInstead(void_instead_message(instance))


def delete_object(*, instance: ScopedRow, actor: User) -> None:
    model = type(instance)
    refuse_delete(instance)
    with transaction.atomic():
        original = model.objects.for_user(actor, Action.DELETE).select_for_update().filter(pk=instance.pk).first()
        if original is None:
            raise PermissionDenied(_("You may not delete this record."))
        refuse_delete(original)
        validate_delete = getattr(original, "validate_delete", None)
        if validate_delete is not None:
            validate_delete()  # a model's own refusal (the last administrator), as a ValidationError
        before = snapshot(original)
        object_id = str(original.pk)
        log_change(
            instance=original,
            action=ChangeAction.DELETE,
            actor=actor,
            before=before,
            after=None,
            object_id=object_id,
        )
        original.delete()


def may_void(actor: User, instance: ScopedRow) -> bool:
    """Who may void: whoever may delete such records and change this one (a voiding replaces a delete)."""
    model = type(instance)
    return (
        isinstance(instance, VoidableModel)
        and instance.may_void()
        and user_may(actor, model, Action.DELETE)
        and model.objects.for_user(actor, Action.CHANGE).filter(pk=instance.pk).exists()
    )


def void_object(*, instance: M, actor: User, reason: str, apply: Callable[[M], None] | None = None) -> M:
    """Void a record with a reason: locked, checked, logged; it stays in its list and drops out of figures.

    `apply` makes the record's own changes that go with voiding (a case's status), on the locked row,
    before it is saved and logged; a domain service voids what hangs on it in the same transaction.
    """
    model = type(instance)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason it is voided.")})
    if not user_may(actor, model, Action.DELETE):
        raise PermissionDenied(_("You may not void %(things)s.") % {"things": model._meta.verbose_name_plural})
    with transaction.atomic():
        locked = model.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=instance.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this record."))
        if locked.is_voided:
            raise ValidationError(_("This record is already voided."))
        if not locked.may_void():
            raise ValidationError(_("This record cannot be voided now."))
        before = snapshot(locked)
        locked.voided_at = timezone.now()
        locked.voided_by = actor if getattr(actor, "pk", None) else None
        locked.void_reason = reason
        if apply is not None:
            apply(locked)
        locked.save()
        log_change(instance=locked, action=ChangeAction.UPDATE, actor=actor, before=before, after=snapshot(locked))
    return locked


@dataclass(frozen=True)
class ChainReport:
    """The verdict on the chain: `reason` is "" (intact), "link", "content" (at entry `broken_id`), or a
    disagreement with `checkpoint`: "signature" (not signed with the key), "missing" (its last entry is
    gone), "count" (entries up to its last one were removed or added), "head" (its last entry's hash differs)."""

    checked: int
    broken_id: int | None
    reason: str
    checkpoints: int = 0
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_change_log(batch_size: int = 2000, checkpoints: list[Checkpoint] | None = None) -> ChainReport:
    """Walk the chain in order with the audit key; report the first entry whose hash or link does not match,
    or the first checkpoint (written outside the database) the chain disagrees with."""
    pending = sorted(checkpoints or [], key=lambda c: c.last_id)
    for checkpoint in pending:
        if not checkpoint.signature_ok:
            return ChainReport(0, None, "signature", 0, checkpoint)
    pending = [c for c in pending if c.last_id > 0]
    compared = len(checkpoints or []) - len(pending)
    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(ChangeLogEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        for entry in batch:
            if pending and pending[0].last_id < entry.pk:
                return ChainReport(checked, pending[0].last_id, "missing", compared, pending[0])
            if entry.prev_hash != prev:
                return ChainReport(checked, entry.pk, "link", compared)
            if entry.compute_hash() != entry.hash:
                return ChainReport(checked, entry.pk, "content", compared)
            prev = entry.hash
            checked += 1
            last_id = entry.pk
            while pending and pending[0].last_id == entry.pk:
                checkpoint = pending.pop(0)
                if checkpoint.count != checked:
                    return ChainReport(checked, entry.pk, "count", compared, checkpoint)
                if checkpoint.head != entry.hash:
                    return ChainReport(checked, entry.pk, "head", compared, checkpoint)
                compared += 1
        if not batch:
            if pending:
                return ChainReport(checked, pending[0].last_id, "missing", compared, pending[0])
            return ChainReport(checked, None, "", compared)


def write_checkpoint() -> tuple[Checkpoint, list[str]]:
    """Sign the chain's head and count now and write them outside the database (file, syslog); see README."""
    checkpoint = audit.checkpoint_of(ChangeLogEntry)
    return checkpoint, audit.publish(checkpoint)
