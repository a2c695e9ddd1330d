"""The generic suite (pages, Excel ledger, denial) for the investment models, from data.

Plans, actuals and payments have ledgers (ImportExportTests); adjustments, templates and settings are
entered on pages only. The API suite (testing.APITests) reuses these data classes in test_api.py.
Plans and actuals of 2025 are used throughout, so no month is in the future whatever the date.
"""

from __future__ import annotations

import datetime
import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, Role, User
from gongwu.core.testing import AgencyFactory, CompanyFactory, english_client, stored
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AnnualPlan,
    FundingSource,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentKind,
    PaymentRateBase,
    PlanAdjustment,
    ScheduleTemplate,
)
from gongwu.investment.testing import TEMPLATE_SHARES, AnnualPlanFactory, ScheduleTemplateFactory, actual
from gongwu.investment.views import (
    AnnualPlanViews,
    InvestmentSettingsViews,
    MonthlyActualViews,
    PaymentViews,
    PlanAdjustmentViews,
    ScheduleTemplateViews,
)
from gongwu.projects.models import PlanCategory
from gongwu.projects.testing import ProjectFactory

numbers = itertools.count(1)
YEAR = 2025
APPROVED = Decimal("300000000.00")  # 3 亿元 approved total investment of every project made here


def months(shares: list[Decimal] | None = None) -> dict[str, str]:
    return {f"m{m}": str(share) for m, share in enumerate(shares or TEMPLATE_SHARES, start=1)}


def project(agency: Organization, **fields: Any) -> Any:
    return ProjectFactory(agency=agency, approved_investment=APPROVED, **fields)


def planned_project(agency: Organization, year: int = YEAR) -> Any:
    return AnnualPlanFactory(project=project(agency), year=year).project


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


class ScopedFormData(testing.ModelTestData):
    """Forms that offer only the projects (or plans) the user may change need the user to be valid."""

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)


# ---- annual plans -------------------------------------------------------------------------------


class AnnualPlanData(ScopedFormData):
    viewset = AnnualPlanViews
    url_prefix = "/investment/plans/"
    natural_key = "note"
    edited_field = "note"

    def make_object(self, agency: Organization) -> AnnualPlan:
        return AnnualPlanFactory(
            project=project(agency),
            year=YEAR,
            funding_source=FundingSource.SPECIAL_BOND,
            note=f"专项债计划{next(numbers)}号",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": project(agency).pk,
            "year": YEAR,
            "plan_category": PlanCategory.NEW_START,
            "funding_source": FundingSource.SPECIAL_BOND,
            "amount": "120000000.00",
            "funds_available": "100000000.00",
            "note": f"鼓楼区{YEAR}年投资计划{next(numbers)}",
            **months(),
        }

    def edit_data(self, obj: AnnualPlan) -> dict:
        return {
            "project": obj.project_id,
            "year": obj.year,
            "plan_category": obj.plan_category,
            "funding_source": obj.funding_source,
            "amount": str(obj.amount),
            "funds_available": "",
            "note": f"{obj.note}（调整）",
            **months(obj.share_values()),
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        # 4 亿元 planned for a project approved at 3 亿元, without ticking the override.
        data = {**self.form_data(agency), "amount": "400000000.00"}
        return data, "amount", "approved total investment of 3.00 hundred-million yuan"

    def filter_case(self, obj: AnnualPlan, agency: Organization) -> tuple[dict, AnnualPlan]:
        other = AnnualPlanFactory(project=project(agency), year=YEAR, funding_source=FundingSource.CITY_FISCAL)
        return {"funding_source": FundingSource.SPECIAL_BOND}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"JH-{n:04d}"
        project(agency, code=code)
        shares = {f"m{m}": float(share) for m, share in enumerate(TEMPLATE_SHARES, start=1)}
        return {
            "project": code,
            "year": YEAR,
            "funding_source": "Special-purpose bonds",
            "amount": 50000000,
            "note": f"导入计划{n}号",
            **shares,
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "amount": -5000}, "The amount cannot be negative."


class TestAnnualPlanPages(AnnualPlanData, testing.ObjectViewTests):
    def test_list_search_finds_the_object_and_leaves_others_out(self, world: Any, obj: AnnualPlan) -> None:
        # The plan list searches the project's name and code, not the note.
        other = self.make_object(world.agency)
        response = english_client(world.actor).get(self.url(), {"q": obj.project.code}, HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert self.shown(obj, content)
        assert not self.shown(other, content)

    def test_the_override_lets_a_plan_above_the_approved_investment_be_saved(self, world: Any) -> None:
        data, _field, _message = self.invalid_form_data(world.agency)
        response = english_client(world.actor).post(self.url("add/"), {**data, "over_approved": "on"})
        assert response.status_code == 302, response.content.decode()[:2000]
        plan = self.created(data)
        assert (plan.amount, plan.adjusted_amount) == (Decimal("400000000.00"), Decimal("400000000.00"))

    def test_a_schedule_that_decreases_is_refused_and_nothing_is_saved(self, world: Any) -> None:
        shares = list(TEMPLATE_SHARES)
        shares[4] = Decimal("10")  # May below April's 15%
        data = {**self.form_data(world.agency), **months(shares)}
        count = AnnualPlan.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "Month 5: the cumulative share" in response.content.decode()
        assert AnnualPlan.objects.count() == count

    def test_the_schedule_error_writes_round_percentages_as_people_do(self, world: Any) -> None:
        shares = list(TEMPLATE_SHARES)
        shares[4] = Decimal("10")  # May below April's 15%
        data = {**self.form_data(world.agency), **months(shares)}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert "Month 5: the cumulative share 10% is below the month before (15%)." in response.content.decode()

    def test_a_second_plan_for_the_same_project_and_year_is_refused(self, world: Any, obj: AnnualPlan) -> None:
        data = {**self.form_data(world.agency), "project": obj.project_id}
        log = ChangeLogEntry.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert AnnualPlan.objects.filter(project=obj.project).count() == 1
        assert ChangeLogEntry.objects.count() == log

    def test_the_plan_is_saved_with_the_monthly_schedule_it_was_given(self, world: Any) -> None:
        data = self.form_data(world.agency)
        english_client(world.actor).post(self.url("add/"), data)
        assert self.created(data).share_values() == TEMPLATE_SHARES


class TestAnnualPlanLedger(AnnualPlanData, testing.ImportExportTests):
    pass


# ---- monthly actuals ----------------------------------------------------------------------------


class MonthlyActualData(ScopedFormData):
    viewset = MonthlyActualViews
    url_prefix = "/investment/actuals/"
    natural_key = "note"
    edited_field = "note"

    def make_object(self, agency: Organization) -> MonthlyActual:
        plan = AnnualPlanFactory(project=project(agency), year=YEAR)
        return MonthlyActual.objects.create(
            project=plan.project,
            plan=plan,
            month=datetime.date(YEAR, 4, 1),
            amount=Decimal("6000000.00"),
            note=f"四月完成{next(numbers)}号",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": planned_project(agency).pk,
            "month": f"{YEAR}-03",
            "amount": "8000000.00",
            "note": f"三月完成投资{next(numbers)}",
        }

    def edit_data(self, obj: MonthlyActual) -> dict:
        return {
            "project": obj.project_id,
            "month": f"{obj.month:%Y-%m}",
            "amount": str(obj.amount),
            "note": f"{obj.note}（更正）",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        # A month of a year the project has no plan for (the plan is of 2025).
        data = {**self.form_data(agency), "month": f"{YEAR - 1}-11"}
        return data, "month", f"The project has no investment plan for {YEAR - 1}; enter the plan first."

    def filter_case(self, obj: MonthlyActual, agency: Organization) -> tuple[dict, MonthlyActual]:
        other = self.make_object(agency)
        MonthlyActual.objects.filter(pk=other.pk).update(status=ActualStatus.SUBMITTED)
        return {"status": ActualStatus.DRAFT}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"SJ-{n:04d}"
        AnnualPlanFactory(project=project(agency, code=code), year=YEAR)
        return {"project": code, "month": f"{YEAR}-03", "amount": 1000000, "note": f"导入完成{n}号"}

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "amount": -1000}, "The amount cannot be negative."


# urls.py lists "actuals/<int:pk>/<str:step>/" (the review steps, POST only) before the generic pages, so
OUTSIDER_CASES = [
    pytest.param(method, suffix)
    for method, suffix in [("get", ""), ("get", "edit/"), ("post", "edit/"), ("get", "delete/"), ("post", "delete/")]
]


class TestMonthlyActualPages(MonthlyActualData, testing.ObjectViewTests):
    def test_edit_form_saves_the_change_and_logs_before_and_after(self, world: Any, obj: MonthlyActual) -> None:
        super().test_edit_form_saves_the_change_and_logs_before_and_after(world, obj)

    def test_invalid_edit_leaves_the_object_as_it_was(self, world: Any, obj: MonthlyActual) -> None:
        super().test_invalid_edit_leaves_the_object_as_it_was(world, obj)

    def test_delete_removes_the_object_and_logs_it(self, world: Any, obj: MonthlyActual) -> None:
        super().test_delete_removes_the_object_and_logs_it(world, obj)

    @pytest.mark.parametrize("who", ["outsider", "company_user"])
    @pytest.mark.parametrize(("method", "suffix"), OUTSIDER_CASES)
    def test_user_outside_the_agency_cannot_open_change_or_delete_the_object(
        self, world: Any, obj: MonthlyActual, who: str, method: str, suffix: str
    ) -> None:
        super().test_user_outside_the_agency_cannot_open_change_or_delete_the_object(world, obj, who, method, suffix)

    def test_the_review_step_does_not_redirect_off_the_site(self, world: Any, obj: MonthlyActual) -> None:
        response = english_client(world.actor).post(
            f"/investment/actuals/{obj.pk}/submit/", {"next": "https://phishing.example/login"}
        )
        assert response.status_code == 302
        assert not response["Location"].startswith("https://phishing.example")

    def test_a_month_already_confirmed_is_refused_and_nothing_changes(self, world: Any) -> None:
        plan = AnnualPlanFactory(project=project(world.agency), year=YEAR)
        confirmed = actual(plan, 3, "7000000")
        before = stored(confirmed)
        data = {"project": plan.project_id, "month": f"{YEAR}-03", "amount": "9000000.00", "note": "重复上报"}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "month" in response.context["form"].errors
        assert f"{YEAR}-03 is already confirmed for this project." in response.content.decode()
        assert MonthlyActual.objects.filter(project=plan.project).count() == 1
        assert stored(confirmed) == before

    def test_moving_a_draft_onto_a_confirmed_month_is_refused(self, world: Any, obj: MonthlyActual) -> None:
        actual(obj.plan, 3, "7000000")
        before = stored(obj)
        response = english_client(world.actor).post(
            self.url(f"{obj.pk}/edit/"), {**self.edit_data(obj), "month": f"{YEAR}-03"}
        )
        assert response.status_code == 422
        assert f"{YEAR}-03 is already confirmed for this project." in response.content.decode()
        assert stored(obj) == before

    def test_a_confirmed_figure_cannot_be_edited(self, world: Any, obj: MonthlyActual) -> None:
        MonthlyActual.objects.filter(pk=obj.pk).update(status=ActualStatus.CONFIRMED)
        before = stored(obj)
        data = {**self.edit_data(obj), "amount": "1.00"}
        response = english_client(world.actor).post(self.url(f"{obj.pk}/edit/"), data)
        assert response.status_code == 422
        assert "This month&#x27;s figure is confirmed and can no longer change." in response.content.decode()
        assert stored(obj) == before

    def test_a_negative_amount_is_refused(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "amount": "-5.00"}
        count = MonthlyActual.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "amount" in response.context["form"].errors
        assert MonthlyActual.objects.count() == count

    def test_a_new_actual_is_a_draft_linked_to_its_year_plan(self, world: Any) -> None:
        data = self.form_data(world.agency)
        english_client(world.actor).post(self.url("add/"), data)
        created = self.created(data)
        assert (created.status, created.month, created.plan.year) == (
            ActualStatus.DRAFT,
            datetime.date(YEAR, 3, 1),
            YEAR,
        )


class TestMonthlyActualLedger(MonthlyActualData, testing.ImportExportTests):
    pass


# ---- plan adjustments ---------------------------------------------------------------------------


class PlanAdjustmentData(ScopedFormData):
    viewset = PlanAdjustmentViews
    url_prefix = "/investment/adjustments/"
    natural_key = "document_number"
    edited_field = "document_number"

    def make_object(self, agency: Organization) -> PlanAdjustment:
        return PlanAdjustment.objects.create(
            plan=AnnualPlanFactory(project=project(agency), year=YEAR),
            direction=AdjustmentDirection.INCREASE,
            amount=Decimal("5000000.00"),
            reason="征拆提前完成, 加快施工",
            requested_on=datetime.date(YEAR, 6, 1),
            document_number=f"鼓发改投资〔{YEAR}〕{next(numbers)}号",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "plan": AnnualPlanFactory(project=project(agency), year=YEAR).pk,
            "direction": AdjustmentDirection.INCREASE,
            "amount": "9110000.00",
            "reason": "年中调整: 主体结构提前封顶",
            "requested_on": f"{YEAR}-07-01",
            "document_number": f"鼓发改投资〔{YEAR}〕{next(numbers) + 1000}号",
        }

    def edit_data(self, obj: PlanAdjustment) -> dict:
        return {
            "plan": obj.plan_id,
            "direction": obj.direction,
            "amount": str(obj.amount),
            "reason": obj.reason,
            "requested_on": obj.requested_on.isoformat(),
            "document_number": f"{obj.document_number}（更正）",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        # A decrease of 2 亿元 from a plan of 1 亿元.
        data = {**self.form_data(agency), "direction": AdjustmentDirection.DECREASE, "amount": "200000000.00"}
        return data, "amount", "The decrease is larger than the adjusted plan of 1.00 hundred-million yuan."

    def filter_case(self, obj: PlanAdjustment, agency: Organization) -> tuple[dict, PlanAdjustment]:
        other = self.make_object(agency)
        PlanAdjustment.objects.filter(pk=other.pk).update(direction=AdjustmentDirection.DECREASE)
        return {"direction": AdjustmentDirection.INCREASE}, other


class TestPlanAdjustmentPages(PlanAdjustmentData, testing.ObjectViewTests):
    def test_an_adjustment_dated_outside_its_plan_year_is_refused(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "requested_on": f"{YEAR + 1}-01-05"}
        count = PlanAdjustment.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert f"An adjustment of the {YEAR} plan is dated in {YEAR}." in response.content.decode()
        assert PlanAdjustment.objects.count() == count

    def test_a_new_adjustment_awaits_approval_and_leaves_the_plan_as_it_was(self, world: Any) -> None:
        data = self.form_data(world.agency)
        english_client(world.actor).post(self.url("add/"), data)
        adjustment = self.created(data)
        assert adjustment.get_status_display() == "Awaiting approval"
        assert adjustment.plan.adjusted_amount == adjustment.plan.amount


# ---- payments -----------------------------------------------------------------------------------


class PaymentData(ScopedFormData):
    viewset = PaymentViews
    url_prefix = "/investment/payments/"
    natural_key = "voucher_number"
    edited_field = "voucher_number"

    def payee(self) -> Organization:
        # Not world.company: that company's user must not see the payments in the denial tests.
        return Organization.objects.filter(name="榕城路桥工程有限公司").first() or CompanyFactory(
            name="榕城路桥工程有限公司"
        )

    def make_object(self, agency: Organization) -> Payment:
        return Payment.objects.create(
            project=planned_project(agency),
            paid_on=datetime.date(YEAR, 5, 10),
            amount=Decimal("2500000.00"),
            kind=PaymentKind.ADVANCE,
            payee=self.payee(),
            voucher_number=f"记-{YEAR}-{next(numbers):04d}",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": planned_project(agency).pk,
            "paid_on": f"{YEAR}-06-30",
            "amount": "3500000.00",
            "kind": PaymentKind.PROGRESS,
            "payee": self.payee().pk,
            "contract_number": "GL-SG-2025-01",
            "voucher_number": f"记-{YEAR}-06-{next(numbers):04d}",
            "note": "",
        }

    def edit_data(self, obj: Payment) -> dict:
        return {
            "project": obj.project_id,
            "paid_on": obj.paid_on.isoformat(),
            "amount": str(obj.amount),
            "kind": obj.kind,
            "payee": obj.payee_id or "",
            "contract_number": obj.contract_number,
            "voucher_number": f"{obj.voucher_number}-更正",
            "note": obj.note,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "amount": "-3500000.00"}, "amount", "The amount cannot be negative."

    def filter_case(self, obj: Payment, agency: Organization) -> tuple[dict, Payment]:
        other = self.make_object(agency)
        Payment.objects.filter(pk=other.pk).update(kind=PaymentKind.SETTLEMENT)
        return {"kind": PaymentKind.ADVANCE}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"ZF-{n:04d}"
        AnnualPlanFactory(project=project(agency, code=code), year=YEAR)
        return {
            "project": code,
            "paid_on": datetime.date(YEAR, 6, 30),
            "amount": 1200000,
            "kind": "Progress payment (进度款)",
            "payee": self.payee().name,
            "voucher_number": f"记-{YEAR}-导入-{n:04d}",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "amount": -1200000}, "The amount cannot be negative."


class TestPaymentPages(PaymentData, testing.ObjectViewTests):
    def test_a_payment_dated_in_the_future_is_refused(self, world: Any) -> None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=2)
        data = {**self.form_data(world.agency), "paid_on": tomorrow.isoformat()}
        count = Payment.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "A payment cannot be dated in the future." in response.content.decode()
        assert Payment.objects.count() == count

    def test_the_payee_sees_its_own_payment(self, world: Any, obj: Payment) -> None:
        payee_user = testing.UserFactory(organization=obj.payee, role=Role.COMPANY)
        response = english_client(payee_user).get(self.url())
        assert self.shown(obj, response.content.decode())


class TestPaymentLedger(PaymentData, testing.ImportExportTests):
    pass


# ---- schedule templates -------------------------------------------------------------------------


class ScheduleTemplateData(testing.ModelTestData):
    viewset = ScheduleTemplateViews
    url_prefix = "/investment/templates/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> ScheduleTemplate:
        return ScheduleTemplateFactory(agency=agency, name=f"标准时序{next(numbers)}号")

    def form_data(self, agency: Organization) -> dict:
        return {"agency": agency.pk, "name": f"{YEAR}年重点项目时序", "is_default": "", **months()}

    def edit_data(self, obj: ScheduleTemplate) -> dict:
        return {
            "agency": obj.agency_id,
            "name": f"{obj.name}（修订）",
            "is_default": "on" if obj.is_default else "",
            **months(obj.share_values()),
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        shares = list(TEMPLATE_SHARES)
        shares[3] = Decimal("7")  # April below March's 8%
        data = {**self.form_data(agency), **months(shares)}
        return data, "__all__", "Month 4: the cumulative share 7% is below the month before (8%)."

    def filter_case(self, obj: ScheduleTemplate, agency: Organization) -> tuple[dict, ScheduleTemplate]:
        district = AgencyFactory(parent=agency)  # read by its city agency, so listed without the filter
        return {"agency": agency.pk}, ScheduleTemplateFactory(agency=district)


class TestScheduleTemplatePages(ScheduleTemplateData, testing.ObjectViewTests):
    def test_a_second_default_template_is_refused(self, world: Any) -> None:
        ScheduleTemplateFactory(agency=world.agency, is_default=True)
        data = {**self.form_data(world.agency), "is_default": "on"}
        count = ScheduleTemplate.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "The agency already has a default template." in response.content.decode()
        assert ScheduleTemplate.objects.count() == count

    def test_a_schedule_not_reaching_100_by_december_is_refused(self, world: Any) -> None:
        shares = [*TEMPLATE_SHARES[:11], Decimal("98")]
        data = {**self.form_data(world.agency), **months(shares)}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "By December the cumulative share must reach 100%." in response.content.decode()
        assert not ScheduleTemplate.objects.exists()


# ---- investment settings ------------------------------------------------------------------------


class InvestmentSettingsData(testing.ModelTestData):
    viewset = InvestmentSettingsViews
    url_prefix = "/investment/settings/"
    natural_key = "attention_below"
    edited_field = "attention_below"
    actor_role = Role.LEADER  # settings are the leaders' and administrators'; staff read them

    def make_object(self, agency: Organization) -> InvestmentSettings:
        """The agency's own settings; once they exist, a district's below it (one settings row per agency)."""
        if InvestmentSettings.objects.filter(agency=agency).exists():
            agency = AgencyFactory(parent=agency)
        return InvestmentSettings.objects.create(agency=agency, attention_below=90, supervision_below=75)

    def created(self, data: dict[str, Any]) -> InvestmentSettings:
        return InvestmentSettings.objects.get(agency_id=data["agency"])

    def form_data(self, agency: Organization) -> dict:
        return {
            "agency": agency.pk,
            "attention_below": 85,
            "supervision_below": 70,
            "payment_rate_base": PaymentRateBase.PLAN,
        }

    def edit_data(self, obj: InvestmentSettings) -> dict:
        return {
            "agency": obj.agency_id,
            "attention_below": 88,
            "supervision_below": obj.supervision_below,
            "payment_rate_base": obj.payment_rate_base,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "attention_below": 70, "supervision_below": 80}
        return data, "supervision_below", "The 督办滞后 threshold must be below the 提请关注 threshold."

    def filter_case(self, obj: InvestmentSettings, agency: Organization) -> tuple[dict, InvestmentSettings]:
        return {"q": agency.name}, self.make_object(agency)

    # Nobody but a superuser deletes an agency's settings (SETTINGS_ROLE_ACTIONS): see the test below.
    test_delete_removes_the_object_and_logs_it = None


class TestInvestmentSettingsPages(InvestmentSettingsData, testing.ObjectViewTests):
    def test_list_search_finds_the_object_and_leaves_others_out(self, world: Any, obj: InvestmentSettings) -> None:
        other = self.make_object(world.agency)
        response = english_client(world.actor).get(self.url(), {"q": "鼓楼区"}, HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert self.shown(obj, content)
        assert not self.shown(other, content)

    def test_a_leader_may_not_delete_the_settings(self, world: Any, obj: InvestmentSettings) -> None:
        before = stored(obj)
        response = english_client(world.actor).post(self.url(f"{obj.pk}/delete/"))
        assert response.status_code == 403
        assert stored(obj) == before

    @pytest.mark.parametrize("role", [Role.STAFF, Role.DIRECTOR])
    def test_staff_read_the_settings_but_may_not_change_them(
        self, world: Any, obj: InvestmentSettings, role: str
    ) -> None:
        reader = testing.UserFactory(organization=world.agency, role=role)
        client = english_client(reader)
        assert client.get(self.url(f"{obj.pk}/")).status_code == 200
        before = stored(obj)
        response = client.post(self.url(f"{obj.pk}/edit/"), self.edit_data(obj))
        assert response.status_code in (403, 404)
        assert stored(obj) == before

    def test_a_second_settings_row_for_the_agency_is_refused(self, world: Any, obj: InvestmentSettings) -> None:
        response = english_client(world.actor).post(self.url("add/"), self.form_data(world.agency))
        assert response.status_code == 422
        assert InvestmentSettings.objects.filter(agency=world.agency).count() == 1
        assert stored(obj)["attention_below"] == 90

    def test_the_detail_page_shows_the_thresholds_and_the_payment_base(self, world: Any) -> None:
        settings = InvestmentSettings.objects.create(
            agency=world.agency, attention_below=85, supervision_below=65, payment_rate_base=PaymentRateBase.PLAN
        )
        content = english_client(world.actor).get(self.url(f"{settings.pk}/")).content.decode()
        values = re.findall(r'<dd class="col-7 col-md-9">([^<]*)</dd>', content)
        assert values == ["85", "65", "annual investment plan"]
