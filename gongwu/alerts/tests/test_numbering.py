"""Case numbers: each agency counts its cases per year (2026-0001 … 2026-9999, 2026-10000 …) on a counter row.

A new case takes the next number in the transaction that saves it, so the cost does not grow with the cases
an agency has (bench/alerts.py), a case that is not saved gives its number back, and numbers written by hand
or loaded in bulk are skipped, never repeated.
"""

from __future__ import annotations

import datetime
import importlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import translation

from gongwu.alerts import services, sources
from gongwu.alerts.models import Case, CaseCounter
from gongwu.alerts.testing import CaseFactory, opened_case, staff_of
from gongwu.core.testing import AgencyFactory, Worker, postgresql_only, waiting_for_a_lock
from gongwu.projects.models import ApprovalRole
from gongwu.projects.testing import ProjectFactory, record_approval

SPRING = datetime.date(2026, 3, 2)
NEW_YEARS_EVE = datetime.date(2026, 12, 31)
NEW_YEAR = datetime.date(2027, 1, 1)

initialise_counters = importlib.import_module("gongwu.alerts.migrations.0002_case_counter").initialise_counters


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def opened(agency: Any, day: datetime.date = SPRING, actor: Any = None) -> str:
    """The number a case opened on `day` gets (as the system opens one, or as `actor`)."""
    return opened_case(actor, agency=agency, opened_on=day, deadline=day + datetime.timedelta(days=10)).number


def counters() -> dict[tuple[int, int], int]:
    return {(c.agency_id, c.year): c.last for c in CaseCounter.objects.all()}


@pytest.mark.django_db
def test_numbers_continue_after_the_existing_cases_once_the_migration_has_counted_them():
    city, district = AgencyFactory(), AgencyFactory()
    for number in ("2026-0007", "2026-9999", "2026-10000", "2026-0100"):  # "2026-9999" > "2026-10000" as text
        CaseFactory(agency=city, number=number)
    CaseFactory(agency=city, number="2025-0003")
    CaseFactory(agency=city, number="旧-12")  # another shape: not counted
    CaseFactory(agency=city)  # no number
    CaseFactory(agency=district, number="2026-0002")

    initialise_counters(apps, None)

    assert counters() == {(city.pk, 2026): 10000, (city.pk, 2025): 3, (district.pk, 2026): 2}
    assert opened(city) == "2026-10001"
    assert opened(city, datetime.date(2025, 6, 1)) == "2025-0004"
    assert opened(district, actor=staff_of(district)) == "2026-0003"  # as a user opens one: the same counter
    initialise_counters(apps, None)  # run again: the counters are not behind, nothing changes
    assert counters() == {(city.pk, 2026): 10001, (city.pk, 2025): 4, (district.pk, 2026): 3}


@pytest.mark.django_db
def test_each_agency_counts_each_year_on_its_own():
    city, district = AgencyFactory(), AgencyFactory()
    assert [opened(city), opened(district), opened(city), opened(city, datetime.date(2025, 5, 5))] == [
        "2026-0001",
        "2026-0001",
        "2026-0002",
        "2025-0001",
    ]
    assert [opened(district), opened(city)] == ["2026-0002", "2026-0003"]


@pytest.mark.django_db
def test_the_year_of_the_opening_day_gives_the_number_across_new_year():
    agency = AgencyFactory()
    assert [opened(agency, NEW_YEARS_EVE), opened(agency, NEW_YEARS_EVE), opened(agency, NEW_YEAR)] == [
        "2026-0001",
        "2026-0002",
        "2027-0001",
    ]
    assert opened(agency, NEW_YEARS_EVE) == "2026-0003"  # entered late, on the day it happened


@pytest.mark.django_db
def test_a_number_goes_on_past_9999():
    agency = AgencyFactory()
    CaseCounter.objects.create(agency=agency, year=2026, last=9998)
    assert [opened(agency), opened(agency)] == ["2026-9999", "2026-10000"]
    assert services.next_number(agency.pk, 2026) == "2026-10001"


@pytest.mark.django_db
def test_a_first_case_of_the_year_counts_on_from_the_plain_numbers_already_there():
    agency = AgencyFactory()
    for number in ("2026-0005", "2026-A12", "2026-0012b", "2025-0099"):  # written by hand, no counter yet
        CaseFactory(agency=agency, number=number)
    assert opened(agency) == "2026-0006"


@pytest.mark.django_db
def test_a_chunk_takes_consecutive_numbers_and_the_next_case_follows_it():
    agency = AgencyFactory()
    assert opened(agency) == "2026-0001"
    chunk = [Case(agency=agency, title=f"批量事项{n}", source=sources.RULE, opened_on=SPRING) for n in range(4)]
    services.open_chunk(chunk, agency.pk, 2026)
    assert [c.number for c in chunk] == ["2026-0002", "2026-0003", "2026-0004", "2026-0005"]
    assert opened(agency) == "2026-0006"


@pytest.mark.django_db
def test_a_case_that_is_not_saved_gives_its_number_back():
    agency = AgencyFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert opened(agency) == "2026-0001"
        raise RuntimeError("the opening failed after the case was saved")
    assert opened(agency) == "2026-0001"


@pytest.mark.django_db
def test_a_number_taken_by_hand_is_skipped():
    agency = AgencyFactory()
    assert opened(agency) == "2026-0001"
    CaseFactory(agency=agency, number="2026-0002")  # written by hand, or loaded in bulk, behind the counter
    CaseFactory(agency=agency, number="2026-0003")
    assert opened(agency, actor=staff_of(agency)) == "2026-0004"
    assert opened(agency) == "2026-0005"
    assert sorted(Case.objects.values_list("number", flat=True)) == [f"2026-000{n}" for n in range(1, 6)]


@pytest.mark.django_db
def test_the_scan_skips_a_number_taken_by_hand_and_opens_its_chunk_whole():
    agency = AgencyFactory()
    assert opened(agency) == "2026-0001"
    CaseFactory(agency=agency, number="2026-0003")
    for name in ("第一中学", "第二中学", "第三中学"):
        project = ProjectFactory(agency=agency, name=name)
        record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=SPRING)
    report = services.scan(
        SPRING + datetime.timedelta(days=12), agency_ids=[agency.pk], codes=["projects.approval_late"]
    )
    assert report.opened == 3
    rule_cases = Case.objects.filter(source=sources.RULE).order_by("number")
    assert [c.number for c in rule_cases] == ["2026-0004", "2026-0005", "2026-0006"]
    assert [c.events.count() for c in rule_cases] == [1, 1, 1]


@pytest.mark.django_db
def test_a_form_that_is_validated_but_not_saved_takes_no_number():
    from gongwu.alerts.forms import CaseForm

    agency = AgencyFactory()
    owner = staff_of(agency)
    data = {"agency": agency.pk, "kind": "warning", "level": "yellow", "title": "预览中的事项"}
    form = CaseForm(data={**data, "opened_on": "2026-03-02", "deadline": "2026-03-20"}, user=owner)
    assert form.is_valid(), form.errors  # e.g. an import's preview
    assert opened(agency) == "2026-0001"


# ---- PostgreSQL: two connections at once ----------------------------------------------------------


def at_once(first: Callable[[], Any], second: Callable[[], Any], *, commit: bool) -> tuple[Worker, Worker]:
    """`first` in a transaction held open while `second` starts; then `first` commits or rolls back."""
    acted, release = threading.Event(), threading.Event()

    def held() -> Any:
        with transaction.atomic():
            result = first()
            acted.set()
            assert release.wait(10), "never released"
            if not commit:
                transaction.set_rollback(True)
        return result

    a = Worker(held)
    a.start()
    assert acted.wait(10), a.error
    b = Worker(second)
    b.start()
    assert waiting_for_a_lock(b), "the second opening did not wait for the first one's number"
    release.set()
    a.join(10)
    b.join(10)
    assert not a.is_alive() and not b.is_alive()
    assert (a.error, b.error) == (None, None)
    return a, b


@postgresql_only
def test_two_cases_opened_at_once_get_the_next_two_numbers(transactional_db):
    agency = AgencyFactory()
    a, b = at_once(lambda: opened(agency), lambda: opened(agency), commit=True)
    assert (a.result, b.result) == ("2026-0001", "2026-0002")


@postgresql_only
def test_a_number_given_back_by_a_rolled_back_opening_goes_to_the_one_waiting(transactional_db):
    agency = AgencyFactory()
    a, b = at_once(lambda: opened(agency), lambda: opened(agency), commit=False)
    assert (a.result, b.result) == ("2026-0001", "2026-0001")
    assert list(Case.objects.values_list("number", flat=True)) == ["2026-0001"]
