"""The generic suite (pages, Excel, API, denial) for projects, approvals, milestones and awards, from data."""

import datetime
import itertools
from typing import Any

from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import Organization
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    Milestone,
    MilestoneKind,
    Project,
    Stage,
)
from gongwu.projects.testing import AwardFactory, MilestoneFactory, ProjectFactory, approval_kind
from gongwu.projects.views import ApprovalViews, AwardViews, MilestoneViews, ProjectViews

numbers = itertools.count(1)
FUTURE = timezone.localdate() + datetime.timedelta(days=400)


def api_keys(data: dict[str, Any], *foreign_keys: str) -> dict[str, Any]:
    """Form data as an API payload: foreign keys as `<name>_id`, check boxes as booleans."""
    payload = {k: v for k, v in data.items() if k not in foreign_keys}
    payload.update({f"{k}_id": data[k] or None for k in foreign_keys if k in data})
    return {k: (True if v == "on" else v) for k, v in payload.items()}


# ---- projects -----------------------------------------------------------------------------------


class ProjectData(testing.ModelTestData):
    viewset = ProjectViews
    url_prefix = "/projects/list/"
    api_prefix = "/api/projects/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> Project:
        return ProjectFactory(agency=agency)

    def form_data(self, agency: Organization) -> dict:
        return {
            "agency": agency.pk,
            "code": "GL-2024-001",
            "name": "鼓楼区实验小学改扩建工程",
            "category": Category.SCHOOL,
            "area": "东街片区",
            "delivery_method": "epc",
            "received_on": "2024-02-01",
            "received_source": "plan",
            "received_from": "鼓楼区发展和改革局",
            "stage": Stage.PREPARATION,
            "approved_investment": "186000000.00",
            "school_places": 1620,
            "uses_bim": "on",
        }

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "agency")

    def write_path_data(self, agency: Organization) -> dict:
        # The start date becomes the project's start milestone, the permit date its approval (written and
        # logged by `services.create_project`, never by the form).
        approval_kind(ApprovalRole.CONSTRUCTION_PERMIT)
        return {**self.form_data(agency), "permit_date": "2024-03-01", "start_date": "2024-03-18"}

    def edit_data(self, obj: Project) -> dict:
        return {
            "agency": obj.agency_id,
            "code": obj.code,
            "name": f"{obj.name}（二期）",
            "category": obj.category,
            "delivery_method": obj.delivery_method,
            "stage": obj.stage,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "stage": Stage.CONSTRUCTION}
        return data, "stage", "only with its construction permit recorded"

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "stage": Stage.CONSTRUCTION}

    def filter_case(self, obj: Project, agency: Organization) -> tuple[dict, Project]:
        return {"category": Category.SCHOOL}, ProjectFactory(agency=agency, category=Category.ROAD)

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        return {
            "code": f"IMP-{n:04d}",
            "name": f"导入道路工程{n}号",
            "agency": agency.name,
            "category": "Road",
            "delivery_method": "General contracting",
            "stage": "Preparation",
            "road_length_km": 1.25,
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "category": "Spaceport"}, "category: “Spaceport” is not one of the choices."


class TestProjectPages(ProjectData, testing.ObjectViewTests):
    pass


class TestProjectLedger(ProjectData, testing.ImportExportTests):
    pass


class TestProjectAPI(ProjectData, testing.APITests):
    pass


# ---- approvals ----------------------------------------------------------------------------------


class ApprovalData(testing.ModelTestData):
    viewset = ApprovalViews
    url_prefix = "/projects/approvals/"
    api_prefix = "/api/approvals/"
    natural_key = "document_number"
    edited_field = "document_number"

    def make_object(self, agency: Organization) -> Approval:
        return Approval.objects.create(
            project=ProjectFactory(agency=agency),
            kind=approval_kind(ApprovalRole.PROJECT_APPROVAL),
            actual_date=datetime.date(2024, 3, 1),
            document_number=f"鼓发改投资〔2024〕{next(numbers)}号",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "kind": approval_kind(ApprovalRole.CONSTRUCTION_PERMIT).pk,
            "planned_date": "2024-05-01",
            "actual_date": "2024-05-20",
            "document_number": "350102202405200101",
            "note": "",
        }

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "project", "kind")

    def edit_data(self, obj: Approval) -> dict:
        return {
            "project": obj.project_id,
            "kind": obj.kind_id,
            "planned_date": "",
            "actual_date": obj.actual_date.isoformat(),
            "document_number": f"{obj.document_number}（更正）",
            "note": "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "actual_date": FUTURE.isoformat()}
        return data, "actual_date", "The actual date cannot be in the future."

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "actual_date": FUTURE.isoformat()}

    def filter_case(self, obj: Approval, agency: Organization) -> tuple[dict, Approval]:
        other = Approval.objects.create(
            project=obj.project, kind=approval_kind(ApprovalRole.CONSTRUCTION_PERMIT), document_number="施工许可"
        )
        return {"kind": obj.kind_id}, other


class TestApprovalPages(ApprovalData, testing.ObjectViewTests):
    pass


class TestApprovalAPI(ApprovalData, testing.APITests):
    pass


# ---- milestones ---------------------------------------------------------------------------------


class MilestoneData(testing.ModelTestData):
    viewset = MilestoneViews
    url_prefix = "/projects/milestones/"
    api_prefix = "/api/milestones/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> Milestone:
        return MilestoneFactory(
            project=ProjectFactory(agency=agency),
            kind=MilestoneKind.CUSTOM,
            name=f"幕墙施工完成{next(numbers)}",
            planned_date=datetime.date(2024, 9, 30),
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "kind": MilestoneKind.CUSTOM,
            "name": "地下室底板浇筑完成",
            "planned_date": "2024-06-30",
            "actual_date": "2024-07-05",
            "note": "",
        }

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "project")

    def edit_data(self, obj: Milestone) -> dict:
        return {
            "project": obj.project_id,
            "kind": obj.kind,
            "name": f"{obj.name}（调整）",
            "planned_date": obj.planned_date.isoformat() if obj.planned_date else "",
            "actual_date": "",
            "note": "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "name": ""}, "name", "Name the milestone."

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "name": ""}

    def filter_case(self, obj: Milestone, agency: Organization) -> tuple[dict, Milestone]:
        other = MilestoneFactory(project=obj.project, kind=MilestoneKind.TOPPING_OUT, name="封顶")
        return {"kind": MilestoneKind.CUSTOM}, other


class TestMilestonePages(MilestoneData, testing.ObjectViewTests):
    pass


class TestMilestoneAPI(MilestoneData, testing.APITests):
    pass


# ---- awards -------------------------------------------------------------------------------------


class AwardData(testing.ModelTestData):
    viewset = AwardViews
    url_prefix = "/projects/awards/"
    api_prefix = "/api/awards/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> Award:
        return AwardFactory(project=ProjectFactory(agency=agency), name=f"闽江杯优质工程奖{next(numbers)}")

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "name": "中国建设工程鲁班奖",
            "level": AwardLevel.NATIONAL,
            "year": 2024,
            "issuer": "中国建筑业协会",
        }

    def api_payload(self, agency: Organization) -> dict:
        return api_keys(self.form_data(agency), "project")

    def edit_data(self, obj: Award) -> dict:
        return {
            "project": obj.project_id,
            "name": f"{obj.name}（金奖）",
            "level": obj.level,
            "year": obj.year,
            "issuer": obj.issuer,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "year": FUTURE.year}, "year", "An award cannot be from a future year."

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "year": FUTURE.year}

    def filter_case(self, obj: Award, agency: Organization) -> tuple[dict, Award]:
        other = AwardFactory(project=obj.project, name="国家优质工程奖", level=AwardLevel.NATIONAL)
        return {"level": obj.level}, other


class TestAwardPages(AwardData, testing.ObjectViewTests):
    pass


class TestAwardAPI(AwardData, testing.APITests):
    pass
