"""The generic suites (pages, API, Excel ledger, denial) for the scheme library, plans, tenders and bids, from
data."""

from __future__ import annotations

import itertools
from typing import Any

from gongwu.core import testing
from gongwu.core.models import Organization, OrganizationKind, User
from gongwu.core.testing import CompanyFactory
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders.models import Bid, Method, PlanStatus, SchemeTemplate, SubjectKind, Tender, TenderPlan
from gongwu.tenders.testing import BidFactory, SchemeTemplateFactory, TenderFactory, TenderPlanFactory
from gongwu.tenders.views import BidViews, SchemeTemplateViews, TenderPlanViews, TenderViews

numbers = itertools.count(1)


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


class ScopedFormData(testing.ModelTestData):
    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)


# ---- the scheme library -------------------------------------------------------------------------------


class SchemeTemplateData(ScopedFormData):
    viewset = SchemeTemplateViews
    url_prefix = "/tenders/schemes/"
    api_prefix = "/api/tender-schemes/"

    def make_object(self, agency: Organization) -> SchemeTemplate:
        return SchemeTemplateFactory(agency=agency, name=f"施工总承包方案{next(numbers)}号")

    def form_data(self, agency: Organization) -> dict:
        return {
            "name": f"全过程咨询批量招标方案{next(numbers)}",
            "subject_kind": SubjectKind.CONSULTING,
            "method": Method.OPEN,
            "organisation": "batch",
            "evaluation_method": "综合评估法",
            "is_active": "on",
        }

    def edit_data(self, obj: SchemeTemplate) -> dict:
        return {
            "agency": obj.agency_id,
            "name": f"{obj.name}（修订）",
            "subject_kind": obj.subject_kind,
            "method": obj.method,
            "organisation": obj.organisation,
            "is_active": "on",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "subject_kind": "bridges"}, "subject_kind", "Select a valid choice"

    def filter_case(self, obj: SchemeTemplate, agency: Organization) -> tuple[dict, Any]:
        other = SchemeTemplateFactory(agency=agency, subject_kind=SubjectKind.DESIGN)
        return {"subject_kind": SubjectKind.WORKS}, other


class TestSchemeTemplatePages(SchemeTemplateData, testing.ObjectViewTests):
    pass


class TestSchemeTemplateAPI(SchemeTemplateData, testing.APITests):
    pass


# ---- tender plans ---------------------------------------------------------------------------------------


class TenderPlanData(ScopedFormData):
    viewset = TenderPlanViews
    url_prefix = "/tenders/plans/"
    api_prefix = "/api/tender-plans/"

    def make_object(self, agency: Organization) -> TenderPlan:
        plan = TenderPlanFactory(agency=agency, name=f"施工总承包招标方案{next(numbers)}号")
        plan.projects.add(plan.project)
        return plan

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "name": f"鼓楼区学校施工招标方案{next(numbers)}",
            "subject_kind": SubjectKind.WORKS,
            "method": Method.OPEN,
            "organisation": "single",
            "estimate": "52000000.00",
        }

    def edit_data(self, obj: TenderPlan) -> dict:
        return {
            "agency": obj.agency_id,
            "project": obj.project_id,
            "projects": [obj.project_id],
            "name": f"{obj.name}（调整）",
            "subject_kind": obj.subject_kind,
            "method": obj.method,
            "organisation": obj.organisation,
            "estimate": str(obj.estimate),
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "method": Method.DIRECT, "estimate": "4000000"}
        return data, "exemption", "reaches the tendering threshold of 400.00 ten-thousand yuan"

    def filter_case(self, obj: TenderPlan, agency: Organization) -> tuple[dict, Any]:
        other = TenderPlanFactory(agency=agency, subject_kind=SubjectKind.GOODS, estimate="1000000")
        return {"subject_kind": SubjectKind.WORKS}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"ZBFA-{n:04d}"
        ProjectFactory(agency=agency, code=code)
        return {
            "project": code,
            "name": f"导入招标方案{n}号",
            "subject_kind": "Works (施工)",
            "method": "Open tender (公开招标)",
            "organisation": "Single (单独招标)",
            "estimate": 12000000,
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        row = {**self.import_row(agency), "method": "Direct award (直接委托)", "estimate": 4000000}
        return row, "needs a legal ground"


class TestTenderPlanPages(TenderPlanData, testing.ObjectViewTests):
    pass


class TestTenderPlanAPI(TenderPlanData, testing.APITests):
    pass


class TestTenderPlanLedger(TenderPlanData, testing.ImportExportTests):
    pass


# ---- tenders --------------------------------------------------------------------------------------------


class TenderData(ScopedFormData):
    viewset = TenderViews
    url_prefix = "/tenders/list/"
    api_prefix = "/api/tenders/"
    natural_key = "number"

    def make_object(self, agency: Organization) -> Tender:
        plan = TenderPlanFactory(agency=agency, status=PlanStatus.TENDERING)
        return TenderFactory(plan=plan, number=f"GL-ZB-{next(numbers):04d}", name="鼓楼一中施工总承包")

    def form_data(self, agency: Organization) -> dict:
        plan = TenderPlanFactory(agency=agency, status=PlanStatus.APPROVED)
        return {
            "plan": plan.pk,
            "number": f"GL-ZB-{next(numbers):04d}",
            "name": "鼓楼二中施工总承包",
            "control_price": "49000000",
            "notice_on": "2026-10-20",
            "opening_on": "2026-11-20",
        }

    def edit_data(self, obj: Tender) -> dict:
        return {
            "agency": obj.agency_id,
            "plan": obj.plan_id,
            "number": f"{obj.number}-1",
            "name": obj.name,
            "subject_kind": obj.subject_kind,
            "method": obj.method,
        }

    edited_field = "number"

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "opening_on": "2026-10-19"}
        return data, "opening_on", "cannot come before notice (公告) (2026-10-20)"

    def filter_case(self, obj: Tender, agency: Organization) -> tuple[dict, Any]:
        plan = TenderPlanFactory(agency=agency, method=Method.INVITED)
        return {"method": Method.OPEN}, TenderFactory(plan=plan)

    def import_row(self, agency: Organization) -> dict:
        plan = TenderPlanFactory(agency=agency, status=PlanStatus.APPROVED)
        return {"number": f"DR-ZB-{next(numbers):04d}", "plan": plan.pk, "name": "导入的招标"}

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "notice_on": "2026-10-20", "opening_on": "2026-10-01"}, "cannot come before"


class TestTenderPages(TenderData, testing.ObjectViewTests):
    pass


class TestTenderAPI(TenderData, testing.APITests):
    pass


class TestTenderLedger(TenderData, testing.ImportExportTests):
    pass


# ---- bids -----------------------------------------------------------------------------------------------


class BidData(ScopedFormData):
    viewset = BidViews
    url_prefix = "/tenders/bids/"
    api_prefix = "/api/bids/"
    natural_key = "bidder"
    edited_field = "disqualified_reason"

    def created(self, data: dict[str, Any]) -> Bid:
        return Bid.objects.get(bidder=data.get("bidder", data.get("bidder_id")))

    def make_object(self, agency: Organization) -> Bid:
        tender = TenderFactory(plan=TenderPlanFactory(agency=agency))
        return BidFactory(tender=tender, bidder=CompanyFactory(kind=OrganizationKind.CONTRACTOR))

    def form_data(self, agency: Organization) -> dict:
        tender = TenderFactory(plan=TenderPlanFactory(agency=agency))
        return {
            "tender": tender.pk,
            "bidder": CompanyFactory(kind=OrganizationKind.CONTRACTOR).pk,
            "price": "47500000",
            "bond_amount": "800000",
            "bond_account": "6222 0202 0000 1234",
            "qualified": "on",
        }

    def edit_data(self, obj: Bid) -> dict:
        return {
            "tender": obj.tender_id,
            "bidder": obj.bidder_id,
            "price": str(obj.price),
            "qualified": "",
            "disqualified_reason": "资格审查不合格",
        }

    def api_patch(self, obj: Bid) -> dict:
        return {"qualified": False, "disqualified_reason": "资格审查不合格"}

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "qualified": ""}
        return data, "disqualified_reason", "Say why the bid is disqualified."

    def filter_case(self, obj: Bid, agency: Organization) -> tuple[dict, Any]:
        other = BidFactory(tender=obj.tender, qualified=False, disqualified_reason="未递交保证金")
        return {"qualified": "true"}, other


class TestBidPages(BidData, testing.ObjectViewTests):
    def test_create_form_saves_the_object_and_logs_who_and_which_request(self, world: Any) -> None:
        from gongwu.core.models import ChangeAction
        from gongwu.core.testing import english_client

        data = self.form_data(world.agency)
        response = english_client(world.actor).post(self.url("add/"), data, HTTP_X_REQUEST_ID="req00000create01")
        assert response.status_code == 302, response.content.decode()[:2000]
        bid = self.created(data)
        assert (bid.bond_account_last4, len(bid.bond_account_fingerprint)) == ("1234", 64)
        [entry] = self.entries(bid, ChangeAction.CREATE)
        assert (entry.actor, entry.source, entry.request_id) == (world.actor, "web", "req00000create01")
        assert entry.after["bidder_id"] == data["bidder"]
        assert entry.after["bond_account_last4"] == "1234"
        assert entry.after["bond_account_fingerprint"].startswith("[redacted:")
        assert "6222020200001234" not in str(entry.after) and "bond_account" not in {*entry.after} - {
            "bond_account_last4",
            "bond_account_fingerprint",
        }

    def test_detail_page_shows_fields_and_history(self, world: Any) -> None:
        from gongwu.core.testing import english_client
        from gongwu.tenders import services

        bid = services.save_bid(instance=self.new_instance(world.agency), actor=world.actor, data={})
        content = english_client(world.actor).get(self.url(f"{bid.pk}/")).content.decode()
        assert bid.bidder.name in content and 'id="history"' in content and "林处长" in content


class TestBidAPI(BidData, testing.APITests):
    def test_api_list_and_retrieve_return_the_object(self, world: Any, obj: Bid) -> None:
        client = testing.api_client(world.actor)
        listed = client.get(self.api_url(), {"q": obj.bidder.name, "count": "true"})
        assert [r["id"] for r in listed.json()["results"]] == [obj.pk]
        assert client.get(self.api_url(f"{obj.pk}/")).json()["bidder_id"] == obj.bidder_id
