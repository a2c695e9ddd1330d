"""The inspections API as a client sees it: the generic CRUD suite per endpoint, score sheets, completion,
findings with photos, the notice loop (issue → answer with photos → send back → answer → close), the
figures, and scoping (another agency, a contractor that sees only what is addressed to it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from gongwu.alerts.models import Case, Level
from gongwu.core import testing
from gongwu.core.models import Organization, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client
from gongwu.inspections import services
from gongwu.inspections.figures import period_figures
from gongwu.inspections.models import (
    CheckItem,
    ChecklistTemplate,
    Finding,
    FindingStatus,
    InspectionStatus,
    ItemResult,
    ScoreSheet,
    Severity,
)
from gongwu.inspections.testing import FindingFactory, InspectionFactory, builtin_sheet, photo
from gongwu.inspections.tests.test_generic_pages import (
    AccidentData,
    CheckItemData,
    ChecklistTemplateData,
    FindingData,
    HazardousWorkData,
    InspectionData,
)
from gongwu.projects.testing import ProjectFactory
from gongwu.projects.tests.test_sections import SectionData

JSON = "application/json"
PAST = "2025-06-02T09:30"


def project_of(agency: Organization) -> Any:
    return ProjectFactory(agency=agency)


# ---- the generic suite per endpoint -------------------------------------------------------------


class TestInspectionAPI(InspectionData, testing.APITests):
    api_prefix = "/api/inspections/"


class TestFindingAPI(FindingData, testing.APITests):
    api_prefix = "/api/findings/"


class TestHazardousWorkAPI(HazardousWorkData, testing.APITests):
    api_prefix = "/api/hazardous-works/"


class TestAccidentAPI(AccidentData, testing.APITests):
    api_prefix = "/api/accidents/"


class TestChecklistTemplateAPI(ChecklistTemplateData, testing.APITests):
    api_prefix = "/api/checklists/"


class TestCheckItemAPI(CheckItemData, testing.APITests):
    api_prefix = "/api/check-items/"


class TestSectionAPI(SectionData, testing.APITests):
    api_prefix = "/api/sections/"


# ---- a site: an agency, its inspector, a project with a contractor, another agency ---------------


class Site:
    def __init__(self) -> None:
        self.agency = AgencyFactory(name="鼓楼区建设工务署")
        self.other_agency = AgencyFactory(name="仓山区建设工务署")
        self.contractor = CompanyFactory(name="闽江建设工程有限公司")
        self.other_contractor = CompanyFactory(name="榕城建设集团有限公司")
        self.inspector = UserFactory(username="inspector", organization=self.agency, role=Role.STAFF)
        self.integrity = UserFactory(username="integrity", organization=self.agency, role=Role.INTEGRITY)
        self.outsider = UserFactory(username="outsider", organization=self.other_agency, role=Role.STAFF)
        self.company_user = UserFactory(username="contractor", organization=self.contractor, role=Role.COMPANY)
        self.other_company_user = UserFactory(
            username="other-contractor", organization=self.other_contractor, role=Role.COMPANY
        )
        self.project = ProjectFactory(agency=self.agency, name="鼓楼第一中学改扩建")
        self.inspection = InspectionFactory(project=self.project)


@pytest.fixture
def site(db: Any) -> Site:
    return Site()


def finding(site: Site, **kwargs: Any) -> Finding:
    return FindingFactory(inspection=site.inspection, responsible_org=site.contractor, **kwargs)


def errors(response: Any) -> list[str]:
    return [row["msg"] for row in response.json()["detail"]]


def test_the_openapi_schema_builds(site: Site) -> None:
    response = api_client(site.inspector).get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/inspections/{pk}/complete/",
        "/api/inspections/{pk}/sheets/",
        "/api/inspections/figures/",
        "/api/score-sheets/{pk}/results/",
        "/api/findings/{pk}/photos/",
        "/api/notices/{pk}/answer/",
        "/api/notices/{pk}/reinspect/",
        "/api/sections/",
    ):
        assert path in paths


# ---- completion ---------------------------------------------------------------------------------


def test_completing_an_inspection_writes_its_result(site: Site) -> None:
    response = api_client(site.inspector).post(
        f"/api/inspections/{site.inspection.pk}/complete/", {"result": "基本符合要求"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["result"]) == ("completed", "基本符合要求")
    site.inspection.refresh_from_db()
    assert site.inspection.status == InspectionStatus.COMPLETED


def test_completing_without_a_body_or_with_a_bad_one(site: Site) -> None:
    client = api_client(site.inspector)
    url = f"/api/inspections/{site.inspection.pk}/complete/"
    assert client.post(url, "[1]", content_type=JSON).status_code == 422
    assert client.post(url).status_code == 200


def test_who_may_not_complete_an_inspection(site: Site) -> None:
    url = f"/api/inspections/{site.inspection.pk}/complete/"
    assert api_client(site.outsider).post(url).status_code == 404
    assert api_client(site.company_user).post(url).status_code == 404
    assert api_client(site.integrity).post(url).status_code == 403
    site.inspection.refresh_from_db()
    assert site.inspection.status == InspectionStatus.IN_PROGRESS


# ---- score sheets -------------------------------------------------------------------------------


def add_sheet(site: Site, code: str = "safety_management") -> dict[str, Any]:
    response = api_client(site.inspector).post(
        f"/api/inspections/{site.inspection.pk}/sheets/", {"template": builtin_sheet(code).pk}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_adding_a_sheet_starts_every_item_at_full_points(site: Site) -> None:
    sheet = add_sheet(site)
    assert sheet["table_no"] and sheet["score"] == "100.00"
    assert len(sheet["items"]) == 10
    assert all(item["deduction"] == "0.00" for item in sheet["items"])
    retrieved = api_client(site.inspector).get(f"/api/score-sheets/{sheet['id']}/")
    assert retrieved.json() == sheet


def test_adding_a_sheet_refuses_an_unknown_or_foreign_checklist(site: Site) -> None:
    foreign = ChecklistTemplate.objects.create(agency=site.other_agency, name="仓山质量巡查表")
    client = api_client(site.inspector)
    url = f"/api/inspections/{site.inspection.pk}/sheets/"
    for template in (foreign.pk, 999999):
        response = client.post(url, {"template": template}, content_type=JSON)
        assert response.status_code == 422
        assert errors(response) == ["No such checklist among those you may use."]
    assert not ScoreSheet.objects.exists()
    other = api_client(site.outsider).post(url, {"template": builtin_sheet("safety_management").pk}, content_type=JSON)
    assert other.status_code == 404


def test_recording_results_rescores_the_sheet_and_the_inspection(site: Site) -> None:
    sheet = add_sheet(site)
    second = sheet["items"][5]
    response = api_client(site.inspector).post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": second["item_id"], "deduction": "4", "not_applicable": False, "note": "未见记录"}]},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sheet"]["score"] == "96.00"
    assert body["sheet"]["items"][5]["note"] == "未见记录"
    site.inspection.refresh_from_db()
    assert body["inspection"] == {
        "id": site.inspection.pk,
        "score": f"{site.inspection.score:.2f}",
        "grade": site.inspection.grade,
    }
    assert site.inspection.grade


def test_a_guarantee_item_at_zero_zeroes_the_sheet(site: Site) -> None:
    sheet = add_sheet(site)
    first = sheet["items"][0]
    assert first["guarantee"]
    response = api_client(site.inspector).post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": first["item_id"], "deduction": first["points"]}]},
        content_type=JSON,
    )
    assert response.json()["sheet"]["score"] == "0.00"
    assert response.json()["sheet"]["zero_reason"] == "guarantee_item_at_zero"


def test_a_deduction_over_the_items_points_saves_nothing(site: Site) -> None:
    sheet = add_sheet(site)
    first, second = sheet["items"][0], sheet["items"][5]
    response = api_client(site.inspector).post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": second["item_id"], "deduction": "3"}, {"item": first["item_id"], "deduction": "11"}]},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert errors(response) == [f"At most 10 points can be deducted on “{first['text']}”."]
    assert not ItemResult.objects.filter(deduction__gt=0).exists()
    assert ScoreSheet.objects.get(pk=sheet["id"]).score == Decimal("100.00")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"item": 999999, "deduction": "1"}, "These items are not on the sheet: [999999]."),
        ({"deduction": "1", "not_applicable": True}, "An item that does not apply has no deduction."),
    ],
)
def test_bad_results_answer_422(site: Site, entry: dict[str, Any], message: str) -> None:
    sheet = add_sheet(site)
    entry = {"item": sheet["items"][5]["item_id"], **entry}
    response = api_client(site.inspector).post(
        f"/api/score-sheets/{sheet['id']}/results/", {"results": [entry]}, content_type=JSON
    )
    assert response.status_code == 422
    assert errors(response) == [message]


def test_a_completed_inspections_sheet_no_longer_changes(site: Site) -> None:
    sheet = add_sheet(site)
    services.complete_inspection(site.inspection, site.inspector)
    response = api_client(site.inspector).post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": sheet["items"][5]["item_id"], "deduction": "2"}]},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert errors(response) == ["The inspection is completed; its sheets can no longer change."]


def test_another_agency_does_not_see_or_fill_the_sheet(site: Site) -> None:
    sheet = add_sheet(site)
    client = api_client(site.outsider)
    assert client.get(f"/api/score-sheets/{sheet['id']}/").status_code == 404
    posted = client.post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": sheet["items"][5]["item_id"], "deduction": "2"}]},
        content_type=JSON,
    )
    assert posted.status_code == 404
    assert api_client(site.integrity).get(f"/api/score-sheets/{sheet['id']}/").status_code == 200
    refused = api_client(site.integrity).post(
        f"/api/score-sheets/{sheet['id']}/results/",
        {"results": [{"item": sheet["items"][5]["item_id"], "deduction": "2"}]},
        content_type=JSON,
    )
    assert refused.status_code == 403


# ---- checklists ---------------------------------------------------------------------------------


def test_built_in_checklists_are_read_only_except_for_a_superuser(site: Site) -> None:
    builtin = builtin_sheet("safety_management")
    url = f"/api/checklists/{builtin.pk}/"
    assert api_client(site.inspector).get(url).json()["agency_id"] is None
    assert api_client(site.inspector).patch(url, {"order": 7}, content_type=JSON).status_code == 403
    assert api_client(site.inspector).delete(url).status_code == 403
    admin = UserFactory(username="root", organization=site.agency, role=Role.ADMIN, is_superuser=True)
    changed = api_client(admin).patch(url, {"order": 7}, content_type=JSON)
    assert changed.status_code == 200, changed.content
    assert (changed.json()["order"], changed.json()["agency_id"]) == (7, None)


def test_a_built_in_check_item_is_read_only(site: Site) -> None:
    item = builtin_sheet("safety_management").items.first()
    refused = api_client(site.inspector).patch(f"/api/check-items/{item.pk}/", {"text": "x"}, content_type=JSON)
    assert refused.status_code == 403


# ---- findings -----------------------------------------------------------------------------------


def finding_form(site: Site, **extra: Any) -> dict[str, Any]:
    return {
        "inspection_id": site.inspection.pk,
        "category": "power",
        "severity": "general",
        "description": "配电箱未设漏电保护",
        "responsible_org_id": site.contractor.pk,
        **extra,
    }


def test_a_finding_with_photos_from_a_form(site: Site) -> None:
    client = api_client(site.inspector)
    response = client.post("/api/findings/", finding_form(site, photos=[photo("a.jpg"), photo("b.jpg")]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["project_id"], body["status"]) == (site.project.pk, "open")
    photos = client.get(f"/api/findings/{body['id']}/photos/").json()
    assert [p["name"] for p in photos] == ["a.jpg", "b.jpg"]
    assert photos[0]["mime_type"] == "image/jpeg"
    assert photos[0]["url"].endswith(f"/attachments/{photos[0]['id']}/")
    assert client.get(photos[0]["url"]).status_code in (200, 302)


def test_a_file_that_is_not_a_photo_saves_nothing(site: Site) -> None:
    pdf = SimpleUploadedFile("report.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    response = api_client(site.inspector).post("/api/findings/", finding_form(site, photos=[pdf]))
    assert response.status_code == 422
    assert errors(response) == ["“report.jpg” is not a photo (JPEG, PNG, WebP or HEIC)."]
    assert not Finding.objects.exists()


def test_the_finding_form_reports_a_file_that_is_not_a_photo(site: Site) -> None:
    from gongwu.inspections.forms import FindingForm

    data = {
        "inspection": site.inspection.pk,
        "category": "power",
        "severity": "general",
        "description": "配电箱未设漏电保护",
        "responsible_org": site.contractor.pk,
    }
    pdf = SimpleUploadedFile("report.jpg", b"%PDF-1.7", content_type="image/jpeg")
    form = FindingForm(data=data, files=MultiValueDict({"photos": [pdf]}), user=site.inspector)
    assert not form.is_valid()
    assert form.errors["photos"] == ["“report.jpg” is not a photo (JPEG, PNG, WebP or HEIC)."]


def test_a_photo_too_large_saves_nothing(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_PHOTO_BYTES", 1024 * 1024)
    big = photo("big.jpg", photo().read() + b"\x00" * (1024 * 1024))
    response = api_client(site.inspector).post("/api/findings/", finding_form(site, photos=[big]))
    assert response.status_code == 422
    assert "larger than 1 MB" in errors(response)[0]
    assert not Finding.objects.exists()


def test_a_bad_form_answers_422(site: Site) -> None:
    response = api_client(site.inspector).post("/api/findings/", finding_form(site, inspection_id="x"))
    assert response.status_code == 422
    assert not Finding.objects.exists()


def test_a_serious_finding_opens_a_red_case(site: Site) -> None:
    response = api_client(site.inspector).post(
        "/api/findings/", finding_form(site, severity="serious"), content_type=JSON
    )
    assert response.status_code == 201, response.content
    [case] = Case.objects.all()
    assert (case.level, case.responsible_org) == (Level.RED, site.contractor)


def test_a_contractor_sees_only_the_findings_addressed_to_it(site: Site) -> None:
    mine, theirs = finding(site), FindingFactory(inspection=site.inspection, responsible_org=site.other_contractor)
    client = api_client(site.company_user)
    listed = client.get("/api/findings/", {"limit": 1000})
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert client.get(f"/api/findings/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/findings/{theirs.pk}/photos/").status_code == 404
    assert client.get(f"/api/findings/{mine.pk}/photos/").status_code == 200
    assert client.patch(f"/api/findings/{mine.pk}/", {"description": "x"}, content_type=JSON).status_code == 403
    assert api_client(site.outsider).get(f"/api/findings/{mine.pk}/").status_code == 404


# ---- notices ------------------------------------------------------------------------------------


def issue(site: Site, *findings: Finding, **extra: Any) -> Any:
    return api_client(site.inspector).post(
        "/api/notices/",
        {"findings": [f.pk for f in findings], "kind": "safety", "working_days": 5, **extra},
        content_type=JSON,
    )


def test_issuing_a_notice(site: Site) -> None:
    first, second = finding(site), finding(site, severity=Severity.MAJOR)
    response = issue(site, first, second, requirements="立即整改")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == f"安督〔{timezone.localdate().year}〕1号"
    assert (body["company_id"], body["status"], body["requirements"]) == (site.contractor.pk, "open", "立即整改")
    assert sorted(f["id"] for f in body["findings"]) == sorted([first.pk, second.pk])
    assert {f["status"] for f in body["findings"]} == {"notified"}
    case = Case.objects.get(pk=body["case_id"])
    assert (case.level, case.responsible_org) == (Level.ORANGE, site.contractor)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"findings": []}, "A notice needs at least one finding."),
        ({"working_days": 90}, "The deadline is 1 to 60 working days."),
    ],
)
def test_a_bad_notice_answers_422(site: Site, extra: dict[str, Any], message: str) -> None:
    response = issue(site, finding(site), **extra)
    assert response.status_code == 422
    assert errors(response) == [message]
    assert not Case.objects.exists()


def test_a_notice_for_findings_one_may_not_change_answers_422(site: Site) -> None:
    foreign = FindingFactory(inspection=InspectionFactory(project=ProjectFactory(agency=site.other_agency)))
    response = issue(site, foreign)
    assert response.status_code == 422
    assert errors(response) == [f"No such findings among those you may change: [{foreign.pk}]."]
    issued = api_client(site.company_user).post("/api/notices/", {"findings": [finding(site).pk]}, content_type=JSON)
    assert issued.status_code == 403


def answer_form(notice: dict[str, Any], text: str = "已加装漏电保护器", with_photo: bool = True) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for f in notice["findings"]:
        form[f"text_{f['id']}"] = text
        if with_photo:
            form[f"photos_{f['id']}"] = photo("after.jpg")
    return form


def test_the_notice_loop_through_the_api(site: Site) -> None:
    notice = issue(site, finding(site)).json()
    url = f"/api/notices/{notice['id']}/"
    company = api_client(site.company_user)
    inspector = api_client(site.inspector)

    missing = company.post(url + "answer/", answer_form(notice, with_photo=False))
    assert missing.status_code == 422
    assert "Attach a photo after rectification" in errors(missing)[0]

    answered = company.post(url + "answer/", answer_form(notice))
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered"
    assert answered.json()["findings"][0]["status"] == "rectified"
    finding_id = notice["findings"][0]["id"]
    photos = inspector.get(f"/api/findings/{finding_id}/photos/").json()
    assert [p["description"] for p in photos] == ["After rectification"]

    assert company.post(url + "reinspect/", {"close": True}, content_type=JSON).status_code == 403
    no_reason = inspector.post(url + "reinspect/", {"close": False, "text": ""}, content_type=JSON)
    assert no_reason.status_code == 422
    sent_back = inspector.post(url + "reinspect/", {"close": False, "text": "照片不清晰"}, content_type=JSON)
    assert sent_back.status_code == 200, sent_back.content
    assert sent_back.json()["status"] == "open"
    assert sent_back.json()["findings"][0]["status"] == "notified"

    again = company.post(url + "answer/", answer_form(notice, text="已更换并复测"))
    assert again.json()["status"] == "answered"
    closed = inspector.post(url + "reinspect/", {"close": True, "text": "复查合格"}, content_type=JSON)
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert Finding.objects.get(pk=finding_id).status == FindingStatus.CLOSED
    assert inspector.get(url).json()["findings"][0]["rectification"] == "已更换并复测"


def test_a_json_answer_when_the_checklist_needs_no_photos(site: Site) -> None:
    template = ChecklistTemplate.objects.create(agency=site.agency, name="质量巡查表", evidence_required=False)
    item = CheckItem.objects.create(template=template, number=1, text="钢筋间距", points=10)
    notice = issue(site, finding(site, item=item)).json()
    answers = {"answers": [{"finding": notice["findings"][0]["id"], "text": "已按图调整"}]}
    response = api_client(site.company_user).post(f"/api/notices/{notice['id']}/answer/", answers, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered"


def test_an_answer_must_cover_every_finding_and_only_the_notices(site: Site) -> None:
    notice = issue(site, finding(site), finding(site)).json()
    url = f"/api/notices/{notice['id']}/answer/"
    company = api_client(site.company_user)
    form = answer_form(notice)
    del form[f"text_{notice['findings'][1]['id']}"]
    partial = company.post(url, form)
    assert partial.status_code == 422
    assert "missing" in errors(partial)[0]
    stranger = finding(site)
    extra = company.post(url, {**answer_form(notice), f"text_{stranger.pk}": "x"})
    assert extra.status_code == 422
    assert errors(extra) == [f"Not on this notice: [{stranger.pk}]."]
    assert company.post(url, "[1]", content_type=JSON).status_code == 422
    assert not Finding.objects.filter(status=FindingStatus.RECTIFIED).exists()


def test_only_the_addressed_company_answers(site: Site) -> None:
    notice = issue(site, finding(site)).json()
    url = f"/api/notices/{notice['id']}/answer/"
    assert api_client(site.inspector).post(url, answer_form(notice)).status_code == 403
    assert api_client(site.other_company_user).post(url, answer_form(notice)).status_code == 404
    assert api_client(site.outsider).post(url, answer_form(notice)).status_code == 404
    assert (
        api_client(site.outsider)
        .post(f"/api/notices/{notice['id']}/reinspect/", {"close": True}, content_type=JSON)
        .status_code
        == 404
    )


def test_a_contractor_sees_only_the_notices_addressed_to_it(site: Site) -> None:
    mine = issue(site, finding(site)).json()
    other = FindingFactory(inspection=site.inspection, responsible_org=site.other_contractor)
    theirs = issue(site, other).json()
    client = api_client(site.company_user)
    listed = client.get("/api/notices/", {"limit": 1000}).json()
    assert [row["id"] for row in listed["results"]] == [mine["id"]]
    assert client.get(f"/api/notices/{theirs['id']}/").status_code == 404
    assert api_client(site.outsider).get(f"/api/notices/{mine['id']}/").status_code == 404
    assert api_client(site.outsider).get("/api/notices/", {"count": "true"}).json()["count"] == 0


# ---- figures ------------------------------------------------------------------------------------


def test_the_figures_are_the_services(site: Site) -> None:
    finding(site, severity=Severity.SERIOUS)
    issue(site, finding(site))
    year = timezone.localdate().year
    response = api_client(site.inspector).get("/api/inspections/figures/", {"year": year})
    assert response.status_code == 200, response.content
    body = response.json()
    expected = period_figures([site.agency.pk], datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert body["agency_ids"] == [site.agency.pk]
    assert (body["inspections"], body["findings"], body["notices"]) == (1, 2, 1)
    assert (body["by_severity"], body["closed"]) == (expected.by_severity, 0)
    assert body["companies"][0]["company_id"] == site.contractor.pk
    assert body["companies"][0]["findings"] == 2


def test_the_figures_of_a_period_and_bad_queries(site: Site) -> None:
    client = api_client(site.inspector)
    old = client.get("/api/inspections/figures/", {"from": "2001-01-01", "to": "2001-12-31"}).json()
    assert (old["start"], old["inspections"]) == ("2001-01-01", 0)
    backwards = client.get("/api/inspections/figures/", {"from": "2025-02-01", "to": "2025-01-01"})
    assert backwards.status_code == 422
    foreign = client.get("/api/inspections/figures/", {"agency": site.other_agency.pk})
    assert foreign.status_code == 422
    assert api_client(site.company_user).get("/api/inspections/figures/").status_code == 403
