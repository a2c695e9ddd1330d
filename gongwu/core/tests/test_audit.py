"""The change log keeps secrets out and cannot be rewritten unnoticed: a keyed chain and signed checkpoints."""

import datetime
import json
import os
import socket
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation
from openpyxl import load_workbook

from gongwu.core import audit, services, testing
from gongwu.core.models import APIToken, ChangeAction, ChangeLogEntry, Organization, OrganizationKind, Role, User

HASH_PREFIX = "md5$"  # the test settings' password hasher


@pytest.fixture
def checkpoint_file(settings, tmp_path) -> Path:
    path = tmp_path / "audit-checkpoints.log"
    settings.GONGWU_AUDIT_CHECKPOINT_FILE = str(path)
    return path


@pytest.fixture
def agency(db) -> Organization:
    return testing.AgencyFactory()


@pytest.fixture
def admin(agency) -> User:
    return testing.UserFactory(organization=agency, role=Role.ADMIN)


@pytest.fixture
def chain(agency) -> list[ChangeLogEntry]:
    actor = testing.UserFactory(organization=agency, role=Role.STAFF)
    for number in range(5):
        services.create_object(
            instance=Organization(name=f"审计处{number}", kind=OrganizationKind.DEPARTMENT, parent=agency), actor=actor
        )
    return list(ChangeLogEntry.objects.order_by("id"))


def verify(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def broken(*args: str) -> str:
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("audit", "verify", *args, stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


def checkpoint() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("audit", "checkpoint", stdout=out)
    return out.getvalue()


def add_entries(agency: Organization, count: int) -> None:
    actor = User.objects.filter(organization=agency).first()
    for number in range(count):
        services.create_object(
            instance=Organization(name=f"后加处{number}", kind=OrganizationKind.DEPARTMENT, parent=agency), actor=actor
        )


def reseal_by_hand(hash_function) -> None:
    """What someone with database access but without the key can do: re-chain every row with a hash of their own."""
    prev = audit.GENESIS_HASH
    for entry in ChangeLogEntry.objects.order_by("id"):
        entry.prev_hash = prev
        entry.hash = prev = hash_function(entry.chain_payload())
        ChangeLogEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)


def stored_text() -> str:
    """Every logged value, as the database holds them."""
    return json.dumps([[e.before, e.after] for e in ChangeLogEntry.objects.all()], ensure_ascii=False)


# ---- secrets --------------------------------------------------------------------------------------------


def test_a_password_change_is_logged_as_changed_without_the_hash(admin) -> None:
    user = testing.UserFactory(organization=admin.organization)
    user.set_password("新的口令-2026")
    services.update_object(instance=user, actor=admin)

    entry = ChangeLogEntry.objects.get(action=ChangeAction.UPDATE, object_id=str(user.pk))
    assert HASH_PREFIX not in stored_text()
    assert audit.is_redacted(entry.before["password"]) and audit.is_redacted(entry.after["password"])
    assert entry.before["password"] != entry.after["password"]
    assert [name for name, _old, _new in entry.changed_fields()] == ["password"]
    assert services.verify_change_log().ok


def test_the_redaction_mark_stays_while_the_secret_does(admin) -> None:
    user = testing.UserFactory(organization=admin.organization)
    user.display_name = "换了名字"
    services.update_object(instance=user, actor=admin)

    entry = ChangeLogEntry.objects.get(action=ChangeAction.UPDATE, object_id=str(user.pk))
    assert [name for name, _old, _new in entry.changed_fields()] == ["display_name"]


def test_the_change_log_page_api_and_list_show_no_password_hash(admin) -> None:
    user = testing.UserFactory(organization=admin.organization)
    response = testing.api_client(admin).patch(
        f"/api/users/{user.pk}/", {"display_name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    user.set_password("另一个口令-2026")
    services.update_object(instance=user, actor=admin)
    entries = list(ChangeLogEntry.objects.filter(object_id=str(user.pk)).order_by("id"))
    assert [e.action for e in entries] == ["update", "update"]

    leader = testing.UserFactory(organization=admin.organization, role=Role.LEADER)
    api = testing.api_client(leader)
    for entry in entries:
        detail = api.get(f"/api/changelog/{entry.pk}/")
        assert detail.status_code == 200
        assert HASH_PREFIX not in detail.content.decode()
        assert audit.is_redacted(detail.json()["after"]["password"])
    listing = api.get("/api/changelog/?limit=1000&count=true")
    assert listing.status_code == 200 and listing.json()["count"] >= 2
    assert HASH_PREFIX not in listing.content.decode()

    page = testing.english_client(leader).get(f"/changelog/{entries[1].pk}/").content.decode()
    assert HASH_PREFIX not in page
    assert "(secret, not recorded)" in page
    assert "<td>password</td>" in page


def test_a_new_user_is_logged_without_the_hash(admin) -> None:
    response = testing.api_client(admin).post(
        "/api/users/",
        {"username": "zhaoliu", "display_name": "赵六", "organization_id": admin.organization_id, "role": Role.STAFF},
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    new_user = User.objects.get(username="zhaoliu")
    entry = ChangeLogEntry.objects.get(action=ChangeAction.CREATE, content_type__model="user", object_id=new_user.pk)
    assert audit.is_redacted(entry.after["password"])
    assert new_user.password not in stored_text()


def test_a_token_hash_is_a_secret_field(admin) -> None:
    token, _raw = APIToken.issue(user=admin, name="报表")
    data = services.snapshot(token)
    assert audit.is_redacted(data["key_hash"])
    assert data["name"] == "报表"


def test_log_change_redacts_secrets_whatever_the_caller_passed(admin) -> None:
    entry = services.log_change(
        instance=admin, action=ChangeAction.UPDATE, actor=admin, before={"password": "md5$x$y"}, after={"password": ""}
    )
    entry.refresh_from_db()
    assert audit.is_redacted(entry.before["password"])
    assert entry.after["password"] == ""  # an empty secret is no secret: "the password was removed"


def test_a_model_marks_its_secret_fields_by_name_and_a_foreign_key_by_its_column_too() -> None:
    assert audit.secret_keys(User) == {"password"}
    assert audit.secret_keys(APIToken) == {"key_hash"}
    assert audit.secret_keys(Organization) == frozenset()

    class Probe:
        secret_fields = frozenset({"organization"})
        _meta = User._meta

    assert audit.secret_keys(Probe) == {"organization", "organization_id"}


def make_legacy_log(agency: Organization, admin: User) -> tuple[User, list[ChangeLogEntry]]:
    """The change log as it was before core 0004: password hashes in it, chained with plain SHA-256."""
    user = testing.UserFactory(organization=agency)
    user.display_name = "旧记录"
    services.update_object(instance=user, actor=admin)
    services.create_object(
        instance=Organization(name="旧处室", kind=OrganizationKind.DEPARTMENT, parent=agency), actor=admin
    )
    entries = list(ChangeLogEntry.objects.order_by("id"))
    for entry in entries:
        if entry.object_id == str(user.pk) and entry.content_type.model == "user":
            entry.before["password"] = entry.after["password"] = user.password
            ChangeLogEntry.objects.filter(pk=entry.pk).update(before=entry.before, after=entry.after)
    reseal_by_hand(audit.legacy_hash)
    return user, list(ChangeLogEntry.objects.order_by("id"))


def test_the_reseal_migration_redacts_old_entries_and_keeps_the_chain_verifiable(agency, admin) -> None:
    user, legacy = make_legacy_log(agency, admin)
    assert user.password in stored_text()
    assert services.verify_change_log().reason == "content"  # plain SHA-256 is not the keyed chain

    record = audit.reseal_chain(django_apps, secrets=audit.LEGACY_SECRETS, old_hash=audit.legacy_hash)

    assert user.password not in stored_text()
    report = services.verify_change_log()
    assert (report.ok, report.checked) == (True, len(legacy) + 1)
    user_entry = ChangeLogEntry.objects.get(object_id=str(user.pk), action=ChangeAction.UPDATE)
    assert user_entry.after["password"] == services.snapshot(user)["password"]  # no "changed" on the next edit
    assert record.action == ChangeAction.RECHAIN
    assert record.before == {
        "hash": "sha256",
        "entries": len(legacy),
        "head": legacy[-1].hash,
        "intact": True,
        "broken_at": None,
    }
    assert record.after["hash"] == "hmac-sha256"
    assert record.after["redacted"] == {"core.user.password": [user_entry.pk]}
    assert record.prev_hash == record.after["head"] == ChangeLogEntry.objects.get(pk=legacy[-1].pk).hash


def test_the_reseal_records_an_old_chain_that_was_already_broken(agency, admin) -> None:
    _user, legacy = make_legacy_log(agency, admin)
    ChangeLogEntry.objects.filter(pk=legacy[1].pk).update(object_repr="被改过")

    record = audit.reseal_chain(django_apps, secrets=audit.LEGACY_SECRETS, old_hash=audit.legacy_hash)

    assert (record.before["intact"], record.before["broken_at"]) == (False, legacy[1].pk)
    assert services.verify_change_log().ok


def test_the_reseal_does_nothing_on_an_empty_log(db) -> None:
    assert audit.reseal_chain(django_apps, secrets=audit.LEGACY_SECRETS, old_hash=audit.legacy_hash) is None
    assert not ChangeLogEntry.objects.exists()


# ---- the keyed chain -------------------------------------------------------------------------------------


def test_each_entry_is_sealed_with_the_audit_key(chain) -> None:
    entry = chain[0]
    assert entry.hash == audit.chain_hash(entry.chain_payload())
    assert entry.hash != audit.legacy_hash(entry.chain_payload())
    with override_settings(GONGWU_AUDIT_KEY="x" * 64):
        report = services.verify_change_log()
    assert (report.reason, report.broken_id) == ("content", entry.pk)


@pytest.mark.parametrize(
    "rehash",
    [audit.legacy_hash, lambda payload: audit.chain_hash(payload, key="a guessed key of the attacker")],
    ids=["plain-sha256", "hmac-with-another-key"],
)
def test_a_chain_recomputed_after_an_edit_without_the_key_is_detected(chain, rehash) -> None:
    ChangeLogEntry.objects.filter(pk=chain[3].pk).update(actor_name="某某")
    reseal_by_hand(rehash)
    assert broken() == (
        f"Change log broken at entry {chain[0].pk} (its content does not match); 0 entries before it are intact."
    )


def test_an_edited_row_is_detected(chain) -> None:
    ChangeLogEntry.objects.filter(pk=chain[2].pk).update(after={"name": "改过"})
    assert broken() == (
        f"Change log broken at entry {chain[2].pk} (its content does not match); 2 entries before it are intact."
    )


# ---- checkpoints ------------------------------------------------------------------------------------------


def test_a_checkpoint_is_a_signed_line_in_the_append_only_file(chain, checkpoint_file) -> None:
    first = checkpoint()
    add_entries(chain[0].agency, 2)
    checkpoint()

    lines = checkpoint_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    marks = [audit.Checkpoint.parse(line) for line in lines]
    assert [(c.last_id, c.count) for c in marks] == [(chain[-1].pk, 5), (chain[-1].pk + 2, 7)]
    assert marks[0].head == chain[-1].hash
    assert all(c.signature_ok for c in marks)
    assert first.strip() == f"Checkpoint written to {checkpoint_file}: 5 entries, the last {chain[-1].pk}."
    assert verify().splitlines()[1].startswith("It agrees with 2 checkpoints")


def test_deleting_the_last_rows_is_detected_by_the_checkpoint(chain, checkpoint_file) -> None:
    checkpoint()
    ChangeLogEntry.objects.filter(pk__in=[chain[3].pk, chain[4].pk]).delete()
    assert services.verify_change_log().ok  # the chain alone cannot tell
    message = broken()
    assert message.startswith(f"Change log broken: entry {chain[4].pk}, recorded by the checkpoint of ")
    assert message.endswith("is missing (entries were removed); 3 entries before it are intact.")


def test_deleting_the_last_rows_is_detected_after_new_entries_are_added(chain, checkpoint_file) -> None:
    checkpoint()
    ChangeLogEntry.objects.filter(pk=chain[4].pk).delete()
    add_entries(chain[0].agency, 2)  # they link to entry 4 as the head: the chain itself looks whole
    assert services.verify_change_log().ok
    report = services.verify_change_log(checkpoints=audit.read_checkpoints([checkpoint_file]))
    assert (report.reason, report.broken_id) == ("missing", chain[4].pk)


def test_a_chain_rewritten_with_the_key_disagrees_with_the_checkpoint(chain, checkpoint_file) -> None:
    checkpoint()
    ChangeLogEntry.objects.filter(pk=chain[1].pk).delete()
    reseal_by_hand(audit.chain_hash)  # an insider who also holds the key
    add_entries(chain[0].agency, 1)
    assert services.verify_change_log().ok
    report = services.verify_change_log(checkpoints=audit.read_checkpoints([checkpoint_file]))
    assert (report.reason, report.broken_id, report.checked) == ("count", chain[-1].pk, 4)
    assert broken() == (
        f"Change log broken: 4 entries up to entry {chain[-1].pk} where the checkpoint of "
        f"{report.checkpoint.time} (5 entries, the last {chain[-1].pk}) recorded 5 (entries were removed or added)."
    )


def test_an_edit_rechained_with_the_key_disagrees_with_the_checkpoints_head(chain, checkpoint_file) -> None:
    checkpoint()
    ChangeLogEntry.objects.filter(pk=chain[2].pk).update(actor_name="某某")
    reseal_by_hand(audit.chain_hash)
    report = services.verify_change_log(checkpoints=audit.read_checkpoints([checkpoint_file]))
    assert (report.reason, report.broken_id) == ("head", chain[-1].pk)


def test_a_forged_checkpoint_is_refused(chain, checkpoint_file) -> None:
    forged = audit.Checkpoint("2026-12-02T09:00:00+08:00", chain[2].pk, 3, chain[2].hash, sig="0" * 64)
    checkpoint_file.write_text(forged.line() + "\n", encoding="utf-8")
    assert broken() == (
        "Change log not verified: the checkpoint of 2026-12-02T09:00:00+08:00 (3 entries, the last "
        f"{chain[2].pk}) is not signed with the audit key."
    )


def test_a_copy_of_the_syslog_can_be_compared(chain, tmp_path, settings) -> None:
    settings.GONGWU_AUDIT_CHECKPOINT_FILE = None
    line = audit.checkpoint_of(ChangeLogEntry).line()
    copy = tmp_path / "messages"
    copy.write_text(f"Dec  2 09:00:00 web1 sshd[1]: unrelated\nDec  2 09:00:00 web1 gongwu: {line}\n", "utf-8")
    assert verify("--checkpoints", str(copy)).splitlines()[1].startswith("It agrees with 1 checkpoints")
    ChangeLogEntry.objects.filter(pk=chain[4].pk).delete()
    assert "is missing" in broken("--checkpoints", str(copy))


def test_a_checkpoint_goes_to_syslog_when_configured(chain, settings) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.GONGWU_AUDIT_CHECKPOINT_FILE = None
    settings.GONGWU_AUDIT_CHECKPOINT_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
    try:
        checkpoint()
        message = receiver.recv(4096).decode()
    finally:
        receiver.close()
    received = audit.Checkpoint.parse(message)
    assert (received.last_id, received.count, received.head) == (chain[-1].pk, 5, chain[-1].hash)
    assert received.signature_ok


def test_the_checkpoint_task_writes_one(chain, checkpoint_file) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("audit", "checkpoint", "--enqueue", stdout=out)  # the immediate backend runs it (tests)
    assert [audit.Checkpoint.parse(line).count for line in checkpoint_file.read_text("utf-8").splitlines()] == [5]


def test_without_a_place_to_write_the_checkpoint_command_says_so(chain, settings) -> None:
    settings.GONGWU_AUDIT_CHECKPOINT_FILE = None
    with translation.override("en"), pytest.raises(CommandError, match="No place to write checkpoints"):
        call_command("audit", "checkpoint", stdout=StringIO())


def test_without_checkpoints_verify_warns_that_a_removed_tail_would_not_show(chain) -> None:
    err = StringIO()
    with translation.override("en"):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert "No checkpoints to compare with" in err.getvalue()


def test_a_checkpoint_of_an_empty_log_verifies(db, checkpoint_file) -> None:
    checkpoint()
    assert verify().startswith("Change log intact: 0 entries verified.")


def test_entries_appended_in_bulk_verify_with_the_key(agency, admin) -> None:
    rows = [Organization(name=f"批量{n}", kind=OrganizationKind.DEPARTMENT, parent=agency) for n in range(3)]
    Organization.objects.bulk_create(rows)
    services.log_changes([(o, ChangeAction.CREATE, None, services.snapshot(o)) for o in rows], actor=admin)
    assert services.verify_change_log().checked == 3


def test_raw_sql_edit_is_detected(chain) -> None:
    table = ChangeLogEntry._meta.db_table
    sql = f"UPDATE {table} SET time = %s WHERE id = %s"  # noqa: S608 — the table name is ours
    with connection.cursor() as cursor:
        cursor.execute(sql, [datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC), chain[1].pk])
    assert f"broken at entry {chain[1].pk} (its content" in broken()


def test_the_change_log_export_shows_that_a_password_changed_but_not_the_hash(admin) -> None:
    user = testing.UserFactory(organization=admin.organization)
    old_hash = user.password
    user.set_password("新的口令-2026")
    services.update_object(instance=user, actor=admin)
    leader = testing.UserFactory(organization=admin.organization, role=Role.LEADER)

    response = testing.english_client(leader).get("/changelog/export/")

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("time", "by", "action", "object type", "object id", "object", "changes")
    cells = "\n".join(str(cell) for row in rows for cell in row)
    assert HASH_PREFIX not in cells and old_hash not in cells and user.password not in cells
    [row] = [r for r in rows[1:] if r[4] == str(user.pk)]
    assert row[2:4] == ("updated", "user")
    assert row[6] == "password: (secret, not recorded) → (secret, not recorded)"


def test_nobody_may_import_into_the_change_log(admin) -> None:
    admin.is_superuser = True
    admin.save()
    assert testing.english_client(admin).get("/changelog/import/").status_code == 403


def production_settings(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GONGWU_VAR_DIR": str(tmp_path),
        "GONGWU_SECRET_KEY": "s" * 64,
        "GONGWU_ALLOWED_HOSTS": "gongwu.example.gov.cn",
        **extra,
    }
    code = "import gongwu.settings as s; print(len(s.GONGWU_AUDIT_KEY))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)  # noqa: S603


def test_production_refuses_to_start_without_an_audit_key(tmp_path) -> None:
    result = production_settings(tmp_path)
    assert result.returncode == 1
    assert "GONGWU_AUDIT_KEY (or GONGWU_AUDIT_KEY_FILE) must be set in production" in result.stderr
    assert not (tmp_path / "audit_key").exists()


def test_production_reads_the_audit_key_from_a_file(tmp_path) -> None:
    key_file = tmp_path / "audit_key.txt"
    key_file.write_text("k" * 40 + "\n", encoding="utf-8")
    result = production_settings(tmp_path, GONGWU_AUDIT_KEY_FILE=str(key_file))
    assert (result.returncode, result.stdout.strip()) == (0, "40")
    assert "must be at least 32" in production_settings(tmp_path, GONGWU_AUDIT_KEY="short").stderr
