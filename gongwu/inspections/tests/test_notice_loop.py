"""A notice's loop cannot be short-cut: its case is answered, re-inspected and closed only on the notice
(finding by finding, with photos), whatever page, API call or import is tried; and notices and inspections
are voided with a reason, never deleted, and leave the figures."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from gongwu.alerts.imports import CaseLedger
from gongwu.alerts.models import Case, CaseEvent, EventAction, Status
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client, english_client, stored
from gongwu.inspections import services
from gongwu.inspections.figures import period_figures
from gongwu.inspections.models import Finding, FindingStatus, Inspection, RectificationNotice
from gongwu.inspections.testing import FindingFactory, InspectionFactory, SectionFactory, photo
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fixed_day(travel: Any) -> datetime.date:
    travel(DAY)
    return DAY


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    agency = AgencyFactory(name="鼓楼区建设工务署")
    contractor = CompanyFactory(name="闽江建设工程有限公司", kind="contractor")
    return {
        "agency": agency,
        "contractor": contractor,
        "inspector": UserFactory(organization=agency, role=Role.INSPECTOR, display_name="王督查"),
        "staff": UserFactory(organization=agency, role=Role.STAFF, display_name="林处长"),
        "company": UserFactory(organization=contractor, role=Role.COMPANY, display_name="陈经理"),
    }


@pytest.fixture
def notice(people: dict[str, Any], fixed_day: datetime.date) -> RectificationNotice:
    project = ProjectFactory(agency=people["agency"], name="鼓楼一中教学楼")
    section = SectionFactory(project=project, name="1标段", contractor=people["contractor"])
    inspection = InspectionFactory(
        project=project,
        section=section,
        lead=people["inspector"],
        inspecting_org=people["agency"],
        started_at=datetime.datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    findings = [
        FindingFactory(inspection=inspection, responsible_org=people["contractor"], description=text)
        for text in ("临边防护缺失", "配电箱未上锁")
    ]
    return services.open_rectification_notice(findings, people["inspector"])


def case_state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return case.status, case.version, case.response, case.events.count()


def findings_state(notice: RectificationNotice) -> set[tuple[str, str]]:
    return set(Finding.objects.filter(notice=notice).values_list("status", "rectification"))


# ---- the generic case page ----------------------------------------------------------------------


def test_the_notice_case_page_offers_no_generic_answer_but_a_link_to_the_notice(notice, people):
    case = notice.case
    page = english_client(people["company"]).get(case.get_absolute_url()).content.decode()
    assert 'id="action-respond"' not in page and 'id="action-start"' not in page
    assert 'id="answer-on-subject"' in page and f'href="{notice.get_absolute_url()}"' in page
    owner = english_client(people["staff"]).get(case.get_absolute_url()).content.decode()
    for action in ("assign", "reschedule", "reassign", "close"):
        assert f'id="action-{action}"' not in owner


def test_a_one_line_answer_without_photos_from_the_case_page_is_refused(notice, people):
    case, before, findings = notice.case, case_state(notice.case), findings_state(notice)
    client = english_client(people["company"])
    for name in ("start", "respond"):
        response = client.post(
            reverse("alerts:case_action", args=[case.pk, name]), {"text": "已整改", "version": case.version}
        )
        assert response.status_code == 302
        shown = {str(m) for m in response.wsgi_request._messages}
        assert shown == {
            "This case is answered and closed only on its rectification notice, by its own rules. "
            f"Go to {notice.get_absolute_url()}."
        }
    assert case_state(case) == before and findings_state(notice) == findings
    assert services.notice_status(notice) == "open"


def test_the_inspector_cannot_close_or_reschedule_the_notice_case_from_the_case_page(notice, people):
    case, before = notice.case, case_state(notice.case)
    client = english_client(people["staff"])
    for name, data in (
        ("close", {"text": "同意销项"}),
        ("reschedule", {"deadline": "2027-03-01", "text": "延期"}),
        ("reassign", {"responsible_org": people["agency"].pk, "text": "换人"}),
    ):
        client.post(reverse("alerts:case_action", args=[case.pk, name]), data)
    assert case_state(case) == before


# ---- the API ------------------------------------------------------------------------------------


def test_the_api_refuses_every_generic_step_on_a_notice_case(notice, people):
    case, before, findings = notice.case, case_state(notice.case), findings_state(notice)
    for user, name, body in (
        (people["company"], "start", {}),
        (people["company"], "respond", {"text": "已整改"}),
        (people["staff"], "assign", {"responsible_org_id": people["contractor"].pk}),
        (people["staff"], "close", {"text": "销项"}),
        (people["staff"], "reschedule", {"deadline": "2027-03-01", "reason": "延期"}),
        (people["staff"], "void", {"reason": "作废"}),
    ):
        response = api_client(user).post(f"/api/cases/{case.pk}/{name}/", body, content_type="application/json")
        assert response.status_code == 403, (name, response.content)
        assert "only on its rectification notice" in response.json()["detail"]
    detail = api_client(people["company"]).get(f"/api/cases/{case.pk}/").json()
    assert detail["transitions"] == []
    assert case_state(case) == before and findings_state(notice) == findings


# ---- the import ---------------------------------------------------------------------------------


def test_an_import_changes_nothing_on_a_notice_case(notice, people):
    case = notice.case
    stream = io.BytesIO()
    CaseLedger().write_xlsx(Case.objects.filter(pk=case.pk), stream)
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("Problem") + 1, value="已整改完毕，请销项")
    sheet.cell(row=2, column=headers.index("Rectification progress") + 1, value="已整改")
    out = io.BytesIO()
    sheet.parent.save(out)
    before = stored(case)
    rows = CaseLedger().read(out.getvalue(), "cases.xlsx")
    result = CaseLedger().apply(rows, people["staff"])
    assert result.summary["error"] == 1
    [row] = result.rows
    assert any("only on its rectification notice" in error for error in row.errors)
    assert stored(case) == before


# ---- the notice's own path still closes the loop ------------------------------------------------


def test_the_notice_path_answers_each_finding_with_photos_then_reinspects_and_closes(notice, people):
    company = english_client(people["company"])
    data = {}
    files = {}
    for finding in notice.findings.all():
        data[f"text-{finding.pk}"] = f"已整改：{finding.description}"
        files[f"photos-{finding.pk}"] = photo(f"after-{finding.pk}.jpg")
    response = company.post(reverse("inspections:answer_notice", args=[notice.pk]), {**data, **files})
    assert response.status_code == 302
    notice.case.refresh_from_db()
    assert services.notice_status(notice) == "answered"
    assert {s for s, _text in findings_state(notice)} == {FindingStatus.RECTIFIED}
    response = english_client(people["inspector"]).post(
        reverse("inspections:reinspect", args=[notice.pk]), {"decision": "close", "text": "复查合格，同意销项"}
    )
    assert response.status_code == 302
    notice.case.refresh_from_db()
    assert notice.case.status == Status.CLOSED
    assert {s for s, _text in findings_state(notice)} == {FindingStatus.CLOSED}


# ---- voiding notices and inspections ------------------------------------------------------------


def test_a_notice_is_not_deleted_but_voided_with_its_case_and_leaves_the_figures(notice, people):
    staff = english_client(people["staff"])
    assert period_figures([people["agency"].pk], DAY, DAY).notices == 1
    refused = api_client(people["staff"]).delete(f"/api/notices/{notice.pk}/")
    assert refused.status_code in (404, 405)  # no generic delete of a notice at all
    assert staff.get(f"/inspections/notices/{notice.pk}/delete/").status_code == 404
    page = staff.get(notice.get_absolute_url()).content.decode()
    assert 'id="void-link"' in page
    response = staff.post(f"/inspections/notices/{notice.pk}/void/", {"reason": "误发，企业名称错误"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.is_voided, notice.void_reason, services.notice_status(notice)) == (
        True,
        "误发，企业名称错误",
        "voided",
    )
    notice.case.refresh_from_db()
    assert notice.case.status == Status.VOIDED
    assert CaseEvent.objects.filter(case=notice.case, action=EventAction.VOIDED, text="误发，企业名称错误").exists()
    # its findings are free for a new notice; the voided one counts nowhere
    assert set(Finding.objects.filter(inspection__project=notice.project).values_list("status", flat=True)) == {
        FindingStatus.OPEN
    }
    assert period_figures([people["agency"].pk], DAY, DAY).notices == 0
    listed = staff.get("/inspections/notices/", {"state": "voided"}).content.decode()
    assert notice.number in listed
    assert notice.number not in staff.get("/inspections/notices/", {"state": "open"}).content.decode()


def test_an_inspector_may_not_void_a_notice_and_the_api_voids_it_with_a_reason(notice, people):
    denied = api_client(people["inspector"]).post(
        f"/api/notices/{notice.pk}/void/", {"reason": "误发"}, content_type="application/json"
    )
    assert denied.status_code == 403
    client = api_client(people["staff"])
    no_reason = client.post(f"/api/notices/{notice.pk}/void/", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422
    notice.refresh_from_db()
    assert not notice.is_voided
    response = client.post(f"/api/notices/{notice.pk}/void/", {"reason": "误发"}, content_type="application/json")
    assert response.status_code == 200, response.content
    notice.refresh_from_db()
    assert notice.is_voided and notice.voided_by == people["staff"]


def test_an_inspection_with_findings_on_a_live_notice_is_voided_only_after_the_notice(notice, people):
    inspection = notice.findings.first().inspection
    client = english_client(people["staff"])
    response = client.post(f"/inspections/inspections/{inspection.pk}/void/", {"reason": "重复录入"})
    assert response.status_code == 422
    assert "void the notice first" in response.content.decode()
    services.void_notice(instance=notice, actor=people["staff"], reason="误发")
    assert period_figures([people["agency"].pk], DAY, DAY).inspections == 1
    assert period_figures([people["agency"].pk], DAY, DAY).findings == 2
    response = client.post(f"/inspections/inspections/{inspection.pk}/void/", {"reason": "重复录入"})
    assert response.status_code == 302
    figures = period_figures([people["agency"].pk], DAY, DAY)
    assert (figures.inspections, figures.findings) == (0, 0)
    with pytest.raises(Exception, match="voided inspection"):
        services.open_rectification_notice(list(inspection.findings.all()), people["inspector"])
    completed = api_client(people["inspector"]).post(
        f"/api/inspections/{inspection.pk}/complete/", {"result": "合格"}, "application/json"
    )
    assert completed.status_code == 422
    assert "voided" in completed.json()["detail"][0]["msg"]
    late = Finding(
        inspection=inspection, responsible_org=people["contractor"], category="scaffold", description="补录隐患"
    )
    with pytest.raises(Exception, match="takes no new findings"):
        services.record_finding(late, people["inspector"])
    inspection.refresh_from_db()
    assert inspection.status != "completed" and inspection.findings.count() == 2


def test_the_admin_offers_no_delete_for_records_of_supervision(notice, people):
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True, organization=people["agency"])
    for model, obj in ((Inspection, notice.findings.first().inspection),):
        admin = site._registry[model]
        assert not admin.has_delete_permission(request, obj)
        assert not admin.has_delete_permission(request)
