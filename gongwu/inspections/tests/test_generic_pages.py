"""The generic suite (pages, Excel ledger, denial) for the inspections models, from data.

Inspections and findings have ledgers (ImportExportTests); hazardous works, accidents, checklists and
check items are entered on pages only; notices are issued from an inspection and only listed here.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, Role, User
from gongwu.core.testing import CompanyFactory, UserFactory, english_client, stored
from gongwu.inspections import services
from gongwu.inspections.models import (
    Accident,
    AccidentKind,
    CheckItem,
    ChecklistKind,
    ChecklistTemplate,
    Finding,
    FindingCategory,
    HazardKind,
    HazardousWork,
    HazardStatus,
    Inspection,
    InspectionKind,
    Level,
    RectificationNotice,
    Severity,
)
from gongwu.inspections.testing import FindingFactory, InspectionFactory, builtin_sheet
from gongwu.inspections.views import (
    AccidentViews,
    CheckItemViews,
    ChecklistTemplateViews,
    FindingViews,
    HazardousWorkViews,
    InspectionViews,
)
from gongwu.projects.testing import ProjectFactory

numbers = itertools.count(1)


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


def past(days: int = 2) -> datetime.datetime:
    """A moment some days ago, to the minute, in local time (as the form's datetime-local input sends it)."""
    return (timezone.localtime() - datetime.timedelta(days=days)).replace(second=0, microsecond=0)


class ScopedFormData(testing.ModelTestData):
    """Forms that offer only what the user may change need the user to be valid."""

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)


# ---- inspections --------------------------------------------------------------------------------


class InspectionData(ScopedFormData):
    viewset = InspectionViews
    url_prefix = "/inspections/inspections/"
    natural_key = "result"
    edited_field = "result"

    def make_object(self, agency: Organization) -> Inspection:
        return InspectionFactory(
            project=ProjectFactory(agency=agency),
            inspecting_org=agency,
            weather="晴",
            result=f"现场安全管理总体受控{next(numbers)}",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "kind": InspectionKind.SAFETY_ROUTINE,
            "level": Level.SUPERVISION,
            "inspecting_org": agency.pk,
            "started_at": past().strftime("%Y-%m-%dT%H:%M"),
            "weather": "多云",
            "result": f"发现隐患三处，已要求整改{next(numbers)}",
        }

    def edit_data(self, obj: Inspection) -> dict:
        return {
            "project": obj.project_id,
            "kind": obj.kind,
            "level": obj.level,
            "inspecting_org": obj.inspecting_org_id or "",
            "started_at": timezone.localtime(obj.started_at).strftime("%Y-%m-%dT%H:%M"),
            "weather": obj.weather,
            "result": f"{obj.result}（复核）",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "kind": InspectionKind.SPECIAL, "topic": ""}
        return data, "topic", "Say what the special inspection is about."

    def filter_case(self, obj: Inspection, agency: Organization) -> tuple[dict, Inspection]:
        other = InspectionFactory(project=ProjectFactory(agency=agency), kind=InspectionKind.QUALITY_PATROL)
        return {"kind": InspectionKind.SAFETY_ROUTINE}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"AJ-{n:04d}"
        ProjectFactory(agency=agency, code=code)
        return {
            "project": code,
            "kind": "Routine safety inspection (安全常态化巡查)",
            "level": "Supervision by the agency or a third party (督查)",
            "inspecting_org": agency.name,
            "started_at": past().replace(tzinfo=None),
            "weather": "晴",
            "result": f"导入检查{n}号",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "project": "NO-SUCH-CODE"}, "project code: no “NO-SUCH-CODE” found."


class TestInspectionPages(InspectionData, testing.ObjectViewTests):
    def test_a_special_inspection_with_its_topic_is_saved(self, world: Any) -> None:
        data, _field, _message = self.invalid_form_data(world.agency)
        response = english_client(world.actor).post(self.url("add/"), {**data, "topic": "deep_excavation"})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert self.created(data).topic == "deep_excavation"

    def test_an_inspection_ahead_of_time_is_refused(self, world: Any) -> None:
        later = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        data = {**self.form_data(world.agency), "started_at": later}
        count = Inspection.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "An inspection cannot be recorded ahead of time." in response.content.decode()
        assert Inspection.objects.count() == count


class TestInspectionLedger(InspectionData, testing.ImportExportTests):
    pass


# ---- findings -----------------------------------------------------------------------------------


def contractor() -> Organization:
    return CompanyFactory(kind="contractor")


class FindingData(ScopedFormData):
    viewset = FindingViews
    url_prefix = "/inspections/findings/"
    natural_key = "description"
    edited_field = "description"

    def make_object(self, agency: Organization) -> Finding:
        inspection = InspectionFactory(project=ProjectFactory(agency=agency), started_at=past(5))
        return FindingFactory(inspection=inspection, description=f"临边防护栏杆缺失{next(numbers)}处")

    def form_data(self, agency: Organization) -> dict:
        inspection = InspectionFactory(project=ProjectFactory(agency=agency), started_at=past(5))
        return {
            "inspection": inspection.pk,
            "category": FindingCategory.WORK_AT_HEIGHT,
            "severity": Severity.GENERAL,
            "description": f"楼层临边未设防护{next(numbers)}",
            "location": "3#楼5层",
            "responsible_org": contractor().pk,
            "regulation": "JGJ 80-2016 第4.1.1条",
            "deadline": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        }

    def edit_data(self, obj: Finding) -> dict:
        return {
            "inspection": obj.inspection_id,
            "category": obj.category,
            "severity": obj.severity,
            "description": f"{obj.description}（补充）",
            "location": obj.location,
            "responsible_org": obj.responsible_org_id,
            "regulation": obj.regulation,
            "deadline": obj.deadline.isoformat() if obj.deadline else "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = self.form_data(agency)
        inspection = Inspection.objects.get(pk=data["inspection"])
        before = timezone.localtime(inspection.started_at).date() - datetime.timedelta(days=1)
        return {**data, "deadline": before.isoformat()}, "deadline", "The deadline is before the finding."

    def filter_case(self, obj: Finding, agency: Organization) -> tuple[dict, Finding]:
        other = FindingFactory(
            inspection=InspectionFactory(project=ProjectFactory(agency=agency)), severity=Severity.MAJOR
        )
        return {"severity": Severity.GENERAL}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        code = f"ZG-{n:04d}"
        inspection = InspectionFactory(project=ProjectFactory(agency=agency, code=code), started_at=past(5))
        company = contractor()
        return {
            "project": code,
            "inspection": inspection.pk,
            "category": "Scaffolding",
            "severity": "General (一般)",
            "description": f"导入隐患{n}号：脚手架剪刀撑不连续",
            "location": "1#楼外架",
            "responsible_org": company.name,
            "regulation": "JGJ 130-2011",
            "deadline": datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=7), datetime.time()),
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "severity": "Catastrophic"}, "severity: “Catastrophic” is not one of"


class TestFindingPages(FindingData, testing.ObjectViewTests):
    def test_the_project_and_day_come_from_the_inspection(self, world: Any) -> None:
        data = self.form_data(world.agency)
        english_client(world.actor).post(self.url("add/"), data)
        finding = self.created(data)
        inspection = Inspection.objects.get(pk=data["inspection"])
        assert finding.project_id == inspection.project_id
        assert finding.found_on == timezone.localtime(inspection.started_at).date()

    def test_a_finding_for_a_company_the_user_cannot_pick_is_refused_and_nothing_saved(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "responsible_org": world.agency.pk}
        count, log = Finding.objects.count(), ChangeLogEntry.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "responsible_org" in response.context["form"].errors
        assert (Finding.objects.count(), ChangeLogEntry.objects.count()) == (count, log)

    def test_a_finding_for_a_non_company_says_why(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "responsible_org": world.agency.pk}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert "A finding is addressed to a company taking part in the project." in response.content.decode()

    def test_a_serious_finding_opens_its_case_at_once(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "severity": Severity.SERIOUS}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        from gongwu.alerts.models import Case

        finding = self.created(data)
        assert Case.objects.filter(agency=world.agency, responsible_org=finding.responsible_org).exists()


class TestFindingLedger(FindingData, testing.ImportExportTests):
    pass


# ---- hazardous works ----------------------------------------------------------------------------


class HazardousWorkData(ScopedFormData):
    viewset = HazardousWorkViews
    url_prefix = "/inspections/hazardous-works/"
    natural_key = "name"

    def make_object(self, agency: Organization) -> HazardousWork:
        return HazardousWork.objects.create(
            project=ProjectFactory(agency=agency),
            kind=HazardKind.DEEP_EXCAVATION,
            name=f"1#基坑开挖支护{next(numbers)}",
            starts_on=datetime.date(2026, 3, 1),
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "kind": HazardKind.FORMWORK,
            "name": f"报告厅高支模{next(numbers)}",
            "status": HazardStatus.PLANNED,
            "starts_on": "2026-05-01",
            "ends_on": "2026-06-30",
        }

    def edit_data(self, obj: HazardousWork) -> dict:
        return {
            "project": obj.project_id,
            "kind": obj.kind,
            "name": f"{obj.name}（二期）",
            "status": obj.status,
            "starts_on": obj.starts_on.isoformat() if obj.starts_on else "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "status": HazardStatus.UNDER_WAY}
        return data, "plan_approved_on", "Work under way needs its approved special plan"

    def filter_case(self, obj: HazardousWork, agency: Organization) -> tuple[dict, HazardousWork]:
        other = HazardousWork.objects.create(
            project=ProjectFactory(agency=agency), kind=HazardKind.LIFTING, name="塔吊安装"
        )
        return {"kind": HazardKind.DEEP_EXCAVATION}, other


class TestHazardousWorkPages(HazardousWorkData, testing.ObjectViewTests):
    def test_work_beyond_the_scale_needs_its_expert_review(self, world: Any) -> None:
        data = {
            **self.form_data(world.agency),
            "status": HazardStatus.UNDER_WAY,
            "over_scale": "on",
            "plan_approved_on": "2026-04-01",
        }
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "Work beyond the scale needs the expert review of its plan first." in response.content.decode()
        assert not HazardousWork.objects.filter(name=data["name"]).exists()


# ---- accidents ----------------------------------------------------------------------------------


class AccidentData(ScopedFormData):
    viewset = AccidentViews
    url_prefix = "/inspections/accidents/"
    natural_key = "description"
    edited_field = "description"

    def make_object(self, agency: Organization) -> Accident:
        return Accident.objects.create(
            project=ProjectFactory(agency=agency),
            occurred_on=datetime.date(2025, 8, 12),
            kind=AccidentKind.FALL,
            minor_injuries=1,
            description=f"工人自脚手架坠落，轻伤{next(numbers)}",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "occurred_on": "2025-09-03",
            "kind": AccidentKind.STRUCK,
            "severity": "general",
            "deaths": 0,
            "serious_injuries": 1,
            "minor_injuries": 0,
            "description": f"高处坠物伤人{next(numbers)}",
        }

    def edit_data(self, obj: Accident) -> dict:
        return {
            "project": obj.project_id,
            "occurred_on": obj.occurred_on.isoformat(),
            "kind": obj.kind,
            "severity": obj.severity,
            "deaths": obj.deaths,
            "serious_injuries": obj.serious_injuries,
            "minor_injuries": obj.minor_injuries,
            "description": f"{obj.description}（续报）",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        data = {**self.form_data(agency), "occurred_on": tomorrow.isoformat()}
        return data, "occurred_on", "An accident cannot be dated in the future."

    def filter_case(self, obj: Accident, agency: Organization) -> tuple[dict, Accident]:
        other = Accident.objects.create(
            project=ProjectFactory(agency=agency),
            occurred_on=datetime.date(2025, 7, 1),
            kind=AccidentKind.ELECTRIC,
            description="触电",
        )
        return {"kind": AccidentKind.FALL}, other


class TestAccidentPages(AccidentData, testing.ObjectViewTests):
    pass


# ---- checklists and check items -----------------------------------------------------------------


class ChecklistTemplateData(testing.ModelTestData):
    viewset = ChecklistTemplateViews
    url_prefix = "/inspections/checklists/"
    natural_key = "name"

    def make_object(self, agency: Organization) -> ChecklistTemplate:
        return ChecklistTemplate.objects.create(
            agency=agency, name=f"主体结构质量巡查表{next(numbers)}", kind=ChecklistKind.QUALITY
        )

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def form_data(self, agency: Organization) -> dict:
        return {
            "agency": agency.pk,
            "name": f"装饰装修质量检查表{next(numbers)}",
            "kind": ChecklistKind.QUALITY,
            "order": 100,
            "evidence_required": "on",
            "is_active": "on",
        }

    def edit_data(self, obj: ChecklistTemplate) -> dict:
        return {
            "agency": obj.agency_id,
            "name": f"{obj.name}（2026版）",
            "kind": obj.kind,
            "order": obj.order,
            "evidence_required": "on" if obj.evidence_required else "",
            "is_active": "on" if obj.is_active else "",
        }

    def api_bad_payload(self, agency: Organization) -> dict:
        """Bad without making a record first (invalid_form_data makes the name it clashes with)."""
        return self.api_keys({**self.form_data(agency), "kind": "neither"})

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        taken = self.make_object(agency)
        return {**self.form_data(agency), "name": taken.name}, "__all__", "already exists"

    def filter_case(self, obj: ChecklistTemplate, agency: Organization) -> tuple[dict, ChecklistTemplate]:
        other = ChecklistTemplate.objects.create(agency=agency, name="安全自查表", kind=ChecklistKind.SAFETY)
        return {"kind": ChecklistKind.QUALITY}, other


WHO = pytest.mark.parametrize("who", ["outsider", "company_user"])


class TestChecklistTemplatePages(ChecklistTemplateData, testing.ObjectViewTests):
    def test_everyone_sees_a_builtin_sheet_but_only_a_superuser_may_change_it(self, world: Any) -> None:
        sheet = builtin_sheet(ChecklistTemplate.objects.filter(agency=None).values_list("code", flat=True).first())
        before = stored(sheet)
        staff = english_client(world.actor)
        assert staff.get(self.url(f"{sheet.pk}/")).status_code == 200
        for method, suffix in (("get", "edit/"), ("post", "edit/"), ("post", "delete/")):
            response = getattr(staff, method)(self.url(f"{sheet.pk}/{suffix}"), {"name": "改名"})
            assert response.status_code in (403, 404)
        assert english_client(world.company_user).get(self.url(f"{sheet.pk}/")).status_code == 200
        assert stored(sheet) == before
        admin = UserFactory(organization=world.agency, role=Role.STAFF, is_superuser=True)
        assert english_client(admin).get(self.url(f"{sheet.pk}/edit/")).status_code == 200


class CheckItemData(ScopedFormData):
    viewset = CheckItemViews
    url_prefix = "/inspections/check-items/"
    natural_key = "text"
    edited_field = "text"

    def template(self, agency: Organization) -> ChecklistTemplate:
        found = ChecklistTemplate.objects.filter(agency=agency, name="混凝土结构质量检查表").first()
        return found or ChecklistTemplate.objects.create(agency=agency, name="混凝土结构质量检查表")

    def make_object(self, agency: Organization) -> CheckItem:
        n = next(numbers)
        return CheckItem.objects.create(
            template=self.template(agency), number=n, text=f"钢筋保护层厚度检查{n}", points=Decimal("10")
        )

    def form_data(self, agency: Organization) -> dict:
        n = next(numbers)
        return {
            "template": self.template(agency).pk,
            "number": n,
            "group": "钢筋工程",
            "text": f"受力钢筋品种规格{n}",
            "points": "10",
            "default_severity": Severity.GENERAL,
            "category": FindingCategory.QUALITY_STRUCTURE,
        }

    def edit_data(self, obj: CheckItem) -> dict:
        return {
            "template": obj.template_id,
            "number": obj.number,
            "group": obj.group,
            "text": f"{obj.text}（修订）",
            "points": str(obj.points),
            "guarantee": "on" if obj.guarantee else "",
            "default_severity": obj.default_severity,
            "category": obj.category,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "points": "0.2"}, "points", "greater than or equal to 0.5"

    def filter_case(self, obj: CheckItem, agency: Organization) -> tuple[dict, CheckItem]:
        other = CheckItem.objects.create(
            template=self.template(agency), number=next(numbers), text="模板支撑", points=Decimal("5"), guarantee=True
        )
        return {"guarantee": "false"}, other


class TestCheckItemPages(CheckItemData, testing.ObjectViewTests):
    @pytest.fixture(autouse=True)
    def _without_builtin_sheets(self, db: Any) -> None:
        """The ~200 built-in JGJ 59 items would push the agency's items off the list's first page."""
        CheckItem.objects.filter(template__agency=None).delete()

    def test_a_builtin_item_cannot_be_changed_by_an_agency(self, world: Any) -> None:
        sheet = ChecklistTemplate.objects.filter(agency=None).first()
        item = CheckItem.objects.create(template=sheet, number=99, text="内置项", points=Decimal("5"))
        assert not CheckItem.objects.for_user(world.actor, "change").filter(pk=item.pk).exists()


# ---- rectification notices (read only) ----------------------------------------------------------

NOTICES_URL = "/inspections/notices/"


def notice(agency: Organization, company: Organization, actor: User) -> RectificationNotice:
    finding = FindingFactory(
        inspection=InspectionFactory(project=ProjectFactory(agency=agency), started_at=past(3)),
        responsible_org=company,
    )
    return services.open_rectification_notice([finding], actor)


class TestRectificationNoticeList:
    @pytest.fixture
    def people(self, db: Any) -> dict[str, Any]:
        agency = testing.AgencyFactory(name="鼓楼区建设工务署")
        company = CompanyFactory(name="闽江建设工程有限公司")
        return {
            "agency": agency,
            "company": company,
            "other_company": CompanyFactory(name="榕城建设集团有限公司"),
            "staff": UserFactory(organization=agency, role=Role.STAFF),
            "company_user": UserFactory(organization=company, role=Role.COMPANY),
        }

    def test_the_list_shows_the_agencys_notices_and_has_no_add_page(self, people: dict) -> None:
        issued = notice(people["agency"], people["company"], people["staff"])
        client = english_client(people["staff"])
        response = client.get(NOTICES_URL)
        assert response.status_code == 200
        assert f'href="{issued.get_absolute_url()}"' in response.content.decode()
        assert client.get(f"{NOTICES_URL}add/").status_code == 404
        assert client.post(f"{NOTICES_URL}{issued.pk}/delete/").status_code == 404
        assert RectificationNotice.objects.filter(pk=issued.pk).exists()

    def test_a_company_sees_only_the_notices_addressed_to_it(self, people: dict) -> None:
        own = notice(people["agency"], people["company"], people["staff"])
        others = notice(people["agency"], people["other_company"], people["staff"])
        client = english_client(people["company_user"])
        content = client.get(NOTICES_URL, {"per_page": 100}).content.decode()
        assert f'href="{own.get_absolute_url()}"' in content
        assert f'href="{others.get_absolute_url()}"' not in content
        assert client.get(others.get_absolute_url()).status_code in (403, 404)
