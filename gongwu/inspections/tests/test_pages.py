"""The inspection pages as an inspector on site and a company read them: start, walk a JGJ 59 sheet, record a
finding with a photo, issue the notice, the company's answer, the re-inspection that closes or sends back;
bad input on each step; who sees and may do what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from gongwu.alerts.models import DONE_STATUSES
from gongwu.core.models import Attachment, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, english_client
from gongwu.inspections import services
from gongwu.inspections.models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    Level,
    RectificationNotice,
    ScoreSheet,
    Severity,
)
from gongwu.inspections.testing import FindingFactory, InspectionFactory, SectionFactory, builtin_sheet, photo
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def inspector(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.INSPECTOR, display_name="王督查")


@pytest.fixture
def contractor(db: Any) -> Any:
    return CompanyFactory(name="闽江建设工程有限公司", kind="contractor")


@pytest.fixture
def company_user(contractor: Any) -> Any:
    return UserFactory(organization=contractor, role=Role.COMPANY, display_name="陈经理")


@pytest.fixture
def project(agency: Any) -> Any:
    return ProjectFactory(agency=agency, name="鼓楼一中教学楼")


@pytest.fixture
def section(project: Any, contractor: Any) -> Any:
    return SectionFactory(project=project, name="1标段", contractor=contractor)


@pytest.fixture
def inspection(project: Any, section: Any, inspector: Any) -> Inspection:
    return InspectionFactory(project=project, section=section, lead=inspector, inspecting_org=inspector.organization)


def item_of(sheet: ScoreSheet, text: str) -> Any:
    return sheet.template.items.get(text=text)


def sheet_post(sheet: ScoreSheet, **by_text: Any) -> dict[str, str]:
    """The whole sheet as the page posts it: every item, those named with a deduction (or "NA")."""
    data: dict[str, str] = {}
    for item in sheet.template.items.all():
        value = by_text.get(item.text, "")
        data[f"d-{item.pk}"] = "" if value == "NA" else str(value)
        data[f"note-{item.pk}"] = ""
        if value == "NA":
            data[f"na-{item.pk}"] = "on"
    return data


def notice_for(inspection: Inspection, actor: Any, *findings: Finding) -> RectificationNotice:
    return services.open_rectification_notice(list(findings), actor)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---- the whole loop through the pages -----------------------------------------------------------


def test_start_walk_find_notify_answer_and_close(inspector, company_user, project, section, contractor):
    client = english_client(inspector)
    response = client.get(reverse("inspections:start"))
    assert response.status_code == 200
    response = client.post(
        reverse("inspections:start"),
        {"project": project.pk, "section": section.pk, "kind": InspectionKind.SAFETY_ROUTINE, "level": Level.SPOT},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == inspection.get_absolute_url()
    assert (inspection.lead, inspection.inspecting_org) == (inspector, inspector.organization)
    assert inspection.status == InspectionStatus.IN_PROGRESS

    # Add the 安全管理 sheet, walk it: 安全标志 −2.5 → 97.5, 优良.
    template = builtin_sheet("safety_management")
    page = client.get(reverse("inspections:add_sheet", args=[inspection.pk]))
    assert template.name in text(page)
    response = client.post(reverse("inspections:add_sheet", args=[inspection.pk]), {"template": template.pk})
    sheet = ScoreSheet.objects.get(inspection=inspection)
    assert response["Location"] == sheet.get_absolute_url()
    page = client.get(sheet.get_absolute_url())
    assert "保证项目" in text(page) and "一般项目" in text(page)
    response = client.post(sheet.get_absolute_url(), sheet_post(sheet, 安全标志="2.5"))
    assert response.status_code == 302
    page = client.get(response["Location"])
    sheet.refresh_from_db()
    assert sheet.score == 97.5
    assert "97.50" in text(page) and "优良" in text(page)

    # From the item with a deduction, record a finding with a photo; the form is prefilled from the item.
    item = item_of(sheet, "安全标志")
    add_url = reverse("inspections:add_finding", args=[inspection.pk]) + f"?item={item.pk}&sheet={sheet.pk}"
    assert add_url.replace("&", "&amp;") in page.content.decode()
    form = client.get(add_url).context["form"]
    assert form.initial["item"] == item.pk and form.initial["responsible_org"] == contractor.pk
    assert form.fields["responsible_org"].queryset.first() == contractor
    response = client.post(
        add_url,
        {
            "item": item.pk,
            "category": "safety_management",
            "severity": Severity.GENERAL,
            "description": "安全标志缺失",
            "location": "北侧大门",
            "responsible_org": contractor.pk,
            "photos": [photo("before.jpg")],
        },
    )
    assert response.status_code == 302 and response["Location"] == sheet.get_absolute_url()
    finding = Finding.objects.get()
    assert (finding.inspection, finding.item, finding.status) == (inspection, item, FindingStatus.OPEN)
    assert services.photos_of(finding).count() == 1
    page = client.get(inspection.get_absolute_url())
    assert "安全标志缺失" in text(page) and "Issue a notice" in text(page)

    # Issue the notice: the one open finding is ticked already.
    notice_page = client.get(reverse("inspections:issue_notice", args=[inspection.pk]))
    assert "checked" in text(notice_page) and contractor.name in text(notice_page)
    response = client.post(
        reverse("inspections:issue_notice", args=[inspection.pk]),
        {"findings": [finding.pk], "kind": "safety", "working_days": 5, "requirements": "限期整改"},
    )
    notice = RectificationNotice.objects.get()
    assert response["Location"] == notice.get_absolute_url()
    page = client.get(notice.get_absolute_url())
    assert notice.number in text(page) and "Awaiting rectification" in text(page)
    assert reverse("inspections:notice_docx", args=[notice.pk]) in text(page)
    assert notice.case.get_absolute_url() in text(page)
    assert 'id="answer-form"' not in text(page)  # the inspector does not answer

    # The company answers with a photo after rectification.
    company = english_client(company_user)
    page = company.get(notice.get_absolute_url())
    assert 'id="answer-form"' in text(page) and 'id="reinspect-form"' not in text(page)
    response = company.post(
        reverse("inspections:answer_notice", args=[notice.pk]),
        {f"text-{finding.pk}": "已补设安全标志", f"photos-{finding.pk}": [photo("after.jpg")]},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.rectification) == (FindingStatus.RECTIFIED, "已补设安全标志")
    page = client.get(notice.get_absolute_url())
    assert "Answered: awaiting re-inspection" in text(page) and "已补设安全标志" in text(page)
    assert 'id="reinspect-form"' in text(page)
    assert len(page.context["findings"][0]["after"]) == 1 and len(page.context["findings"][0]["before"]) == 1

    # Re-inspection closes it (销项).
    response = client.post(reverse("inspections:reinspect", args=[notice.pk]), {"decision": "close", "text": "已复查"})
    assert response.status_code == 302
    finding.refresh_from_db()
    notice.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED and notice.case.status in DONE_STATUSES
    assert "Closed (销项)" in text(client.get(notice.get_absolute_url()))

    # Complete: no more edits.
    response = client.post(reverse("inspections:complete", args=[inspection.pk]), {"result": "总体良好"})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.COMPLETED and inspection.result == "总体良好"
    page = client.get(inspection.get_absolute_url())
    assert 'id="add-sheet"' not in text(page) and 'id="complete-form"' not in text(page)
    assert client.post(sheet.get_absolute_url(), sheet_post(sheet)).status_code == 403
    assert client.get(reverse("inspections:add_finding", args=[inspection.pk])).status_code == 403


def test_a_special_inspection_needs_its_topic(inspector, project):
    response = english_client(inspector).post(
        reverse("inspections:start"), {"project": project.pk, "kind": InspectionKind.SPECIAL, "level": Level.SPOT}
    )
    assert response.status_code == 422
    assert "Say what the special inspection is about." in text(response)
    assert not Inspection.objects.exists()


def test_the_re_inspection_sends_back_with_its_reason(inspection, inspector, company_user, contractor):
    finding = FindingFactory(inspection=inspection, responsible_org=contractor)
    notice = notice_for(inspection, inspector, finding)
    services.answer_notice(notice, {finding.pk: services.Answer("已整改", [photo()])}, company_user)
    client = english_client(inspector)
    response = client.post(reverse("inspections:reinspect", args=[notice.pk]), {"decision": "send_back", "text": ""})
    assert response.status_code == 422 and "Say why the rectification is not accepted." in text(response)
    response = client.post(
        reverse("inspections:reinspect", args=[notice.pk]), {"decision": "send_back", "text": "连墙件仍缺"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.NOTIFIED
    page = english_client(company_user).get(notice.get_absolute_url())
    assert 'id="answer-form"' in text(page)  # the company answers again


# ---- bad input ----------------------------------------------------------------------------------


def test_a_deduction_over_the_points_is_shown_on_its_item_and_nothing_is_saved(inspection, inspector):
    sheet = services.add_sheet(inspection, builtin_sheet("safety_management"), inspector)
    response = english_client(inspector).post(
        sheet.get_absolute_url(), sheet_post(sheet, 安全生产责任制=12, 安全标志=2)
    )
    assert response.status_code == 422
    assert "At most 10 points can be deducted on this item." in text(response)
    assert "Nothing was saved" in text(response)
    assert set(ItemResult.objects.filter(sheet=sheet).values_list("deduction", flat=True)) == {0}
    assert 'value="12"' in text(response)  # what was typed stays


def test_a_deduction_on_an_item_marked_not_applicable_is_refused(inspection, inspector):
    sheet = services.add_sheet(inspection, builtin_sheet("safety_management"), inspector)
    data = sheet_post(sheet, 安全标志="NA")
    data[f"d-{item_of(sheet, '安全标志').pk}"] = "3"
    response = english_client(inspector).post(sheet.get_absolute_url(), data)
    assert response.status_code == 422 and "An item that does not apply has no deduction." in text(response)


def test_a_notice_without_findings_is_refused(inspection, inspector, contractor):
    FindingFactory(inspection=inspection, responsible_org=contractor)
    response = english_client(inspector).post(
        reverse("inspections:issue_notice", args=[inspection.pk]), {"kind": "safety", "working_days": 5}
    )
    assert response.status_code == 422 and "Choose the findings the notice covers." in text(response)
    assert not RectificationNotice.objects.exists()


def test_a_notice_for_several_companies_is_refused(inspection, inspector, contractor):
    one = FindingFactory(inspection=inspection, responsible_org=contractor)
    other = FindingFactory(inspection=inspection, responsible_org=CompanyFactory(kind="contractor"))
    response = english_client(inspector).post(
        reverse("inspections:issue_notice", args=[inspection.pk]),
        {"findings": [one.pk, other.pk], "kind": "safety", "working_days": 5},
    )
    assert response.status_code == 422
    assert "A notice is addressed to one company; these findings are for several." in text(response)
    assert not RectificationNotice.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(inspection, inspector, contractor):
    response = english_client(inspector).post(
        reverse("inspections:add_finding", args=[inspection.pk]),
        {
            "category": "scaffold",
            "severity": Severity.GENERAL,
            "description": "脚手架连墙件缺失",
            "responsible_org": contractor.pk,
            "photos": [SimpleUploadedFile("notes.pdf", b"%PDF-1.4 not a photo", content_type="image/jpeg")],
        },
    )
    assert response.status_code == 422
    assert "“notes.pdf” is not a photo (JPEG, PNG, WebP or HEIC)." in text(response)
    assert not Finding.objects.exists() and not Attachment.objects.exists()


def test_a_too_large_photo_is_refused(inspection, inspector, contractor, settings, monkeypatch):
    monkeypatch.setattr(services, "MAX_PHOTO_BYTES", 50)
    response = english_client(inspector).post(
        reverse("inspections:add_finding", args=[inspection.pk]),
        {
            "category": "scaffold",
            "severity": Severity.GENERAL,
            "description": "脚手架连墙件缺失",
            "responsible_org": contractor.pk,
            "photos": [photo("big.jpg")],
        },
    )
    assert response.status_code == 422 and "“big.jpg” is larger than" in text(response)
    assert not Finding.objects.exists()


def test_an_answer_without_text_keeps_the_notice_open(inspection, inspector, company_user, contractor):
    finding = FindingFactory(inspection=inspection, responsible_org=contractor)
    notice = notice_for(inspection, inspector, finding)
    response = english_client(company_user).post(
        reverse("inspections:answer_notice", args=[notice.pk]), {f"text-{finding.pk}": " "}
    )
    assert response.status_code == 422 and "Say how each finding was rectified" in text(response)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.NOTIFIED


def test_the_company_cannot_re_inspect(inspection, inspector, company_user, contractor):
    finding = FindingFactory(inspection=inspection, responsible_org=contractor)
    notice = notice_for(inspection, inspector, finding)
    services.answer_notice(notice, {finding.pk: services.Answer("已整改", [photo()])}, company_user)
    client = english_client(company_user)
    assert 'id="reinspect-form"' not in text(client.get(notice.get_absolute_url()))
    response = client.post(reverse("inspections:reinspect", args=[notice.pk]), {"decision": "close"})
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFIED


def test_a_serious_finding_opens_its_case_from_the_page(inspection, inspector, contractor):
    response = english_client(inspector).post(
        reverse("inspections:add_finding", args=[inspection.pk]),
        {
            "category": "excavation",
            "severity": Severity.SERIOUS,
            "description": "基坑边堆载超限",
            "responsible_org": contractor.pk,
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    page = english_client(inspector).get(finding.get_absolute_url())
    assert len(page.context["cases"]) == 1 and page.context["cases"][0].level == "red"


# ---- who sees what ------------------------------------------------------------------------------


def test_a_company_sees_only_its_own_notices(inspection, inspector, contractor, company_user):
    own = notice_for(inspection, inspector, FindingFactory(inspection=inspection, responsible_org=contractor))
    other_company = CompanyFactory(kind="contractor")
    other = notice_for(inspection, inspector, FindingFactory(inspection=inspection, responsible_org=other_company))
    client = english_client(company_user)
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    listing = text(client.get(reverse("inspections:rectificationnotice_list")))
    assert own.number in listing and other.number not in listing
    assert client.post(reverse("inspections:answer_notice", args=[other.pk]), {}).status_code == 404
    assert client.get(reverse("inspections:start")).status_code == 403


def test_the_hazardous_work_page_starts_an_inspection_targeting_it(project, section, inspector):
    from gongwu.inspections.models import HazardousWork

    work = HazardousWork.objects.create(project=project, section=section, kind="deep_excavation", name="1号基坑")
    InspectionFactory(project=project, hazardous_work=work, lead=inspector, started_at=timezone.now())
    client = english_client(inspector)
    page = client.get(work.get_absolute_url())
    assert page.status_code == 200 and len(page.context["inspections"]) == 1
    start = page.context["start_url"]
    form = client.get(start).context["form"]
    assert str(form.initial["hazardous_work"]) == str(work.pk)
    response = client.post(
        start,
        {
            "project": project.pk,
            "hazardous_work": work.pk,
            "kind": "special",
            "topic": "deep_excavation",
            "level": Level.SUPERVISION,
        },
    )
    assert response.status_code == 302
    assert work.inspections.count() == 2


def test_the_quality_and_safety_panel_shows_on_the_project_page_and_not_on_its_sections_page(
    inspector, project, section, inspection
):
    """The panel is registered for projects (apps.py): a section, though it has the project's inspections, has none."""
    FindingFactory(inspection=inspection, project=project, severity=Severity.GENERAL)
    client = english_client(inspector)

    project_page = client.get(project.get_absolute_url())
    section_page = client.get(section.get_absolute_url())

    assert (project_page.status_code, section_page.status_code) == (200, 200)
    [panel] = [p for p in project_page.context["panels"] if p["template"] == "inspections/project_panel.html"]
    assert (panel["inspections"], panel["findings"]["open"]) == (1, 1)
    assert 'id="project-inspections"' in project_page.content.decode()
    assert 'id="project-inspections"' not in section_page.content.decode()
