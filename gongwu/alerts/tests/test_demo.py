"""The demo year of cases: the leader's board shows what a real agency's year looks like, because the
services lived it (timelines, escalations, the tour's 97%)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gongwu.alerts import demo as alerts_demo
from gongwu.alerts import services, sources
from gongwu.alerts.figures import board
from gongwu.alerts.filters import CaseFilterSet
from gongwu.alerts.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EventAction,
    Kind,
    Meeting,
    MeetingKind,
    Notification,
    Status,
)
from gongwu.alerts.rules import RULES
from gongwu.core.management.commands.demo import app_demo_modules
from gongwu.core.models import ChangeLogEntry, Organization, User
from gongwu.core.periods import Period
from gongwu.core.testing import english_client
from gongwu.projects import demo as projects_demo

# Every test takes `db`, so pytest-django runs them with the other database tests, before any test that
# flushes the database (which would drop the approval kinds the projects demo needs).
pytestmark = pytest.mark.django_db

YEAR = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
AS_OF = alerts_demo.AS_OF


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> Iterator[Organization]:
    """The whole demo (core, projects, alerts), built once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", verbosity=0)
        yield Organization.objects.get(name="示范市建筑工务署")
        transaction.set_rollback(True)


@pytest.fixture
def leader(city) -> User:
    return User.objects.get(username="leader")


def cases_of(user: User, **filters: object):
    """The cases `user` sees, filtered as the case list page filters them."""
    return CaseFilterSet(data=filters, queryset=Case.objects.for_user(user)).qs


def test_the_demo_command_runs_the_alerts_demo_after_the_projects_demo():
    modules = list(app_demo_modules())
    assert modules.index(projects_demo) < modules.index(alerts_demo)


def test_the_board_filtered_to_the_tour_shows_33_findings_32_rectified_97_percent(leader):
    figures = board(cases_of(leader, source=["tour"]), YEAR, today=AS_OF)

    assert (figures["opened"], figures["closed"], figures["closure_rate"]) == (33, 32, Decimal("97.0"))
    assert figures["open"] == 1
    tour = Meeting.objects.get(kind=MeetingKind.TOUR)
    assert tour.title == alerts_demo.TOUR_TITLE
    assert tour.cases.count() == 33
    late = tour.cases.filter(status__in=DONE_STATUSES, closed_on__gt=F("deadline")).count()
    assert (figures["closed_on_time"], late) == (30, 2)


def test_the_year_of_meetings_assigned_47_action_items_and_raised_21_coordination_issues(leader):
    meeting_cases = cases_of(leader, source=["meeting"], opened_from="2026-01-01", opened_to="2026-12-31")

    assert meeting_cases.filter(kind=Kind.ACTION_ITEM).count() == 47
    assert meeting_cases.exclude(kind=Kind.ACTION_ITEM).count() == 21  # 提请关注, some now 督办
    kinds = dict.fromkeys(MeetingKind.values, 0)
    for kind in Meeting.objects.values_list("kind", flat=True):
        kinds[kind] += 1
    assert kinds == {"coordination": 4, "task_force": 6, "regular": 11, "tour": 1}
    assert "协调解决东湖路管线迁改问题" in set(meeting_cases.values_list("title", flat=True))


def test_the_year_has_cases_closed_on_time_closed_late_sent_back_and_archived_with_feedback(leader):
    cases = Case.objects.for_user(leader).filter(source__in=[sources.MEETING, sources.TOUR])
    done = cases.filter(status__in=DONE_STATUSES)

    assert done.filter(closed_on__lte=F("deadline")).count() >= 40
    assert done.filter(closed_on__gt=F("deadline")).count() >= 5
    assert CaseEvent.objects.filter(case__in=done, action=EventAction.SENT_BACK).exists()
    archived = cases.filter(status=Status.ARCHIVED)
    assert archived.count() >= 10
    assert not archived.filter(feedback="").exists()
    assert not done.filter(closed_on__gt=AS_OF).exists()


def test_open_cases_past_their_deadline_were_escalated_by_the_scheduled_job(leader):
    figures = board(Case.objects.for_user(leader), YEAR, today=AS_OF)
    overdue = Case.objects.for_user(leader).filter(status__in=OPEN_STATUSES, deadline__lt=AS_OF - datetime.timedelta(7))

    assert figures["overdue"] >= 20
    assert overdue.count() >= 20
    assert not overdue.filter(escalation_step=0).exists()  # the monthly job caught up with every one
    assert figures["subjects"]["supervision"] >= 5  # 督办
    assert Case.objects.filter(source=sources.MEETING, kind=Kind.SUPERVISION).exists()  # 提请关注 turned 督办
    told = Notification.objects.filter(user=leader)
    with translation.override("zh-hans"):  # the demo command writes in the default language
        chinese = gettext("Overdue case of your team: %(case)s").split("%(case)s")[0]
    assert told.filter(Q(text__startswith="Overdue case of your team") | Q(text__startswith=chinese)).exists()


def test_rule_cases_come_from_the_rules_over_the_demo_projects_and_a_scan_now_finds_nothing_new(city):
    rule_cases = Case.objects.filter(source=sources.RULE, agency=city)

    assert rule_cases.count() >= 50
    assert set(rule_cases.values_list("rule_code", flat=True)) <= set(RULES)
    assert not rule_cases.filter(opened_on__lt=alerts_demo.RULES_FROM).exists()
    assert all(c.trigger.get("project") or c.trigger.get("contract") for c in rule_cases)
    report = services.scan(today=AS_OF)
    assert (report.opened, report.raised, report.cleared) == (0, 0, 0)
    assert services.escalate(today=AS_OF) == 0


def test_every_cases_timeline_starts_with_opened_on_its_opening_day_and_runs_in_order(city):
    cases = Case.objects.all()
    assert cases.count() >= 150
    for case in cases.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: (e.time, e.pk))
        assert events[0].action == EventAction.OPENED, case
        assert timezone.localtime(events[0].time).date() == case.opened_on, case
        assert [e.pk for e in events] == sorted(e.pk for e in events), case
        assert timezone.localtime(events[-1].time).date() <= AS_OF, case


def test_the_company_user_sees_only_its_companys_cases(city):
    company = User.objects.get(username="company")

    mine = Case.objects.for_user(company)
    assert mine.count() >= 3
    assert set(mine.values_list("responsible_org", flat=True)) == {company.organization_id}
    others = Case.objects.exclude(responsible_org=company.organization_id)
    response = english_client(company).get(reverse("alerts:case_list"), {"per_page": 100})
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f'href="{c.get_absolute_url()}"' in page for c in mine)
    assert not any(f'href="{c.get_absolute_url()}"' in page for c in others)


def test_the_director_has_cases_to_do_in_the_inbox(city):
    director = User.objects.get(username="director")

    to_do = services.inbox(director)["to_do"]
    assert to_do.count() >= 5
    assert set(to_do.values_list("responsible_person", flat=True)) == {director.pk}
    assert to_do.filter(source=sources.MEETING).exists() and to_do.filter(source=sources.RULE).exists()


def test_running_the_demo_a_second_time_adds_nothing(city):
    def counts() -> tuple[int, ...]:
        models = (Case, CaseEvent, Meeting, Notification, ChangeLogEntry, User)
        return tuple(model.objects.count() for model in models)

    before = counts()
    call_command("demo", verbosity=0)
    assert counts() == before
