"""The investment demo: the dispatch dashboard tells the seeds' story (001's 2025 year end and 2024
adjustments, 002's 2026 ahead of schedule with 2 督办滞后 and 4 提请关注), and the rule put the laggards
on the leader's board."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from gongwu.alerts import sources
from gongwu.alerts.models import Case, CaseEvent, Kind
from gongwu.core.demo import DemoBuilder
from gongwu.core.management.commands.demo import app_demo_modules, quiet
from gongwu.core.models import ChangeLogEntry, Organization, User
from gongwu.core.money import format_money
from gongwu.core.testing import english_client
from gongwu.investment import demo, figures, services
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentStatus,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentKind,
    PlanAdjustment,
    ScheduleMonth,
    ScheduleTemplate,
    validate_shares,
)
from gongwu.projects import demo as projects_demo

pytestmark = pytest.mark.django_db

YI = Decimal(100_000_000)
SUPERVISION, ATTENTION = figures.Lag.SUPERVISION, figures.Lag.ATTENTION


@pytest.fixture(scope="module")
def orgs(django_db_setup, django_db_blocker) -> Iterator[dict[str, Organization]]:
    """The core, projects and investment demos (not the alerts demo's year of cases, which the
    investment demo does not need), built once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        builder = DemoBuilder(progress=quiet)
        found = builder.build()
        projects_demo.build(orgs=found, actor=builder.actor, progress=quiet)
        demo.build(orgs=found, actor=builder.actor, progress=quiet)
        yield found
        transaction.set_rollback(True)


def yi(value: str) -> Decimal:
    return Decimal(value) * YI


def test_the_demo_command_runs_the_investment_demo_after_the_projects_and_alerts_demos():
    names = [module.__name__ for module in app_demo_modules()]
    assert names.index("gongwu.projects.demo") < names.index("gongwu.alerts.demo") < names.index(demo.__name__)


def test_the_city_2025_year_end_reads_like_001(orgs):
    data = figures.dashboard([orgs["city"].pk], 2025, 12)
    totals = data.totals

    assert (totals.plan, totals.actual) == (yi("84.15"), yi("89.60"))
    assert (totals.over_plan, data.year_on_year) == (Decimal("6.47"), Decimal("10.54"))
    assert data.previous_actual == yi("81.05")
    assert (totals.paid, totals.payment_base, totals.payment_rate) == (yi("87.97"), yi("109.56"), Decimal("80.29"))
    assert data.unconfirmed == []


def test_the_leaders_dashboard_page_shows_the_2025_figures(orgs):
    response = english_client(User.objects.get(username="leader")).get(
        reverse("investment:dashboard"), {"year": 2025, "month": 12}
    )

    assert response.status_code == 200
    assert response.context["data"].totals.actual == yi("89.60")
    page = response.content.decode()
    assert "89.60" in page and "84.15" in page and "80.29" in page


def test_the_approved_adjustments_of_each_year_match_the_docstring(orgs):
    adjustments = PlanAdjustment.objects.filter(plan__project__agency=orgs["city"])
    found = {}
    for year in demo.YEARS:
        totals = figures.adjustment_totals(
            adjustments.filter(plan__year=year), datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        )
        found[year] = (totals.increased, totals.increased_projects, totals.decreased, totals.decreased_projects)

    assert found == {
        2024: (yi("9.11"), 21, yi("3.61"), 7),
        2025: (yi("6.35"), 14, yi("2.48"), 6),
        2026: (yi("4.20"), 9, yi("1.85"), 4),
    }
    statuses = adjustments.filter(plan__year=2026).exclude(status=AdjustmentStatus.APPROVED)
    assert sorted(statuses.values_list("status", flat=True)) == ["pending"] * 3 + ["rejected"]


def test_each_plans_adjusted_amount_is_its_amount_with_its_approved_adjustments(orgs):
    signed = defaultdict(Decimal)
    for adjustment in PlanAdjustment.objects.filter(status=AdjustmentStatus.APPROVED):
        signed[adjustment.plan_id] += adjustment.signed_amount
    wrong = [
        plan.pk for plan in AnnualPlan.objects.all() if plan.adjusted_amount != plan.amount + signed.get(plan.pk, 0)
    ]
    assert wrong == []
    assert len(signed) == 21 + 7 + 14 + 6 + 9 + 4


def test_2026_the_city_is_ahead_of_its_schedule_with_2_supervised_and_4_flagged_at_october(orgs):
    june = figures.dashboard([orgs["city"].pk], 2026, 6)
    october = figures.dashboard([orgs["city"].pk], 2026, demo.CONFIRMED_TO)

    assert (june.totals.over_schedule, october.totals.over_schedule) == (
        demo.STORY_2026["june"],
        demo.STORY_2026["october"],
    )
    assert october.year_on_year == demo.STORY_2026["year_on_year"]
    assert october.totals.plan == yi("96.00")
    assert october.totals.lags == {"on_schedule": october.totals.projects - 6, ATTENTION: 4, SUPERVISION: 2}
    assert all(row.percent_of_schedule < 75 for row in october.lagging(SUPERVISION))
    assert october.unconfirmed == []


def test_2026_one_district_is_ahead_of_its_schedule_and_the_other_behind(orgs):
    ids = [orgs[key].pk for key in ("city", "east", "west")]
    side_by_side = figures.dashboard(ids, 2026, demo.CONFIRMED_TO).by_agency

    east, west = side_by_side[orgs["east"].pk], side_by_side[orgs["west"].pk]
    assert (east.over_schedule, west.over_schedule) == (demo.DISTRICTS_2026["east"], demo.DISTRICTS_2026["west"])
    assert (east.lagging, west.lags[ATTENTION], west.lags[SUPERVISION]) == (0, 1, 0)
    behind = figures.dashboard([orgs["west"].pk], 2026, demo.CONFIRMED_TO).lagging(ATTENTION)
    assert [row.name for row in behind] == ["示范市西城区光侨安居房"]


def test_november_2026_is_reported_as_not_yet_confirmed(orgs):
    data = figures.dashboard([orgs["city"].pk], 2026, demo.REPORTING)

    [november] = data.unconfirmed
    assert november["month"] == datetime.date(2026, 11, 1)
    assert set(november["by_status"]) == {"submitted", "returned", "draft"}
    assert november["by_status"]["returned"] == 2
    assert november["missing"] > 0
    returned = MonthlyActual.objects.filter(status=ActualStatus.RETURNED)
    assert set(returned.values_list("return_reason", flat=True)) == set(demo.RETURN_REASONS)
    assert not MonthlyActual.objects.filter(month__lt=datetime.date(2026, 11, 1)).exclude(status="confirmed").exists()
    assert not MonthlyActual.objects.filter(month__gt=datetime.date(2026, 11, 1)).exists()


def test_some_reviews_went_through_the_services_and_are_in_the_change_log(orgs):
    entries = ChangeLogEntry.objects.filter(content_type__model="monthlyactual", action="update")
    statuses = sorted(entry.after["status"] for entry in entries)

    assert statuses == ["confirmed"] * 4 + ["returned"] * 2 + ["submitted"] * 3
    confirmed = MonthlyActual.objects.filter(
        pk__in=[int(e.object_id) for e in entries if e.after["status"] == "confirmed"]
    )
    assert {a.reviewed_by.username for a in confirmed} == {"staff"}
    assert all(timezone.localtime(a.reviewed_at).date() <= projects_demo.AS_OF for a in confirmed)
    assert ChangeLogEntry.objects.filter(content_type__model="annualplan", action="create").count() == (
        AnnualPlan.objects.count()
    )
    decided = PlanAdjustment.objects.exclude(status=AdjustmentStatus.PENDING).count()
    assert ChangeLogEntry.objects.filter(content_type__model="planadjustment", action="update").count() == decided


def test_the_rule_opened_the_lagging_projects_cases_on_the_leaders_board(orgs):
    cases = Case.objects.filter(source=sources.RULE, rule_code=demo.RULE)

    city = cases.filter(agency=orgs["city"])
    assert sorted(city.values_list("kind", flat=True)) == [Kind.ATTENTION] * 4 + [Kind.SUPERVISION] * 2
    assert cases.filter(agency=orgs["west"], kind=Kind.ATTENTION).count() == 1
    assert not cases.filter(agency=orgs["east"]).exists()
    assert set(cases.values_list("opened_on", flat=True)) == {projects_demo.AS_OF}
    times = CaseEvent.objects.filter(case__in=cases).values_list("time", flat=True)
    assert {timezone.localtime(t).date() for t in times} == {projects_demo.AS_OF}
    assert all(case.trigger["month"] == "2026-10" for case in cases)


def test_the_company_user_sees_the_payments_to_its_own_company(orgs):
    company = User.objects.get(username="company")

    mine = Payment.objects.for_user(company)
    assert mine.count() >= 20
    assert set(mine.values_list("payee", flat=True)) == {company.organization_id}
    assert set(mine.values_list("kind", flat=True)) >= {PaymentKind.PROGRESS, PaymentKind.SETTLEMENT}
    assert set(Payment.objects.values_list("kind", flat=True)) == set(PaymentKind.values)


def test_every_agency_has_its_settings_and_two_templates_one_of_them_the_default(orgs):
    for key in ("city", "east", "west"):
        settings = InvestmentSettings.objects.get(agency=orgs[key])
        assert (settings.attention_below, settings.supervision_below) == (90, 75)
        templates = ScheduleTemplate.objects.filter(agency=orgs[key])
        assert sorted(templates.values_list("is_default", flat=True)) == [False, True]
        assert services.default_template(orgs[key].pk).share_values()[5] == 45


def test_the_demo_records_keep_the_models_rules(orgs):
    for plan in AnnualPlan.objects.select_related("project"):
        plan.full_clean(validate_unique=False, validate_constraints=False)
        assert plan.adjusted_amount <= plan.project.approved_investment, plan
    shares = defaultdict(list)
    for plan_id, share in ScheduleMonth.objects.order_by("plan", "month").values_list("plan_id", "share"):
        shares[plan_id].append(share)
    assert len(shares) == AnnualPlan.objects.count()
    for values in shares.values():
        validate_shares(values)
    for payment in Payment.objects.select_related("project", "payee"):
        payment.full_clean(validate_unique=False, validate_constraints=False)
    spent = MonthlyActual.objects.values("project", "project__approved_investment").annotate(total=Sum("amount"))
    assert [row["project"] for row in spent if row["total"] > row["project__approved_investment"]] == []
    mismatched = [
        a.pk for a in MonthlyActual.objects.select_related("plan") if a.plan.year != a.month.year or a.amount < 0
    ]
    assert mismatched == []
    for adjustment in PlanAdjustment.objects.select_related("plan"):
        assert adjustment.requested_on.year == adjustment.plan.year
        assert adjustment.decided_on is None or adjustment.decided_on.year == adjustment.plan.year


def test_running_the_build_again_writes_nothing(orgs):
    models = (AnnualPlan, ScheduleMonth, MonthlyActual, PlanAdjustment, Payment, Case, ChangeLogEntry, User)
    before = {model.__name__: model.objects.count() for model in models}

    demo.build(orgs=orgs, actor=User.objects.get(username="admin"), progress=quiet)

    assert {model.__name__: model.objects.count() for model in models} == before


# ---- the figures registered for the reports ------------------------------------------------------


def plans_listed(user: User, url: str) -> int:
    """How many plans the list a figure links to shows (its FilterSet, as the page and the API filter)."""
    from django.http import QueryDict

    from gongwu.investment.filters import AnnualPlanFilterSet

    path, _sep, query = url.partition("?")
    assert path == reverse("investment:annualplan_list")
    filterset = AnnualPlanFilterSet(QueryDict(query), queryset=AnnualPlan.objects.for_user(user), user=user)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


@pytest.mark.parametrize(("year", "month"), [(2025, 12), (2026, 10)])
def test_the_registered_figures_are_the_dashboards_numbers(orgs, year, month):
    from gongwu.core import figures as read
    from gongwu.core.figures import Selection

    leader = User.objects.get(username="leader")
    end = datetime.date(year, month, 28) + datetime.timedelta(days=4)
    end -= datetime.timedelta(days=end.day)
    selection = Selection.from_query(leader, {"from": f"{year}-01-01", "to": end.isoformat()})
    assert selection.agency_ids == [orgs["city"].pk]
    totals = figures.dashboard([orgs["city"].pk], year, month).totals
    earlier = figures.dashboard([orgs["city"].pk], year - 1, month).totals
    expected = {
        "investment.projects": (totals.projects, earlier.projects),
        "investment.planned": (totals.plan, earlier.plan),
        "investment.completed": (totals.actual, earlier.actual),
        "investment.completion_rate": (totals.percent_of_plan, earlier.percent_of_plan),
        "investment.paid": (totals.paid, earlier.paid),
        "investment.payment_rate": (totals.payment_rate, earlier.payment_rate),
    }
    assert totals.projects > 0 and totals.paid > 0
    for key, (value, previous) in expected.items():
        figure = read.compute(key, selection)
        assert (figure.value, figure.previous) == (value, previous), key
    assert format_money(totals.payment_base) in read.compute("investment.payment_rate", selection).note
    for key in ("investment.projects", "investment.planned", "investment.completion_rate"):
        assert plans_listed(leader, read.compute(key, selection).url) == totals.projects, key
    completed = read.compute("investment.completed", selection)
    assert completed.url.startswith(reverse("investment:monthlyactual_list"))


def test_the_2025_payment_rate_reads_like_001_in_the_figures_api(orgs):
    from gongwu.core.testing import api_client

    client = api_client(User.objects.get(username="leader"))
    dashboard = client.get("/api/investment/dashboard/", {"year": 2025}).json()
    [figure] = client.get("/api/figures/values/", {"key": "investment.payment_rate", "year": 2025}).json()
    assert figure["value"] == dashboard["totals"]["payment_rate"] == "80.29"
    assert figure["unit"] == "percent"
    assert figure["url"].startswith(reverse("investment:payment_list"))


def test_the_figures_api_agrees_with_the_dashboard_api_to_the_end_of_a_month(orgs):
    from gongwu.core.testing import api_client

    client = api_client(User.objects.get(username="leader"))
    dashboard = client.get("/api/investment/dashboard/", {"year": 2026, "month": 10}).json()
    keys = ["investment.payment_rate", "investment.paid", "investment.planned", "investment.projects"]
    answer = client.get("/api/figures/values/", {"key": keys, "from": "2026-01-01", "to": "2026-10-31"})
    assert answer.status_code == 200, answer.content
    values = {f["key"]: f["value"] for f in answer.json()}
    totals = dashboard["totals"]
    assert values == {
        "investment.payment_rate": totals["payment_rate"],
        "investment.paid": totals["paid"],
        "investment.planned": totals["plan"],
        "investment.projects": totals["projects"],
    }
    refused = client.get("/api/figures/values/", {"key": "investment.paid", "from": "2026-03-01", "to": "2026-10-31"})
    assert refused.status_code == 422
