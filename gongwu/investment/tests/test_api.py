"""The investment API as a client sees it: the generic CRUD suite per endpoint, plans with their schedule,
the review of monthly actuals, adjustment decisions, the dashboard figures against `figures.dashboard`,
and scoping (another agency, a company, a city agency over its districts).

Plans and actuals of 2025 are used, so no month is in the future whatever the date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import ChangeAction, ChangeLogEntry, Organization, Role, User
from gongwu.core.testing import AgencyFactory, CompanyFactory, DepartmentFactory, UserFactory, api_client, stored
from gongwu.investment import figures
from gongwu.investment.forms import ScheduleTemplateForm
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    FundingSource,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleTemplate,
)
from gongwu.investment.testing import TEMPLATE_SHARES, AnnualPlanFactory, ScheduleTemplateFactory, actual, payment
from gongwu.investment.tests.test_generic_pages import (
    APPROVED,
    YEAR,
    AnnualPlanData,
    InvestmentSettingsData,
    MonthlyActualData,
    PaymentData,
    PlanAdjustmentData,
    ScheduleTemplateData,
    months,
)
from gongwu.projects.models import Category, PlanCategory
from gongwu.projects.testing import ProjectFactory

JSON = "application/json"
YI = Decimal("100000000")


def api_keys(data: dict[str, Any], *foreign_keys: str) -> dict[str, Any]:
    """Form data as an API payload: foreign keys as `<name>_id`, check boxes as booleans."""
    payload = {k: v for k, v in data.items() if k not in foreign_keys}
    payload.update({f"{k}_id": data[k] or None for k in foreign_keys if k in data})
    return {
        k: (v == "on" if v in ("on", "") and k in ("is_default", "over_approved") else v) for k, v in payload.items()
    }


def shares(values: list[Decimal]) -> list[str]:
    return [f"{v:.2f}" for v in values]


# ---- the generic suite per endpoint -------------------------------------------------------------


class TestAnnualPlanAPI(AnnualPlanData, testing.APITests):
    api_prefix = "/api/investment-plans/"

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "project")

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        return api_keys(data, "project")

    def test_api_list_and_retrieve_return_the_object(self, world: Any, obj: AnnualPlan) -> None:
        # The plan list searches the project's code and name, as the page does.
        self.make_object(world.agency)
        client = api_client(world.actor)
        listed = client.get(self.api_url(), {"q": obj.project.code})
        assert [r["id"] for r in listed.json()["results"]] == [obj.pk]
        retrieved = client.get(self.api_url(f"{obj.pk}/")).json()
        assert (retrieved["note"], retrieved["schedule"]) == (obj.note, shares(TEMPLATE_SHARES))


class TestMonthlyActualAPI(MonthlyActualData, testing.APITests):
    api_prefix = "/api/monthly-actuals/"

    def api_payload(self, agency: Organization) -> dict:
        return {**api_keys(self.form_data(agency), "project"), "month": f"{YEAR}-03-01"}

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "month": f"{YEAR - 1}-11-01"}


class TestPlanAdjustmentAPI(PlanAdjustmentData, testing.APITests):
    api_prefix = "/api/plan-adjustments/"

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "plan")

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        return api_keys(data, "plan")


class TestPaymentAPI(PaymentData, testing.APITests):
    api_prefix = "/api/payments/"

    def test_api_list_writes_amounts_dates_and_ids_as_the_schema_does(self, world: testing.World, obj) -> None:
        listed = api_client(world.actor).get(self.api_url(), {"limit": 1000}).json()
        [row] = [r for r in listed["results"] if r["id"] == obj.pk]
        assert row == {
            "id": obj.pk,
            "project_id": obj.project_id,
            "paid_on": f"{YEAR}-05-10",
            "amount": "2500000.00",
            "kind": "advance",
            "payee_id": obj.payee_id,
            "contract_number": "",
            "contract_id": None,
            "claim_id": None,
            "voucher_number": obj.voucher_number,
            "over_approved": False,
            "note": "",
        }

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "project", "payee")

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        return api_keys(data, "project", "payee")


class TestScheduleTemplateAPI(ScheduleTemplateData, testing.APITests):
    api_prefix = "/api/schedule-templates/"

    def test_a_bad_schedule_on_an_existing_template_answers_422(self, world: Any, obj: Any) -> None:
        before = stored(obj)
        response = api_client(world.actor).patch(self.api_url(f"{obj.pk}/"), {"m4": "7"}, content_type=JSON)
        assert response.status_code == 422
        assert [row["msg"] for row in response.json()["detail"]] == [
            "Month 4: the cumulative share 7% is below the month before (8%)."
        ]
        assert stored(obj) == before

    def test_a_new_template_without_its_months_answers_422_and_saves_nothing(self, world: Any) -> None:
        count = ScheduleTemplate.objects.count()
        response = api_client(world.actor).post(
            self.api_url(), {"agency_id": world.agency.pk, "name": "无月份"}, content_type=JSON
        )
        assert response.status_code == 422
        assert {tuple(row["loc"]) for row in response.json()["detail"]} == {
            ("body", "payload", f"m{month}") for month in range(1, 13)
        }
        assert ScheduleTemplate.objects.count() == count

    def test_a_template_form_without_its_months_shows_each_missing_month(self, world: Any) -> None:
        form = ScheduleTemplateForm(data={"agency": world.agency.pk, "name": "无月份"}, user=world.actor)
        assert not form.is_valid()
        assert sorted(form.errors) == sorted(f"m{month}" for month in range(1, 13))

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "agency")

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        return api_keys(data, "agency")


class TestInvestmentSettingsAPI(InvestmentSettingsData, testing.APITests):
    api_prefix = "/api/investment-settings/"

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "agency")

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        return api_keys(data, "agency")

    def created(self, data: dict[str, Any]) -> InvestmentSettings:
        return InvestmentSettings.objects.get(agency_id=data["agency_id"])

    def test_api_list_and_retrieve_return_the_object(self, world: Any, obj: InvestmentSettings) -> None:
        other = self.make_object(world.agency)  # the district's, read by its city agency
        client = api_client(world.actor)
        listed = client.get(self.api_url(), {"q": "鼓楼区"})
        assert [r["id"] for r in listed.json()["results"]] == [obj.pk]
        assert other.pk in [r["id"] for r in client.get(self.api_url()).json()["results"]]
        assert client.get(self.api_url(f"{obj.pk}/")).json() == {
            "id": obj.pk,
            "agency_id": world.agency.pk,
            "attention_below": 90,
            "supervision_below": 75,
            "payment_rate_base": "funds",
        }

    # Nobody but a superuser deletes an agency's settings.
    test_api_delete_removes_the_object = None

    # Every field of the settings' input is optional, and django-ninja then takes a JSON array for an empty
    # object: `[1, 2]` creates the agency's settings with the defaults (201) instead of answering 400/422.
    def test_staff_read_the_settings_but_cannot_change_them(self, world: Any, obj: InvestmentSettings) -> None:
        staff = UserFactory(organization=world.agency, role=Role.STAFF)
        client = api_client(staff)
        before = stored(obj)
        assert client.get(self.api_url(f"{obj.pk}/")).status_code == 200
        assert client.patch(self.api_url(f"{obj.pk}/"), {"attention_below": 80}, content_type=JSON).status_code == 403
        assert client.delete(self.api_url(f"{obj.pk}/")).status_code == 403
        assert stored(obj) == before


# ---- explicit cases -----------------------------------------------------------------------------


@dataclass
class World:
    city: Organization
    agency: Organization  # a district below the city
    other_agency: Organization
    company: Organization
    other_company: Organization
    staff: User
    colleague: User  # another member of the planning department
    leader: User
    director: User  # the project team
    city_staff: User
    outsider: User
    company_user: User


@pytest.fixture
def w(db: Any) -> World:
    city = AgencyFactory(name="福州市建设工务署")
    agency = AgencyFactory(name="鼓楼区建设工务署", parent=city)
    other_agency = AgencyFactory(name="仓山区建设工务署")
    department = DepartmentFactory(name="计划财务处", parent=agency)
    company = CompanyFactory(name="闽江建设工程有限公司")
    return World(
        city=city,
        agency=agency,
        other_agency=other_agency,
        company=company,
        other_company=CompanyFactory(name="榕城建设集团有限公司"),
        staff=UserFactory(organization=department, role=Role.STAFF, display_name="林科长"),
        colleague=UserFactory(organization=department, role=Role.STAFF, display_name="郑科员"),
        leader=UserFactory(organization=agency, role=Role.LEADER, display_name="张署长"),
        director=UserFactory(organization=agency, role=Role.DIRECTOR, display_name="陈指挥"),
        city_staff=UserFactory(organization=city, role=Role.STAFF),
        outsider=UserFactory(organization=other_agency, role=Role.STAFF),
        company_user=UserFactory(organization=company, role=Role.COMPANY),
    )


def project(agency: Organization, **fields: Any) -> Any:
    fields.setdefault("approved_investment", APPROVED)
    return ProjectFactory(agency=agency, **fields)


def messages(response: Any) -> list[str]:
    return [row["msg"] for row in response.json()["detail"]]


def plan_payload(project_id: int, **fields: Any) -> dict[str, Any]:
    return {"project_id": project_id, "year": YEAR, "amount": "120000000.00", **fields}


# ---- plans --------------------------------------------------------------------------------------


def test_a_plan_is_created_with_its_own_schedule(w):
    own = [Decimal(v) for v in ("0", "0", "10", "20", "30", "50", "60", "70", "80", "90", "95", "100")]
    response = api_client(w.staff).post(
        "/api/investment-plans/", plan_payload(project(w.agency).pk, **months(own)), content_type=JSON
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["adjusted_amount"], body["schedule"]) == ("120000000.00", "120000000.00", shares(own))
    assert AnnualPlan.objects.get(pk=body["id"]).share_values() == own


def test_a_plan_is_created_with_a_template_schedule(w):
    template = ScheduleTemplateFactory(agency=w.agency, name="标准时序")
    response = api_client(w.staff).post(
        "/api/investment-plans/", plan_payload(project(w.agency).pk, template=template.pk), content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert response.json()["schedule"] == shares(TEMPLATE_SHARES)


def test_a_plan_without_schedule_or_template_is_refused_when_the_agency_has_no_default(w):
    response = api_client(w.staff).post("/api/investment-plans/", plan_payload(project(w.agency).pk), content_type=JSON)
    assert response.status_code == 422
    assert messages(response) == [
        "Give the monthly schedule (cumulative % by the end of each month) or choose a template."
    ]
    assert not AnnualPlan.objects.exists()


def test_another_agencys_template_is_refused(w):
    template = ScheduleTemplateFactory(agency=w.other_agency)
    response = api_client(w.staff).post(
        "/api/investment-plans/", plan_payload(project(w.agency).pk, template=template.pk), content_type=JSON
    )
    assert response.status_code == 422
    assert not AnnualPlan.objects.exists()


def test_a_plan_above_the_approved_investment_needs_the_override(w):
    client = api_client(w.staff)
    payload = plan_payload(project(w.agency).pk, amount="400000000.00", **months())
    refused = client.post("/api/investment-plans/", payload, content_type=JSON)
    assert refused.status_code == 422
    assert messages(refused) == [
        "4.00 hundred-million yuan is more than the project's approved total investment of 3.00 hundred-million "
        "yuan. Check the unit (元), or tick “above the approved investment” to confirm it."
    ]
    assert not AnnualPlan.objects.exists()
    accepted = client.post("/api/investment-plans/", {**payload, "over_approved": True}, content_type=JSON)
    assert accepted.status_code == 201, accepted.content
    assert (accepted.json()["amount"], accepted.json()["over_approved"]) == ("400000000.00", True)


def test_patching_a_plans_months_replaces_its_schedule_and_leaves_the_rest(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR, note="年度计划")
    changed = [*TEMPLATE_SHARES[:5], Decimal("50"), *TEMPLATE_SHARES[6:]]
    response = api_client(w.staff).patch(f"/api/investment-plans/{plan.pk}/", {"m6": "50"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert (response.json()["schedule"], response.json()["note"]) == (shares(changed), "年度计划")
    assert plan.share_values() == changed


def test_a_plans_figures_at_a_month(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR, amount=Decimal("100000000.00"))
    actual(plan, 3, "10000000")
    actual(plan, 5, "20000000")
    actual(plan, 6, "2000000", status=ActualStatus.SUBMITTED)
    payment(plan, datetime.date(YEAR, 4, 2), "15000000")
    client = api_client(w.staff)
    response = client.get(f"/api/investment-plans/{plan.pk}/figures/", {"month": 6})
    assert response.status_code == 200
    # June: 45% of 1 亿 scheduled; 0.3 亿 confirmed = 66.66% of it, below 75%: 督办滞后.
    assert response.json() == {
        "plan_id": plan.pk,
        "project_id": plan.project_id,
        "year": YEAR,
        "month": 6,
        "plan": "100000000.00",
        "funds": "100000000.00",
        "scheduled": "45000000.00",
        "actual": "30000000.00",
        "actual_month": "0.00",
        "unconfirmed": "2000000.00",
        "paid": "15000000.00",
        "gap": "15000000.00",
        "percent_of_plan": "30.00",
        "percent_of_schedule": "66.66",
        "lag": "supervision",
        "lag_label": "Seriously behind (督办滞后)",
    }
    [row] = figures.plan_rows(AnnualPlan.objects.filter(pk=plan.pk), YEAR, 6)
    assert response.json()["percent_of_schedule"] == str(row.percent_of_schedule)
    assert client.get(f"/api/investment-plans/{plan.pk}/figures/").json()["month"] == 12  # a past year
    bad = client.get(f"/api/investment-plans/{plan.pk}/figures/", {"month": 13})
    assert (bad.status_code, messages(bad)) == (422, ["The month must be a number from 1 to 12."])


# ---- monthly actuals and their review -----------------------------------------------------------


def test_an_actual_for_a_project_without_a_plan_is_refused_and_nothing_is_created(w):
    unplanned = project(w.agency)
    log = ChangeLogEntry.objects.count()
    response = api_client(w.staff).post(
        "/api/monthly-actuals/",
        {"project_id": unplanned.pk, "month": f"{YEAR}-03-01", "amount": "1000000.00"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert messages(response) == [f"The project has no investment plan for {YEAR}; enter the plan first."]
    assert not MonthlyActual.objects.exists()
    assert ChangeLogEntry.objects.count() == log


def test_a_report_is_submitted_and_confirmed_by_the_planning_department(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    director = api_client(w.director)
    created = director.post(
        "/api/monthly-actuals/",
        {"project_id": plan.project_id, "month": f"{YEAR}-03-18", "amount": "8000000.00"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["month"], body["status"], body["plan_id"]) == (f"{YEAR}-03-01", "draft", plan.pk)
    pk = body["id"]

    submitted = director.post(f"/api/monthly-actuals/{pk}/submit/", content_type=JSON)
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["status"], submitted.json()["submitted_by_id"]) == ("submitted", w.director.pk)

    before = stored(MonthlyActual.objects.get(pk=pk))
    refused = director.post(f"/api/monthly-actuals/{pk}/confirm/", content_type=JSON)
    assert refused.status_code == 403  # the project team does not confirm
    assert stored(MonthlyActual.objects.get(pk=pk)) == before

    confirmed = api_client(w.staff).post(f"/api/monthly-actuals/{pk}/confirm/", content_type=JSON)
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["reviewed_by_id"]) == ("confirmed", w.staff.pk)
    log = ChangeLogEntry.objects.filter(content_type__model="monthlyactual", object_id=str(pk)).order_by("id")
    assert [(e.action, e.actor, (e.after or {}).get("status")) for e in log] == [
        (ChangeAction.CREATE, w.director, "draft"),
        (ChangeAction.UPDATE, w.director, "submitted"),
        (ChangeAction.UPDATE, w.staff, "confirmed"),
    ]
    again = api_client(w.leader).post(f"/api/monthly-actuals/{pk}/confirm/", content_type=JSON)
    assert (again.status_code, messages(again)) == (422, ["The report is Confirmed; this step does not apply."])


def test_a_report_is_returned_only_with_a_reason(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    report = actual(plan, 4, "6000000", status=ActualStatus.SUBMITTED)
    MonthlyActual.objects.filter(pk=report.pk).update(submitted_by=w.director)
    client = api_client(w.staff)
    before = stored(report)
    for body in ({}, {"reason": "  "}):
        missing = client.post(f"/api/monthly-actuals/{report.pk}/return/", body, content_type=JSON)
        assert (missing.status_code, messages(missing)) == (422, ["Say why the report is returned."])
    assert stored(report) == before
    returned = client.post(
        f"/api/monthly-actuals/{report.pk}/return/", {"reason": "与监理月报不符, 请核实"}, content_type=JSON
    )
    assert returned.status_code == 200, returned.content
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "与监理月报不符, 请核实")
    resubmitted = api_client(w.director).post(f"/api/monthly-actuals/{report.pk}/submit/", content_type=JSON)
    assert (resubmitted.json()["status"], resubmitted.json()["return_reason"]) == ("submitted", "")


def test_the_submitter_cannot_confirm_or_return_their_own_report(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    client = api_client(w.staff)
    created = client.post(
        "/api/monthly-actuals/",
        {"project_id": plan.project_id, "month": f"{YEAR}-05-01", "amount": "5000000.00"},
        content_type=JSON,
    )
    pk = created.json()["id"]
    assert client.post(f"/api/monthly-actuals/{pk}/submit/", content_type=JSON).status_code == 200
    before = stored(MonthlyActual.objects.get(pk=pk))
    refused = client.post(f"/api/monthly-actuals/{pk}/confirm/", content_type=JSON)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "The planning department confirms a report, not the person who submitted it."}
    assert client.post(f"/api/monthly-actuals/{pk}/return/", {"reason": "x"}, content_type=JSON).status_code == 403
    assert stored(MonthlyActual.objects.get(pk=pk)) == before
    confirmed = api_client(w.colleague).post(f"/api/monthly-actuals/{pk}/confirm/", content_type=JSON)
    assert confirmed.json()["status"] == "confirmed"


def test_a_confirmed_actual_cannot_be_patched_or_deleted(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    confirmed = actual(plan, 3, "7000000")
    before = stored(confirmed)
    client = api_client(w.staff)
    response = client.patch(f"/api/monthly-actuals/{confirmed.pk}/", {"amount": "1.00"}, content_type=JSON)
    assert response.status_code == 422
    assert messages(response) == ["This month's figure is confirmed and can no longer change."]
    assert stored(confirmed) == before


def test_a_second_actual_for_a_confirmed_month_is_refused(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    confirmed = actual(plan, 3, "7000000")
    response = api_client(w.staff).post(
        "/api/monthly-actuals/",
        {"project_id": plan.project_id, "month": f"{YEAR}-03-31", "amount": "9000000.00"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert messages(response) == [f"{YEAR}-03 is already confirmed for this project."]
    assert list(MonthlyActual.objects.values_list("pk", flat=True)) == [confirmed.pk]


def test_a_step_on_another_agencys_report_answers_404(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    report = actual(plan, 3, "7000000", status=ActualStatus.DRAFT)
    before = stored(report)
    response = api_client(w.outsider).post(f"/api/monthly-actuals/{report.pk}/submit/", content_type=JSON)
    assert response.status_code == 404
    assert stored(report) == before


# ---- adjustments --------------------------------------------------------------------------------


def adjustment(plan: AnnualPlan, direction: str, amount: str, on: datetime.date) -> PlanAdjustment:
    return PlanAdjustment.objects.create(
        plan=plan, direction=direction, amount=Decimal(amount), reason="年中调整", requested_on=on
    )


def test_approving_an_adjustment_changes_the_plans_adjusted_amount(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR, amount=Decimal("100000000.00"))
    increase = adjustment(plan, AdjustmentDirection.INCREASE, "9110000.00", datetime.date(YEAR, 7, 1))
    client = api_client(w.leader)
    response = client.post(
        f"/api/plan-adjustments/{increase.pk}/approve/", {"decided_on": f"{YEAR}-07-15"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decided_on"], body["decided_by_id"]) == ("approved", f"{YEAR}-07-15", w.leader.pk)
    plan_json = client.get(f"/api/investment-plans/{plan.pk}/").json()
    assert (plan_json["amount"], plan_json["adjusted_amount"]) == ("100000000.00", "109110000.00")

    again = client.post(
        f"/api/plan-adjustments/{increase.pk}/reject/", {"decided_on": f"{YEAR}-07-16"}, content_type=JSON
    )
    assert (again.status_code, messages(again)) == (422, ["The adjustment is already Approved."])


def test_rejecting_an_adjustment_leaves_the_plan_and_a_decision_needs_the_plan_year(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR, amount=Decimal("100000000.00"))
    decrease = adjustment(plan, AdjustmentDirection.DECREASE, "3610000.00", datetime.date(YEAR, 9, 1))
    client = api_client(w.staff)
    late = client.post(
        f"/api/plan-adjustments/{decrease.pk}/reject/", {"decided_on": f"{YEAR + 1}-01-05"}, content_type=JSON
    )
    assert (late.status_code, messages(late)) == (422, [f"An adjustment of the {YEAR} plan is decided in {YEAR}."])
    rejected = client.post(
        f"/api/plan-adjustments/{decrease.pk}/reject/", {"decided_on": f"{YEAR}-09-10"}, content_type=JSON
    )
    assert rejected.json()["status"] == "rejected"
    plan.refresh_from_db()
    assert plan.adjusted_amount == Decimal("100000000.00")


def test_a_decision_without_a_body_is_dated_today(w):
    today = timezone.localdate()
    plan = AnnualPlanFactory(project=project(w.agency), year=today.year, amount=Decimal("100000000.00"))
    decrease = adjustment(plan, AdjustmentDirection.DECREASE, "3610000.00", today)
    response = api_client(w.leader).post(f"/api/plan-adjustments/{decrease.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["decided_on"] == today.isoformat()
    plan.refresh_from_db()
    assert plan.adjusted_amount == Decimal("96390000.00")


def test_a_decision_body_that_is_not_an_object_or_not_a_date_answers_422(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    increase = adjustment(plan, AdjustmentDirection.INCREASE, "1000000.00", datetime.date(YEAR, 7, 1))
    before = stored(increase)
    client = api_client(w.leader)
    url = f"/api/plan-adjustments/{increase.pk}/approve/"
    for body in ("[1]", '{"decided_on": "soon"}', "{nope"):
        response = client.post(url, body, content_type=JSON)
        assert response.status_code in (400, 422), body
    assert stored(increase) == before


def test_the_project_team_cannot_decide_an_adjustment(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    increase = adjustment(plan, AdjustmentDirection.INCREASE, "1000000.00", datetime.date(YEAR, 7, 1))
    before = stored(increase)
    response = api_client(w.director).post(
        f"/api/plan-adjustments/{increase.pk}/approve/", {"decided_on": f"{YEAR}-07-15"}, content_type=JSON
    )
    assert response.status_code == 403
    assert stored(increase) == before


# ---- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def seed(w):
    """The seed sentences as data: 84.15 亿 planned, 89.6 亿 completed (+6.47%), 87.97 亿 paid of 109.57 亿 of
    funds (80.28%), a year earlier 81.06 亿 (+10.53%); one project 提请关注, one 督办滞后."""
    school = AnnualPlanFactory(
        project=project(w.agency, code="GL-01", category=Category.SCHOOL, area="东街", approved_investment=None),
        year=YEAR,
        amount=50 * YI,
        funds_available=60 * YI,
        funding_source=FundingSource.SPECIAL_BOND,
        plan_category=PlanCategory.CONTINUING,
    )
    road = AnnualPlanFactory(
        project=project(w.agency, code="GL-02", category=Category.ROAD, area="西湖", approved_investment=None),
        year=YEAR,
        amount=30 * YI,
        funds_available=40 * YI,
        plan_category=PlanCategory.NEW_START,
    )
    park = AnnualPlanFactory(
        project=project(w.agency, code="GL-03", category=Category.ROAD, area="", approved_investment=None),
        year=YEAR,
        amount=Decimal("4.15") * YI,
        funds_available=Decimal("9.57") * YI,
    )
    actual(school, 3, 20 * YI)
    actual(school, 6, Decimal("43.6") * YI)
    actual(road, 6, 26 * YI)
    actual(park, 11, Decimal("0.5") * YI, status=ActualStatus.SUBMITTED)
    payment(school, datetime.date(YEAR, 5, 1), 50 * YI)
    payment(road, datetime.date(YEAR, 8, 1), 30 * YI)
    payment(park, datetime.date(YEAR, 12, 1), Decimal("7.97") * YI)
    before = AnnualPlanFactory(project=school.project, year=YEAR - 1, amount=90 * YI)
    actual(before, 12, Decimal("81.06") * YI)
    for plan, direction, amount in (
        (school, AdjustmentDirection.INCREASE, "6.11"),
        (road, AdjustmentDirection.INCREASE, "3"),
        (park, AdjustmentDirection.DECREASE, "3.61"),
    ):
        decided = adjustment(plan, direction, str(Decimal(amount) * YI), datetime.date(YEAR, 5, 1))
        PlanAdjustment.objects.filter(pk=decided.pk).update(
            status=AdjustmentStatus.APPROVED, decided_on=datetime.date(YEAR, 5, 20)
        )
    foreign = AnnualPlanFactory(project=project(w.other_agency), year=YEAR, amount=10 * YI)
    actual(foreign, 6, 10 * YI)
    return {"school": school, "road": road, "park": park}


def totals_as_json(totals: figures.Totals) -> dict[str, Any]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "projects": totals.projects,
        **{
            name: text(getattr(totals, name))
            for name in (
                "plan",
                "funds",
                "scheduled",
                "actual",
                "actual_month",
                "unconfirmed",
                "paid",
                "payment_base",
                "percent_of_plan",
                "percent_of_schedule",
                "over_schedule",
                "over_plan",
                "payment_rate",
            )
        },
        "payment_base_kind": totals.base,
        "lags": dict(totals.lags),
        "lagging": totals.lagging,
    }


def test_the_dashboard_tells_the_seed_sentences(w, seed):
    response = api_client(w.staff).get("/api/investment/dashboard/", {"year": YEAR, "month": 12})
    assert response.status_code == 200, response.content
    body = response.json()
    totals = body["totals"]
    assert (body["agency_id"], body["agency_ids"], body["year"], body["month"]) == (
        w.agency.pk,
        [w.agency.pk],
        YEAR,
        12,
    )
    assert (totals["plan"], totals["actual"], totals["percent_of_plan"], totals["over_plan"]) == (
        "8415000000.00",
        "8960000000.00",
        "106.47",
        "6.47",
    )
    assert (totals["paid"], totals["payment_base_kind"], totals["payment_base"], totals["payment_rate"]) == (
        "8797000000.00",
        "funds",
        "10957000000.00",
        "80.28",
    )
    assert (body["previous_year_actual"], body["year_on_year"]) == ("8106000000.00", "10.53")
    assert totals["lags"] == {"on_schedule": 1, "attention": 1, "supervision": 1}
    assert body["adjustments"] == {
        "increased": "911000000.00",
        "increased_projects": 2,
        "decreased": "361000000.00",
        "decreased_projects": 1,
        "net": "550000000.00",
    }
    assert [(r["code"], r["gap"]) for r in body["lagging"]["supervision"]] == [("GL-03", "415000000.00")]
    assert [(r["code"], r["gap"], r["percent_of_schedule"]) for r in body["lagging"]["attention"]] == [
        ("GL-02", "400000000.00", "86.66")
    ]


def test_the_dashboard_figures_agree_with_the_services(w, seed):
    body = api_client(w.staff).get("/api/investment/dashboard/", {"year": YEAR, "month": 6}).json()
    data = figures.dashboard([w.agency.pk], YEAR, 6)
    assert body["totals"] == totals_as_json(data.totals)
    assert body["curves"] == {
        "plan": [str(v) for v in data.curves["plan"]],
        "schedule": [str(v) for v in data.curves["schedule"]],
        "actual": [str(v) for v in data.curves["actual"][:6]],
        "paid": [str(v) for v in data.curves["paid"][:6]],
    }
    assert body["curves"]["actual"][-1] == body["totals"]["actual"] == "8960000000.00"
    assert body["unconfirmed_months"] == [
        {
            "month": entry["month"].isoformat(),
            "reported": entry["reported"],
            "missing": entry["missing"],
            "by_status": entry["by_status"],
            "amount": str(entry["amount"]),
        }
        for entry in data.unconfirmed
    ]
    assert len(body["unconfirmed_months"]) == 6  # no month up to June has a report for each of the 3 plans
    breakdowns = body["breakdowns"]
    assert {r["key"]: r["plan"] for r in breakdowns["by_category_group"]} == {
        "building": "5000000000.00",
        "municipal": "3415000000.00",
    }
    assert [(r["key"], r["label"], r["filters"]) for r in breakdowns["by_area"]] == [
        ("东街", "东街", {"year": str(YEAR), "as_of": "6", "agency": str(w.agency.pk), "area": "东街"}),
        ("西湖", "西湖", {"year": str(YEAR), "as_of": "6", "agency": str(w.agency.pk), "area": "西湖"}),
        ("", "No area", {"year": str(YEAR), "as_of": "6", "agency": str(w.agency.pk), "area": "-"}),
    ]
    assert [(r["key"], r["projects"]) for r in breakdowns["by_funding_source"]] == [
        ("city_fiscal", 2),
        ("special_bond", 1),
    ]
    assert [(r["key"], r["label"]) for r in breakdowns["by_plan_category"]] == [
        ("continuing", "Continuing"),
        ("new_start", "New start"),
        ("", "Not set"),
    ]
    for name, groups in (
        ("by_category_group", data.by_category),
        ("by_area", data.by_area),
        ("by_funding_source", data.by_funding),
        ("by_department", data.by_department),
        ("by_director", data.by_director),
        ("by_plan_category", data.by_plan_category),
        ("by_agency", data.by_agency),
    ):
        rows = breakdowns[name]
        assert sum(Decimal(r["actual"]) for r in rows) == data.totals.actual, name
        assert sorted(r["projects"] for r in rows) == sorted(t.projects for t in groups.values()), name
        assert sorted(str(r["percent_of_schedule"]) for r in rows) == sorted(
            str(t.percent_of_schedule) for t in groups.values()
        ), name


def test_the_plans_behind_a_breakdown_row_are_listed_with_its_filters(w, seed):
    client = api_client(w.staff)
    body = client.get("/api/investment/dashboard/", {"year": YEAR, "month": 12}).json()
    [municipal] = [r for r in body["breakdowns"]["by_category_group"] if r["key"] == "municipal"]
    listed = client.get("/api/investment-plans/", {**municipal["filters"], "lag": "attention"}).json()
    assert [r["id"] for r in listed["results"]] == [seed["road"].pk]


def test_the_dashboard_answers_422_for_bad_input(w, seed):
    client = api_client(w.staff)
    for query, field in (
        ({"year": "twenty"}, "year"),
        ({"year": 1989}, "year"),
        ({"year": YEAR, "month": 13}, "month"),
        ({"agency": "some"}, "agency"),
        ({"from": f"{YEAR}-01-01", "to": f"{YEAR}-06-30"}, "from"),
    ):
        response = client.get("/api/investment/dashboard/", query)
        assert response.status_code == 422, query
        assert [row["loc"][-1] for row in response.json()["detail"]] == [field], query
    response = client.get("/api/investment/dashboard/", {"from": f"{YEAR}-01-01"})
    assert messages(response) == ["The dashboard's period is a year to the end of a month: give `year` and `month`."]
    response = client.get("/api/investment/dashboard/", {"agency": w.other_agency.pk})
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})  # as every figure endpoint


def test_a_city_agency_sees_its_districts_side_by_side(w, seed):
    client = api_client(w.city_staff)
    body = client.get("/api/investment/dashboard/", {"agency": w.city.pk, "year": YEAR, "month": 12}).json()
    assert body["totals"]["projects"] == 0  # the city has no plans of its own here
    assert [(r["key"], r["label"], r["actual"]) for r in body["side_by_side"]] == [
        (str(w.agency.pk), "鼓楼区建设工务署", "8960000000.00")
    ]
    everything = client.get("/api/investment/dashboard/", {"agency": "all", "year": YEAR, "month": 12}).json()
    assert (everything["agency_id"], everything["totals"]["plan"]) == (None, "8415000000.00")
    district = client.get("/api/investment/dashboard/", {"agency": w.agency.pk, "year": YEAR, "month": 12}).json()
    assert (district["totals"]["over_plan"], district["side_by_side"]) == ("6.47", None)


# ---- scoping ------------------------------------------------------------------------------------


def test_another_agencys_user_gets_404_on_a_plan_and_its_figures(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    before = stored(plan)
    client = api_client(w.outsider)
    assert client.get(f"/api/investment-plans/{plan.pk}/").status_code == 404
    assert client.get(f"/api/investment-plans/{plan.pk}/figures/").status_code == 404
    assert client.patch(f"/api/investment-plans/{plan.pk}/", {"note": "x"}, content_type=JSON).status_code == 404
    assert client.get("/api/investment-plans/", {"count": "true"}).json()["count"] == 0
    assert stored(plan) == before


def test_a_city_agency_reads_a_district_plan_but_cannot_change_it(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR, note="区级计划")
    before = stored(plan)
    client = api_client(w.city_staff)
    assert client.get(f"/api/investment-plans/{plan.pk}/").json()["note"] == "区级计划"
    assert [r["id"] for r in client.get("/api/investment-plans/").json()["results"]] == [plan.pk]
    assert client.get(f"/api/investment-plans/{plan.pk}/figures/", {"month": 6}).status_code == 200
    patched = client.patch(f"/api/investment-plans/{plan.pk}/", {"note": "市级改动"}, content_type=JSON)
    assert patched.status_code in (403, 404)
    assert client.delete(f"/api/investment-plans/{plan.pk}/").status_code in (403, 404)
    assert stored(plan) == before


def test_a_company_sees_only_the_payments_made_to_it(w):
    plan = AnnualPlanFactory(project=project(w.agency), year=YEAR)
    own = payment(plan, datetime.date(YEAR, 5, 1), "2500000", payee=w.company)
    payment(plan, datetime.date(YEAR, 5, 2), "3000000", payee=w.other_company)
    payment(plan, datetime.date(YEAR, 5, 3), "1000000")
    client = api_client(w.company_user)
    listed = client.get("/api/payments/")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [own.pk]
    others = Payment.objects.exclude(pk=own.pk)
    for other in others:
        assert client.get(f"/api/payments/{other.pk}/").status_code == 404
    before = stored(own)
    assert client.patch(f"/api/payments/{own.pk}/", {"note": "x"}, content_type=JSON).status_code == 403
    assert stored(own) == before
    assert client.get("/api/investment-plans/").status_code == 403  # plans are the agencies', not the companies'


# ---- the schema ---------------------------------------------------------------------------------


def test_the_openapi_schema_builds_and_lists_the_investment_endpoints(w):
    client = testing.english_client(w.staff)
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/investment-plans/{pk}/figures/",
        "/api/monthly-actuals/{pk}/confirm/",
        "/api/plan-adjustments/{pk}/approve/",
        "/api/investment/dashboard/",
        "/api/payments/",
        "/api/schedule-templates/",
        "/api/investment-settings/",
    ):
        assert path in paths, path


def test_the_api_without_a_token_is_refused(w):
    assert Client().get("/api/investment/dashboard/").status_code == 401


# ---- applying a schedule template ---------------------------------------------------------------


def test_a_template_gives_the_chosen_plans_its_schedule_and_refuses_others(w):
    flat = ["10", "20", "30", "40", "50", "60", "70", "80", "90", "95", "98", "100"]
    template = ScheduleTemplateFactory(agency=w.agency, name="均衡推进", shares=flat)
    mine = [AnnualPlanFactory(project=project(w.agency), year=YEAR) for _ in range(2)]
    theirs = AnnualPlanFactory(project=project(w.other_agency), year=YEAR)
    client = api_client(w.staff)
    url = f"/api/schedule-templates/{template.pk}/apply/"

    response = client.post(url, {"plans": [p.pk for p in mine]}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 2}
    for plan in mine:
        assert plan.share_values() == [Decimal(v) for v in flat]
    assert client.post(url, {"plans": [p.pk for p in mine]}, content_type=JSON).json() == {"changed": 0}

    before = theirs.share_values()
    refused = client.post(url, {"plans": [mine[0].pk, theirs.pk]}, content_type=JSON)
    assert refused.status_code == 422
    assert theirs.share_values() == before
    assert api_client(w.outsider).post(url, {"plans": [theirs.pk]}, content_type=JSON).status_code == 404
