"""The alert rule "investment.behind_schedule" through the daily scan: a plan behind its schedule opens a
提请关注 case, seriously behind raises it to 督办, back on schedule closes it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from gongwu.alerts import services as alerts
from gongwu.alerts import sources
from gongwu.alerts.models import Case, EventAction, Kind, Level, Status
from gongwu.alerts.rules import RULES
from gongwu.alerts.testing import RuleSettingFactory
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, DepartmentFactory, UserFactory
from gongwu.investment.models import ActualStatus, AnnualPlan, InvestmentSettings
from gongwu.investment.rules import month_to_classify
from gongwu.investment.testing import AnnualPlanFactory, actual
from gongwu.projects.testing import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
CODE = "investment.behind_schedule"


@pytest.fixture
def plan(agency) -> AnnualPlan:
    """1 亿 in 2026 on the template schedule: 15% (1,500 万) by April, 30% by May, 45% by June."""
    return AnnualPlanFactory(project=ProjectFactory(agency=agency, name="光明中学"), year=2026)


def scan(agency, today: datetime.date) -> alerts.ScanReport:
    return alerts.scan(today=today, agency_ids=[agency.pk], codes=[CODE])


def counts(report: alerts.ScanReport) -> tuple[int, int, int]:
    return report.opened, report.raised, report.cleared


def cases(agency) -> list[Case]:
    return list(Case.objects.filter(agency=agency, rule_code=CODE).order_by("id"))


def test_the_rule_is_registered():
    assert CODE in RULES


@pytest.mark.parametrize(
    ("today", "report_day", "expected"),
    [
        (D(2026, 6, 9), 10, (2026, 4)),  # May's reports are not all in before the 10th
        (D(2026, 6, 10), 10, (2026, 5)),
        (D(2026, 6, 30), 10, (2026, 5)),
        (D(2026, 6, 4), 5, (2026, 4)),
        (D(2026, 6, 5), 5, (2026, 5)),
        (D(2026, 1, 9), 10, (2025, 11)),
        (D(2026, 1, 10), 10, (2025, 12)),
        (D(2026, 2, 1), 10, (2025, 12)),
        (D(2026, 2, 28), 28, (2026, 1)),
    ],
)
def test_month_to_classify(today, report_day, expected):
    assert month_to_classify(today, report_day) == expected


def test_behind_opens_raises_then_clears_one_case(agency, plan):
    # To April: 1,200 万 confirmed against 1,500 万 scheduled = 80% → 提请关注. A submitted report that
    # would bring it on schedule does not count.
    actual(plan, 2, 5_000_000)
    actual(plan, 4, 7_000_000)
    actual(plan, 3, 3_000_000, status=ActualStatus.SUBMITTED)

    assert counts(scan(agency, D(2026, 5, 12))) == (1, 0, 0)
    (case,) = cases(agency)
    assert (case.kind, case.level, case.status, case.source) == (
        Kind.ATTENTION,
        Level.ORANGE,
        Status.OPEN,
        sources.RULE,
    )
    assert case.subject == plan
    assert (case.subject_type, case.subject_id) == (ContentType.objects.get_for_model(AnnualPlan), str(plan.pk))
    assert "80.00% of its schedule to 2026-04" in case.title
    assert case.trigger["month"] == "2026-04"
    assert case.trigger["percent_of_schedule"] == "80.00"
    assert [e.action for e in case.events.all()] == [EventAction.OPENED]

    # The same day again: nothing changes.
    assert counts(scan(agency, D(2026, 5, 12))) == (0, 0, 0)
    assert [c.pk for c in cases(agency)] == [case.pk]
    assert case.events.count() == 1

    # To May: 900 万 more confirmed, 2,100 万 against 3,000 万 = 70% → 督办滞后: the same case is raised.
    actual(plan, 5, 9_000_000)
    assert counts(scan(agency, D(2026, 6, 15))) == (0, 1, 0)
    (raised,) = cases(agency)
    assert raised.pk == case.pk
    assert (raised.kind, raised.level) == (Kind.SUPERVISION, Level.RED)
    assert raised.trigger["month"] == "2026-05"
    assert raised.trigger["percent_of_schedule"] == "70.00"
    event = raised.events.order_by("-id").first()
    assert event.action == EventAction.LEVEL_CHANGED
    assert "Turned into a supervision order (督办)." in event.text
    assert counts(scan(agency, D(2026, 6, 15))) == (0, 0, 0)
    assert raised.events.count() == 2

    # To June: 2,500 万 more, 4,600 万 against 4,500 万 → on schedule: the scan closes the case.
    actual(plan, 6, 25_000_000)
    assert counts(scan(agency, D(2026, 7, 10))) == (0, 0, 1)
    (closed,) = cases(agency)
    assert (closed.pk, closed.status, closed.closed_on) == (case.pk, Status.CLOSED, D(2026, 7, 10))
    assert closed.resolution.startswith("Condition cleared")
    assert closed.events.order_by("-id").first().action == EventAction.CLEARED
    assert counts(scan(agency, D(2026, 7, 10))) == (0, 0, 0)


def test_seriously_behind_opens_a_supervision_case_for_the_director(agency, plan):
    department = DepartmentFactory(parent=agency)
    director = UserFactory(organization=department, role=Role.DIRECTOR)
    plan.project.director = director
    plan.project.department = department
    plan.project.save()
    actual(plan, 4, 11_249_999)  # 74.99…% of 1,500 万

    report = scan(agency, D(2026, 5, 10))

    assert report.opened == 1
    (case,) = cases(agency)
    assert (case.kind, case.level) == (Kind.SUPERVISION, Level.RED)
    assert (case.responsible_person, case.department) == (director, department)
    assert case.status == Status.ASSIGNED


def test_exactly_at_the_threshold_is_on_schedule(agency, plan):
    actual(plan, 4, 13_500_000)  # exactly 90% of 1,500 万
    assert scan(agency, D(2026, 5, 10)).opened == 0
    assert cases(agency) == []


def test_the_agencys_thresholds_apply(agency, plan):
    actual(plan, 4, 13_500_000)  # 90%: on schedule by default, 提请关注 below 95%
    InvestmentSettings.objects.create(agency=agency, attention_below=95, supervision_below=80)
    assert scan(agency, D(2026, 5, 10)).opened == 1
    assert cases(agency)[0].kind == Kind.ATTENTION


def test_report_day_decides_which_month_is_classified(agency, plan):
    # On schedule to April (1,500 万), nothing in May: 50% of May's 3,000 万 → 督办 once May is classified.
    actual(plan, 4, 15_000_000)

    assert scan(agency, D(2026, 6, 7)).opened == 0  # before the 10th: April is classified

    RuleSettingFactory(agency=agency, code=CODE, level=Level.ORANGE, params={"report_day": 5})
    report = scan(agency, D(2026, 6, 7))

    assert report.opened == 1
    (case,) = cases(agency)
    assert case.kind == Kind.SUPERVISION
    assert case.trigger["month"] == "2026-05"


def test_other_agencies_and_other_years_are_not_scanned(agency, plan):
    other = AgencyFactory()
    AnnualPlanFactory(project=ProjectFactory(agency=other), year=2026)  # nothing done at all
    AnnualPlanFactory(project=ProjectFactory(agency=agency), year=2025)  # last year's plan, nothing done
    actual(plan, 4, 15_000_000)

    assert scan(agency, D(2026, 5, 10)).opened == 0
    assert not Case.objects.filter(rule_code=CODE).exists()
