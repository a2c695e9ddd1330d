"""Model rules of the investment records (what full_clean refuses), the plan form's schedule, and who
sees which records (scoping, with a city agency reading its districts)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from gongwu.core import services as core_services
from gongwu.core.generic.forms import save_form
from gongwu.core.models import Action, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, DepartmentFactory, RegulatorFactory, UserFactory
from gongwu.investment import services
from gongwu.investment.forms import AnnualPlanForm
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleMonth,
    validate_shares,
)
from gongwu.investment.testing import TEMPLATE_SHARES, AnnualPlanFactory, ScheduleTemplateFactory, actual, payment
from gongwu.projects.testing import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
SHARES = ["2", "5", "8", "15", "30", "45", "55", "65", "75", "85", "93", "100"]


@pytest.fixture
def project(agency):
    return ProjectFactory(agency=agency, approved_investment=Decimal("500000000"))


@pytest.fixture
def plan(project):
    return AnnualPlanFactory(project=project, year=2025, amount=Decimal("100000000"))


def errors_of(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    return error.value.message_dict


# ---- schedules ----------------------------------------------------------------------------------


def test_validate_shares_accepts_twelve_cumulative_shares_ending_at_100():
    assert validate_shares(SHARES) == TEMPLATE_SHARES
    assert validate_shares(["0"] * 11 + ["100"])[-1] == Decimal("100.00")
    assert validate_shares(["33.333"] * 11 + ["100"])[0] == Decimal("33.33")


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (SHARES[:11], "Give a cumulative share for each of the 12 months."),
        ([*SHARES, "100"], "Give a cumulative share for each of the 12 months."),
        (["2", "5", "8", "15", "30", "25", "55", "65", "75", "85", "93", "100"], "Month 6: the cumulative share 25%"),
        (["2", "5", "8", "15", "30", "45", "55", "65", "75", "85", "101", "100"], "Month 11: a share is between 0"),
        (["-1", "5", "8", "15", "30", "45", "55", "65", "75", "85", "93", "100"], "Month 1: a share is between 0"),
        (["2", "5", "8", "15", "30", "45", "55", "65", "75", "85", "93", "99"], "By December the cumulative share"),
        (["2", "x", "8", "15", "30", "45", "55", "65", "75", "85", "93", "100"], "Month 2: write a percentage."),
    ],
)
def test_validate_shares_refuses(shares, message):
    with pytest.raises(ValidationError) as error:
        validate_shares(shares)
    assert any(m.startswith(message) for m in error.value.messages), error.value.messages


def test_a_schedule_template_is_checked_and_one_is_the_default(agency):
    template = ScheduleTemplateFactory.build(agency=agency, name="模板", shares=SHARES[:11])
    assert "shares" in errors_of(template)
    ScheduleTemplateFactory(agency=agency, is_default=True)
    second = ScheduleTemplateFactory.build(agency=agency, name="另一个", is_default=True)
    assert "is_default" in errors_of(second)


# ---- settings -----------------------------------------------------------------------------------


def test_investment_settings_thresholds(agency):
    InvestmentSettings(agency=agency, attention_below=95, supervision_below=80).full_clean()
    for attention, supervision in ((90, 90), (80, 90)):
        settings = InvestmentSettings(agency=agency, attention_below=attention, supervision_below=supervision)
        assert errors_of(settings)["supervision_below"] == [
            "The 督办滞后 threshold must be below the 提请关注 threshold."
        ]
    assert "attention_below" in errors_of(InvestmentSettings(agency=agency, attention_below=101))


def test_settings_of_an_agency_without_any_are_the_defaults(agency):
    settings = InvestmentSettings.for_agency(agency.pk)
    assert (settings.pk, settings.attention_below, settings.supervision_below) == (None, 90, 75)
    assert settings.payment_rate_base == "funds"


# ---- the annual plan form -----------------------------------------------------------------------


def plan_form_data(project, **extra) -> dict[str, str]:
    return {
        "project": str(project.pk),
        "year": "2026",
        "plan_category": "",
        "funding_source": "city_fiscal",
        "amount": "80000000",
        "funds_available": "",
        "note": "",
        **extra,
    }


def test_plan_form_applies_the_agencys_default_template(agency, staff, project):
    default = ScheduleTemplateFactory(agency=agency, is_default=True, shares=["0"] * 5 + ["50"] * 6 + ["100"])
    form = AnnualPlanForm(data=plan_form_data(project), user=staff)
    assert form.is_valid(), form.errors
    plan = save_form(form, staff)
    assert plan is not None
    assert plan.share_values() == default.share_values()
    assert plan.adjusted_amount == Decimal("80000000")


def test_plan_form_months_given_win_over_the_default(agency, staff, project):
    ScheduleTemplateFactory(agency=agency, is_default=True)
    months = {f"m{m}": str(v) for m, v in zip(range(1, 13), [10] * 11 + [100], strict=True)}
    form = AnnualPlanForm(data=plan_form_data(project, **months), user=staff)
    assert form.is_valid(), form.errors
    plan = save_form(form, staff)
    assert plan.share_values() == [Decimal(10)] * 11 + [Decimal(100)]


def test_plan_form_chosen_template(agency, staff, project):
    ScheduleTemplateFactory(agency=agency, is_default=True)
    chosen = ScheduleTemplateFactory(agency=agency, shares=["1"] * 11 + ["100"])
    form = AnnualPlanForm(data=plan_form_data(project, template=str(chosen.pk)), user=staff)
    assert form.is_valid(), form.errors
    assert save_form(form, staff).share_values() == chosen.share_values()


def test_plan_form_without_template_nor_months_is_refused(staff, project):
    form = AnnualPlanForm(data=plan_form_data(project), user=staff)
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Give the monthly schedule (cumulative % by the end of each month) or choose a template."
    ]
    assert not AnnualPlan.objects.exists()


def test_plan_form_with_some_months_only_is_refused(staff, project):
    form = AnnualPlanForm(data=plan_form_data(project, m1="10", m12="100"), user=staff)
    assert not form.is_valid()
    assert "Give the cumulative share of every month, or none to use a template." in form.non_field_errors()


def test_plan_form_refuses_a_template_of_another_agency(agency, staff, project):
    ScheduleTemplateFactory(agency=agency, is_default=True)
    theirs = ScheduleTemplateFactory(agency=AgencyFactory())

    # Not even offered to the agency's staff …
    form = AnnualPlanForm(data=plan_form_data(project, template=str(theirs.pk)), user=staff)
    assert not form.is_valid()
    assert "template" in form.errors

    # … and refused by name to a superuser, who is offered every template.
    admin = UserFactory(organization=agency, role=Role.ADMIN, is_superuser=True)
    form = AnnualPlanForm(data=plan_form_data(project, template=str(theirs.pk)), user=admin)
    assert not form.is_valid()
    assert form.errors["template"] == ["The template belongs to another agency."]
    assert not ScheduleMonth.objects.exists()


def test_plan_above_the_approved_investment_needs_the_override(project):
    plan = AnnualPlan(project=project, year=2025, amount=Decimal("600000000"))
    assert "amount" in errors_of(plan)
    plan.over_approved = True
    plan.full_clean()
    plan = AnnualPlan(project=project, year=2025, amount=Decimal("1000"), funds_available=Decimal("600000000"))
    assert "funds_available" in errors_of(plan)


def test_a_project_has_one_plan_a_year(plan):
    assert "__all__" in errors_of(AnnualPlan(project=plan.project, year=2025, amount=Decimal("1")))


# ---- monthly actuals ----------------------------------------------------------------------------


def new_actual(project, month: datetime.date, amount: str = "1000000", **fields) -> MonthlyActual:
    return MonthlyActual(project=project, month=month, amount=Decimal(amount), **fields)


def test_an_actual_finds_its_plan_and_is_stored_on_the_first_of_the_month(plan):
    report = new_actual(plan.project, D(2025, 3, 17))
    report.full_clean()
    assert (report.plan, report.month) == (plan, D(2025, 3, 1))


def test_a_confirmed_actual_can_no_longer_change(plan):
    report = actual(plan, 3, "1000000")
    report.amount = Decimal("2000000")
    assert errors_of(report)["amount"] == ["This month's figure is confirmed and can no longer change."]


def test_a_draft_actual_can_change(plan):
    report = actual(plan, 3, "1000000", status=ActualStatus.DRAFT)
    report.amount = Decimal("2000000")
    report.full_clean()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ActualStatus.CONFIRMED, "2025-03 is already confirmed for this project."),
        (ActualStatus.SUBMITTED, "2025-03 is already reported for this project; change that report."),
        (ActualStatus.DRAFT, "2025-03 is already reported for this project; change that report."),
    ],
)
def test_a_second_report_for_a_month_is_refused(plan, status, message):
    actual(plan, 3, "1000000", status=status)
    assert errors_of(new_actual(plan.project, D(2025, 3, 20)))["month"] == [message]


def test_an_actual_for_a_year_without_plan_names_the_year(plan):
    assert errors_of(new_actual(plan.project, D(2024, 12, 1)))["month"] == [
        "The project has no investment plan for 2024; enter the plan first."
    ]


def test_an_actual_for_a_month_not_begun_is_refused(plan):
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    assert errors_of(new_actual(plan.project, next_month))["month"] == [
        "Investment cannot be reported for a month that has not begun."
    ]
    new_actual(plan.project, D(2025, 12, 1)).full_clean()


def test_an_actual_cannot_be_negative(plan):
    assert "amount" in errors_of(new_actual(plan.project, D(2025, 3, 1), "-1"))


def test_an_actual_above_the_approved_investment_needs_the_override(plan):
    assert (
        "more than the project's approved total investment"
        in (errors_of(new_actual(plan.project, D(2025, 3, 1), "500000000.01"))["amount"][0])
    )
    new_actual(plan.project, D(2025, 3, 1), "500000000.01", over_approved=True).full_clean()
    new_actual(plan.project, D(2025, 3, 1), "500000000").full_clean()


def test_an_absurd_actual_is_refused_even_with_the_override(plan):
    errors = errors_of(new_actual(plan.project, D(2025, 3, 1), "100000000000.01", over_approved=True))
    assert "amounts are in 元" in errors["amount"][0]


# ---- adjustments --------------------------------------------------------------------------------


def new_adjustment(plan, direction=AdjustmentDirection.INCREASE, amount="1000000", on=None):
    on = on or D(2025, 5, 1)
    return PlanAdjustment(plan=plan, direction=direction, amount=Decimal(amount), reason="调整", requested_on=on)


def test_an_adjustment_is_dated_in_its_plans_year(plan):
    new_adjustment(plan).full_clean()
    assert errors_of(new_adjustment(plan, on=D(2026, 1, 2)))["requested_on"] == [
        "An adjustment of the 2025 plan is dated in 2025."
    ]


def test_an_adjustment_is_a_positive_amount_no_larger_than_the_plan_when_decreasing(plan):
    assert "amount" in errors_of(new_adjustment(plan, amount="0"))
    new_adjustment(plan, AdjustmentDirection.DECREASE, "100000000").full_clean()
    assert errors_of(new_adjustment(plan, AdjustmentDirection.DECREASE, "100000000.01"))["amount"] == [
        "The decrease is larger than the adjusted plan of 1.00 hundred-million yuan."
    ]


def test_a_decided_adjustment_can_no_longer_change(plan):
    for status in (AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED):
        adjustment = new_adjustment(plan)
        adjustment.status = status
        adjustment.save()
        adjustment.amount = Decimal("2000000")
        assert "A decided adjustment can no longer change." in errors_of(adjustment)["amount"]
    pending = new_adjustment(plan)
    pending.save()
    pending.amount = Decimal("2000000")
    pending.full_clean()


# ---- payments -----------------------------------------------------------------------------------


def new_payment(project, **fields) -> Payment:
    values = {"paid_on": D(2025, 6, 30), "amount": Decimal("1000000"), **fields}
    return Payment(project=project, **values)


def test_a_payment_to_a_company(project):
    new_payment(project, payee=CompanyFactory()).full_clean()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (lambda: {"paid_on": timezone.localdate() + datetime.timedelta(days=1)}, "paid_on"),
        (lambda: {"amount": Decimal("0")}, "amount"),
        (lambda: {"amount": Decimal("-5")}, "amount"),
        (lambda: {"amount": Decimal("600000000")}, "amount"),  # above the approved 5 亿 without the override
        (lambda: {"payee": AgencyFactory()}, "payee"),
    ],
)
def test_a_payment_is_refused(project, fields, field):
    assert field in errors_of(new_payment(project, **fields()))


def test_payment_messages(project):
    errors = errors_of(
        new_payment(project, paid_on=timezone.localdate() + datetime.timedelta(days=1), payee=AgencyFactory())
    )
    assert errors["paid_on"] == ["A payment cannot be dated in the future."]
    assert errors["payee"] == ["The payee is a company taking part in the project."]
    assert errors_of(new_payment(project, amount=Decimal("0")))["amount"] == ["A payment is more than zero."]


# ---- scoping ------------------------------------------------------------------------------------


@pytest.fixture
def world():
    """A regulator above a city agency above two district agencies, each with a plan, an actual, a payment."""
    regulator = RegulatorFactory(name="市住建局")
    city = AgencyFactory(name="市建筑工务署", parent=regulator)
    east = AgencyFactory(name="东区工务署", parent=city)
    west = AgencyFactory(name="西区工务署", parent=city)
    outside = AgencyFactory(name="外市工务署")
    contractor, other_contractor = CompanyFactory(), CompanyFactory()
    records = {}
    for agency in (city, east, west, outside):
        plan = AnnualPlanFactory(project=ProjectFactory(agency=agency), year=2025)
        records[agency.pk] = {
            "plan": plan,
            "actual": actual(plan, 3, "1000"),
            "payment": payment(plan, D(2025, 3, 5), "500", payee=contractor if agency != west else other_contractor),
            "adjustment": PlanAdjustment.objects.create(
                plan=plan,
                direction=AdjustmentDirection.INCREASE,
                amount=Decimal("1"),
                reason="x",
                requested_on=D(2025, 5, 1),
            ),
        }
    return {
        "regulator": regulator,
        "city": city,
        "east": east,
        "west": west,
        "outside": outside,
        "contractor": contractor,
        "records": records,
    }


def visible(model, user, action=Action.VIEW) -> set[int]:
    """The agencies whose `model` records the user reaches."""
    path = {
        AnnualPlan: "project__agency",
        MonthlyActual: "project__agency",
        Payment: "project__agency",
        PlanAdjustment: "plan__project__agency",
        ScheduleMonth: "plan__project__agency",
    }[model]
    return set(model.objects.for_user(user, action).values_list(path, flat=True))


RECORD_MODELS = (AnnualPlan, MonthlyActual, Payment, PlanAdjustment, ScheduleMonth)


def test_a_district_user_sees_only_its_own_records(world):
    user = UserFactory(organization=world["east"], role=Role.STAFF)
    for model in RECORD_MODELS:
        assert visible(model, user) == {world["east"].pk}, model
    assert visible(AnnualPlan, user, Action.CHANGE) == {world["east"].pk}


def test_a_city_user_reads_its_districts_but_changes_only_its_own(world):
    city, east, west = world["city"].pk, world["east"].pk, world["west"].pk
    user = UserFactory(organization=world["city"], role=Role.STAFF)
    for model in RECORD_MODELS:
        assert visible(model, user) == {city, east, west}, model
        assert visible(model, user, Action.EXPORT) == {city, east, west}, model
    for model in (AnnualPlan, MonthlyActual, Payment, PlanAdjustment):
        assert visible(model, user, Action.CHANGE) == {city}, model
    for model in (AnnualPlan, Payment):  # confirmed actuals and decided adjustments are never deleted
        assert visible(model, user, Action.DELETE) == {city}, model


def test_a_city_department_member_reads_the_districts_too(world):
    member = UserFactory(organization=DepartmentFactory(parent=world["city"]), role=Role.DIRECTOR)
    assert visible(AnnualPlan, member) == {world["city"].pk, world["east"].pk, world["west"].pk}
    assert visible(AnnualPlan, member, Action.CHANGE) == {world["city"].pk}


def test_a_company_sees_the_payments_it_received_only(world):
    user = UserFactory(organization=world["contractor"], role=Role.COMPANY)
    received = set(Payment.objects.for_user(user).values_list("pk", flat=True))
    expected = {r["payment"].pk for pk, r in world["records"].items() if pk != world["west"].pk}
    assert received == expected
    assert not Payment.objects.for_user(user, Action.CHANGE).exists()
    for model in (AnnualPlan, MonthlyActual, PlanAdjustment, ScheduleMonth):
        assert not model.objects.for_user(user).exists(), model


def test_a_regulator_sees_every_agency_below_it(world):
    user = UserFactory(organization=world["regulator"], role=Role.REGULATOR)
    below = {world["city"].pk, world["east"].pk, world["west"].pk}
    for model in RECORD_MODELS:
        assert visible(model, user) == below, model
        assert not model.objects.for_user(user, Action.CHANGE).exists(), model


def test_schedule_rows_are_never_changed_directly(world):
    user = UserFactory(organization=world["city"], role=Role.ADMIN, is_superuser=True)
    assert not ScheduleMonth.objects.for_user(user, Action.CHANGE).exists()
    assert ScheduleMonth.objects.for_user(user).count() == 4 * 12


def test_validate_shares_refuses_nan():
    with pytest.raises(ValidationError):
        validate_shares(["NaN"] * 11 + ["100"])


def delete_refused(obj, actor) -> bool:
    """Whether deleting `obj` the way the delete page and the API do is refused."""
    try:
        core_services.delete_object(instance=obj, actor=actor)
    except (PermissionDenied, ProtectedError, ValidationError):
        return True
    return False


def test_a_draft_actual_and_a_pending_adjustment_can_be_deleted(plan, staff):
    assert not delete_refused(actual(plan, 3, "1000", status=ActualStatus.DRAFT), staff)
    pending = new_adjustment(plan)
    pending.save()
    assert not delete_refused(pending, staff)
    assert not PlanAdjustment.objects.exists()


def test_a_confirmed_actual_cannot_be_deleted(plan, staff):
    confirmed = actual(plan, 3, "1000")
    assert delete_refused(confirmed, staff)
    assert MonthlyActual.objects.filter(pk=confirmed.pk).exists()


def test_deleting_an_approved_adjustment_keeps_the_adjusted_plan_consistent(plan, staff):
    adjustment = new_adjustment(plan, amount="20000000")
    adjustment.save()
    services.decide_adjustment(adjustment, staff, approve=True, on=D(2025, 6, 1))

    delete_refused(adjustment, staff)

    fresh = AnnualPlan.objects.get(pk=plan.pk)
    approved = sum(
        (a.signed_amount for a in PlanAdjustment.objects.filter(plan=plan, status=AdjustmentStatus.APPROVED)),
        Decimal(0),
    )
    assert fresh.adjusted_amount == fresh.amount + approved
