"""The hash-chained change log: `gongwu audit verify` finds an edited or a removed entry."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from gongwu.core import services, testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role


@pytest.fixture
def chain(db) -> list[ChangeLogEntry]:
    agency = testing.AgencyFactory()
    actor = testing.UserFactory(organization=agency, role=Role.STAFF)
    for number in range(5):
        services.create_object(
            instance=Organization(name=f"审计测试处{number}", kind=OrganizationKind.DEPARTMENT, parent=agency),
            actor=actor,
        )
    return list(ChangeLogEntry.objects.order_by("id"))


def verify() -> str:
    from io import StringIO

    out = StringIO()
    with translation.override("en"):
        call_command("audit", "verify", stdout=out)
    return out.getvalue()


def broken_message() -> str:
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    return str(caught.value)


def test_intact_chain_verifies(chain) -> None:
    assert verify().strip() == "Change log intact: 5 entries verified."


def test_each_entry_links_to_the_previous_hash(chain) -> None:
    assert chain[0].prev_hash == services.GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]


def test_editing_an_entry_with_an_update_query_is_reported_with_its_id(chain) -> None:
    tampered = chain[2]
    ChangeLogEntry.objects.filter(pk=tampered.pk).update(actor_name="某某")
    assert broken_message() == (
        f"Change log broken at entry {tampered.pk} (its content does not match); 2 entries before it are intact."
    )


def test_editing_an_entry_with_raw_sql_is_reported_with_its_id(chain) -> None:
    tampered = chain[3]
    table = ChangeLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = %s WHERE id = %s", ["改过的", tampered.pk])  # noqa: S608
    assert f"broken at entry {tampered.pk} (its content" in broken_message()


def test_deleting_an_entry_in_the_middle_is_reported_at_the_next_one(chain) -> None:
    ChangeLogEntry.objects.filter(pk=chain[2].pk).delete()
    assert broken_message() == (
        f"Change log broken at entry {chain[3].pk} (its link to the previous entry does not match);"
        " 2 entries before it are intact."
    )


def test_entries_made_from_the_shell_say_so(chain) -> None:
    assert {(e.source, e.request_id, e.action) for e in chain} == {("shell", "", "create")}
    assert all(e.actor_name for e in chain)
