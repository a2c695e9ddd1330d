"""The generic suite (pages, Excel ledger, API, denial) for cases and meetings, from data.

Meetings have no ledger (the brief's 整改台账 is a list of cases), so they get no ImportExportTests.
Rule settings and escalation steps are edited on the rules page and through /api/rules/, tested in
test_api.py.
"""

import datetime
import itertools
from typing import Any

from django.utils import timezone

from gongwu.alerts.models import Case, Kind, Level, Meeting, MeetingKind
from gongwu.alerts.testing import MeetingFactory, opened_case
from gongwu.alerts.views import CaseViews, MeetingViews
from gongwu.core import testing
from gongwu.core.models import Organization, Role
from gongwu.core.testing import DepartmentFactory, UserFactory

numbers = itertools.count(1)
TODAY = timezone.localdate()
IN_A_MONTH = TODAY + datetime.timedelta(days=30)


# ---- cases --------------------------------------------------------------------------------------


class CaseData(testing.ModelTestData):
    viewset = CaseViews
    url_prefix = "/alerts/cases/"
    api_prefix = "/api/cases/"
    natural_key = "title"
    edited_field = "title"

    def make_object(self, agency: Organization) -> Case:
        """An assigned tour finding, opened as users open one (numbered, on the timeline)."""
        n = next(numbers)
        department = DepartmentFactory(parent=agency)
        person = UserFactory(organization=department, display_name=f"王工{n}", role=Role.STAFF)
        return opened_case(
            None,
            agency=agency,
            title=f"施工现场临边防护缺失{n}号",
            description="3号楼5层临边未设防护栏杆",
            measures="立即设置防护栏杆并挂设安全网",
            source="tour",
            kind=Kind.RECTIFICATION,
            level=Level.ORANGE,
            responsible_org=department,
            responsible_person=person,
            deadline=IN_A_MONTH,
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "agency": agency.pk,
            "kind": Kind.ACTION_ITEM,
            "level": Level.RED,
            "title": "市民中心项目征拆协调",
            "description": "专责小组会议交办: 加快完成地块征拆",
            "measures": "区征收办牵头, 月底前完成签约",
            "opened_on": TODAY.isoformat(),
            "deadline": IN_A_MONTH.isoformat(),
        }

    def api_payload(self, agency: Organization) -> dict:
        data = self.form_data(agency)
        return {**{k: v for k, v in data.items() if k != "agency"}, "agency_id": agency.pk}

    def edit_data(self, obj: Case) -> dict:
        return {
            "agency": obj.agency_id,
            "kind": obj.kind,
            "level": obj.level,
            "title": f"{obj.title}（复查）",
            "description": obj.description,
            "measures": obj.measures,
            "responsible_org": obj.responsible_org_id,
            "responsible_person": obj.responsible_person_id,
            "opened_on": obj.opened_on.isoformat(),
            "deadline": obj.deadline.isoformat(),
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "deadline": (TODAY - datetime.timedelta(days=1)).isoformat()}
        return data, "deadline", "The deadline cannot be before the day the case is opened."

    def invalid_edit_data(self, obj: Case, agency: Organization) -> tuple[dict, str, str]:
        # The edit form has no deadline (moved only by the owners' "change the deadline" action).
        return {**self.edit_data(obj), "title": ""}, "title", "This field is required."

    def api_bad_payload(self, agency: Organization) -> dict:
        # Valid as a new case and as an edit but for the deadline, which is before the case was opened.
        return {"title": "消防通道被占用", "deadline": (TODAY - datetime.timedelta(days=1)).isoformat()}

    def filter_case(self, obj: Case, agency: Organization) -> tuple[dict, Case]:
        other = opened_case(None, agency=agency, title="塔吊基础资料缺失", level=Level.BLUE, deadline=IN_A_MONTH)
        return {"level": Level.ORANGE}, other

    def import_row(self, agency: Organization) -> dict:
        n = next(numbers)
        return {
            "number": n,  # the ledger's own row number: a new case
            "title": f"脚手架连墙件缺失{n}号",
            "description": "2号楼外架连墙件间距超规范",
            "responsible_org": agency.name,
            "deadline": IN_A_MONTH,
            "measures": "按方案补设连墙件",
            "level": "Orange",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "level": "Purple"}, "Level: “Purple” is not one of the choices."


class TestCasePages(CaseData, testing.ObjectViewTests):
    pass


class TestCaseLedger(CaseData, testing.ImportExportTests):
    pass


class TestCaseAPI(CaseData, testing.APITests):
    pass


# ---- meetings -----------------------------------------------------------------------------------


class MeetingData(testing.ModelTestData):
    viewset = MeetingViews
    url_prefix = "/alerts/meetings/"
    api_prefix = "/api/meetings/"
    natural_key = "title"
    edited_field = "title"

    def make_object(self, agency: Organization) -> Meeting:
        return MeetingFactory(
            agency=agency, kind=MeetingKind.TASK_FORCE, title=f"重点项目专责小组第{next(numbers)}次会议"
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "agency": agency.pk,
            "kind": MeetingKind.COORDINATION,
            "title": "2024年第三季度项目推进协调会",
            "date": TODAY.isoformat(),
            "chair": "张署长",
            "participants": "工程管理处、前期处、各项目组",
            "minutes": "一、市民中心项目征拆…",
        }

    def api_payload(self, agency: Organization) -> dict:
        data = self.form_data(agency)
        return {**{k: v for k, v in data.items() if k != "agency"}, "agency_id": agency.pk}

    def edit_data(self, obj: Meeting) -> dict:
        return {
            "agency": obj.agency_id,
            "kind": obj.kind,
            "title": f"{obj.title}（续会）",
            "date": obj.date.isoformat(),
            "chair": obj.chair,
            "participants": obj.participants,
            "minutes": obj.minutes,
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "date": (TODAY + datetime.timedelta(days=400)).isoformat()}
        return data, "date", "The meeting date is more than a year ahead."

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "date": (TODAY + datetime.timedelta(days=400)).isoformat()}

    def filter_case(self, obj: Meeting, agency: Organization) -> tuple[dict, Any]:
        other = MeetingFactory(agency=agency, kind=MeetingKind.REGULAR, title="工程管理处周例会")
        return {"kind": MeetingKind.TASK_FORCE}, other


class TestMeetingPages(MeetingData, testing.ObjectViewTests):
    pass


class TestMeetingAPI(MeetingData, testing.APITests):
    pass
