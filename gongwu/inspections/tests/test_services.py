"""Inspections without HTTP: JGJ 59-2011 scoring on stored sheets, findings and their photos, the notice loop
(answer, re-inspection, send-back, overdue escalation), the figures of a period and scoping.

Worked examples follow STANDARDS.md §1 (JGJ 59-2011 §4.0.3, §5.0.2); the arithmetic is in the comments.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from PIL import Image

from gongwu.alerts import services as alerts
from gongwu.alerts.models import Case, CaseEvent, EventAction, Kind, Status
from gongwu.alerts.models import Level as AlertLevel
from gongwu.core.models import Attachment, ChangeLogEntry, Organization, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, RegulatorFactory, UserFactory, gps_exif, image_bytes
from gongwu.inspections import services
from gongwu.inspections.figures import period_figures, score_trend
from gongwu.inspections.models import (
    CASE_SOURCE,
    Accident,
    AccidentKind,
    CheckItem,
    ChecklistKind,
    ChecklistTemplate,
    Finding,
    FindingCategory,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    Level,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
    Severity,
    Topic,
)
from gongwu.inspections.services import Answer, ItemEntry
from gongwu.inspections.testing import JPEG_BYTES, FindingFactory, InspectionFactory, builtin_sheet, photo
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db

D = Decimal
NA = "缺项"

PNG_BYTES = image_bytes("PNG")
WEBP_BYTES = image_bytes("WEBP")
HEIC_BYTES = image_bytes("HEIF")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], datetime.date]:
    """Set the day the services see: `timezone.localdate()` and the opening day of a new case."""
    original = timezone.localdate
    state: dict[str, datetime.date | None] = {"day": None}

    def localdate(value: Any = None, tz: Any = None) -> datetime.date:
        if value is None and state["day"] is not None:
            return state["day"]
        return original(value, tz)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    monkeypatch.setattr(Case._meta.get_field("opened_on"), "_get_default", lambda: localdate())

    def set_day(day: datetime.date) -> datetime.date:
        state["day"] = day
        return day

    return set_day


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def inspector(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.INSPECTOR, display_name="王督查")


@pytest.fixture
def company(db: Any) -> Any:
    return CompanyFactory(name="闽江建设工程有限公司")


@pytest.fixture
def company_user(company: Any) -> Any:
    return UserFactory(organization=company, role=Role.COMPANY)


@pytest.fixture
def project(agency: Any) -> Any:
    return ProjectFactory(agency=agency, name="A 鼓楼一中教学楼")


@pytest.fixture
def inspection(project: Any, inspector: Any) -> Inspection:
    return InspectionFactory(project=project, lead=inspector, started_at=at(datetime.date(2026, 9, 29)))


# ---- helpers ------------------------------------------------------------------------------------


def fill(sheet: ScoreSheet, actor: Any, entries: dict[str, Any]) -> Any:
    """Record results by item name, as the inspector reads the sheet: points deducted, or NA for 缺项."""
    ids = {item.text: item.pk for item in sheet.template.items.all()}
    return services.record_results(
        sheet,
        {
            ids[name]: ItemEntry(not_applicable=True) if value == NA else ItemEntry(deduction=D(str(value)))
            for name, value in entries.items()
        },
        actor,
    )


def sheet_of(inspection: Inspection, code: str, actor: Any, entries: dict[str, Any] | None = None) -> ScoreSheet:
    sheet = services.add_sheet(inspection, builtin_sheet(code), actor)
    if entries:
        fill(sheet, actor, entries)
    sheet.refresh_from_db()
    return sheet


def scored(inspection: Inspection) -> tuple[Decimal | None, str]:
    inspection.refresh_from_db()
    return inspection.score, inspection.grade


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


def case_of_finding(finding: Finding) -> Case | None:
    return Case.objects.filter(
        subject_type=ContentType.objects.get_for_model(Finding), subject_id=str(finding.pk)
    ).first()


# ---- 1. JGJ 59 scoring through the database -----------------------------------------------------


def test_a_new_sheet_starts_at_full_points(inspection, inspector):
    sheet = sheet_of(inspection, "safety_management", inspector)
    assert sheet.results.count() == 10
    assert (sheet.score, sheet.zero_reason) == (D("100.00"), "")


def test_a_deduction_above_the_items_points_is_refused_and_nothing_is_stored(inspection, inspector):
    sheet = sheet_of(inspection, "safety_management", inspector)
    with pytest.raises(ValidationError) as exc:
        fill(sheet, inspector, {"持证上岗": 5, "安全生产责任制": 12})
    assert messages(exc) == ["At most 10 points can be deducted on “安全生产责任制”."]
    assert sorted(set(sheet.results.values_list("deduction", flat=True))) == [D(0)]
    sheet.refresh_from_db()
    assert sheet.score == D("100.00")


def test_an_item_that_does_not_apply_cannot_carry_a_deduction(inspection, inspector):
    sheet = sheet_of(inspection, "safety_management", inspector)
    item = sheet.template.items.get(text="安全标志")
    with pytest.raises(ValidationError) as exc:
        services.record_results(sheet, {item.pk: ItemEntry(deduction=D(2), not_applicable=True)}, inspector)
    assert messages(exc) == ["An item that does not apply has no deduction."]
    assert ItemResult.objects.get(sheet=sheet, item=item).not_applicable is False


def test_a_deduction_up_to_the_items_points_is_taken(inspection, inspector):
    # 持证上岗 −10 (all its points), 安全标志 −2.5: 100 − 12.5 = 87.5
    sheet = sheet_of(inspection, "safety_management", inspector, {"持证上岗": 10, "安全标志": "2.5"})
    assert (sheet.score, sheet.zero_reason) == (D("87.50"), "")
    assert scored(inspection) == (D("87.50"), "good")


def test_a_guarantee_item_at_zero_scores_the_sheet_zero_and_fails_the_inspection(inspection, inspector):
    # §4.0.3-3: 安全教育 (保证项目, 10 points) loses all 10: the sheet scores 0 although 90 points remain.
    sheet = sheet_of(inspection, "safety_management", inspector, {"安全教育": 10})
    assert (sheet.score, sheet.zero_reason) == (D("0.00"), "guarantee_item_at_zero")
    assert scored(inspection) == (D("0.00"), "fail")


def test_guarantee_items_under_40_score_the_sheet_zero(inspection, inspector):
    # 4 points off each of the six 保证项目: 60 − 24 = 36 < 40 → 0, though the sheet would read 76.
    guarantee = ["安全生产责任制", "施工组织设计及专项施工方案", "安全技术交底", "安全检查", "安全教育", "应急救援"]
    sheet = sheet_of(inspection, "safety_management", inspector, dict.fromkeys(guarantee, 4))
    assert (sheet.score, sheet.zero_reason) == (D("0.00"), "guarantee_subtotal_below_40")


def test_guarantee_items_at_exactly_40_keep_the_sheet_score(inspection, inspector):
    # 4 points off five 保证项目: 60 − 20 = 40, not under 40 → 100 − 20 = 80
    guarantee = ["安全生产责任制", "施工组织设计及专项施工方案", "安全技术交底", "安全检查", "安全教育"]
    sheet = sheet_of(inspection, "safety_management", inspector, dict.fromkeys(guarantee, 4))
    assert (sheet.score, sheet.zero_reason) == (D("80.00"), "")


def test_items_that_do_not_apply_are_left_out_and_the_sheet_rescaled(inspection, inspector):
    # §4.0.3-5: 分包单位安全管理 (10) 缺项; 持证上岗 −4, 安全标志 −2.5: D = 90 − 6.5 = 83.5, E = 90,
    # A2 = 83.5 / 90 × 100 = 92.777… → 92.78
    sheet = sheet_of(
        inspection, "safety_management", inspector, {"分包单位安全管理": NA, "持证上岗": 4, "安全标志": "2.5"}
    )
    assert (sheet.score, sheet.zero_reason) == (D("92.78"), "")


def test_a_missing_guarantee_item_rescales_the_40_point_test(inspection, inspector):
    # 应急救援 缺项; 12 points off three 保证项目: 38 of 50 → 38/50 × 60 = 45.6 ≥ 40, so the sheet scores
    # (90 − 12) / 90 × 100 = 86.666… → 86.67 (unrescaled, 38 < 40 would have zeroed it).
    sheet = sheet_of(
        inspection,
        "safety_management",
        inspector,
        {"应急救援": NA, "安全生产责任制": 4, "安全技术交底": 4, "安全检查": 4},
    )
    assert (sheet.score, sheet.zero_reason) == (D("86.67"), "")
    # 5 more points off: 33 of 50 → 39.6 < 40 → 0
    fill(sheet, inspector, {"安全教育": 5})
    sheet.refresh_from_db()
    assert (sheet.score, sheet.zero_reason) == (D("0.00"), "guarantee_subtotal_below_40")


def test_scaffold_variants_are_averaged_and_missing_lines_rescaled_in_the_summary(inspection, inspector):
    # 安全管理 100 → A1 = 10; 文明施工 80 → A1 = 15 × 80 / 100 = 12;
    # 脚手架: 扣件式 90 and 悬挑式 75 → C = 82.5, A1 = 10 × 82.5 / 100 = 8.25.
    # The seven other lines are 缺项: total = (10 + 12 + 8.25) / (10 + 15 + 10) × 100 = 86.428… → 86.43 优良
    sheet_of(inspection, "safety_management", inspector)
    sheet_of(inspection, "civilized_construction", inspector, {"综合治理": 10, "公示标牌": 10})
    fastener = sheet_of(inspection, "fastener_scaffold", inspector, {"横向水平杆设置": 10})
    cantilever = sheet_of(inspection, "cantilever_scaffold", inspector, {"杆件间距": 10, "架体防护": 10, "层间防护": 5})
    assert (fastener.score, cantilever.score) == (D("90.00"), D("75.00"))
    summary = services.score_inspection(inspection)
    scaffold = next(line for line in summary.lines if line.sheet.code == "scaffold")
    assert (scaffold.table_score, scaffold.score) == (D("82.50"), D("8.25"))
    assert [line.sheet.code for line in summary.lines if not line.applicable] == [
        "foundation_pit",
        "formwork_support",
        "work_at_height",
        "temporary_power",
        "hoists",
        "cranes",
        "construction_machinery",
    ]
    assert (summary.points_scored, summary.points_checked) == (D("30.25"), 35)
    assert scored(inspection) == (D("86.43"), "good")


@pytest.mark.parametrize(
    ("deductions", "total", "grade"),
    [
        # 安全管理 alone: its score is the total (A1 = 10 × C / 100, total = A1 / 10 × 100).
        ({"分包单位安全管理": 10, "持证上岗": 10}, D("80.00"), "good"),
        ({"分包单位安全管理": 10, "持证上岗": 10, "安全标志": "0.1"}, D("79.90"), "pass"),
        ({"分包单位安全管理": 10, "持证上岗": 10, "安全标志": 10}, D("70.00"), "pass"),
        ({"分包单位安全管理": 10, "持证上岗": 10, "安全标志": 10, "生产安全事故处理": "0.1"}, D("69.90"), "fail"),
    ],
)
def test_the_grade_changes_at_80_and_70(inspection, inspector, deductions, total, grade):
    sheet_of(inspection, "safety_management", inspector, deductions)
    assert scored(inspection) == (total, grade)


def test_any_sheet_at_zero_fails_the_inspection_whatever_the_total(inspection, inspector):
    # 安全管理 100 (A1 10), 文明施工 100 (15), 施工用电 100 (10); 脚手架: 扣件式 100 and 悬挑式 0 (悬挑钢梁
    # at zero) → C = 50, A1 = 5. Total = 40 / 45 × 100 = 88.89, but a sheet scored 0: 不合格.
    sheet_of(inspection, "safety_management", inspector)
    sheet_of(inspection, "civilized_construction", inspector)
    sheet_of(inspection, "temporary_power", inspector)
    sheet_of(inspection, "fastener_scaffold", inspector)
    cantilever = sheet_of(inspection, "cantilever_scaffold", inspector, {"悬挑钢梁": 10})
    assert (cantilever.score, cantilever.zero_reason) == (D("0.00"), "guarantee_item_at_zero")
    assert scored(inspection) == (D("88.89"), "fail")


def test_an_agency_quality_checklist_scores_the_mean_of_its_sheets_as_a_percentage(inspection, inspector, agency):
    template = ChecklistTemplate.objects.create(agency=agency, name="主体结构质量巡查表", kind=ChecklistKind.QUALITY)
    for number, (text, points) in enumerate([("钢筋工程", 20), ("模板工程", 30), ("混凝土工程", 50)], start=1):
        CheckItem.objects.create(template=template, number=number, text=text, points=points)
    first = services.add_sheet(inspection, template, inspector)
    second = services.add_sheet(inspection, template, inspector)
    fill(first, inspector, {"混凝土工程": 10})  # 90 / 100 → 90
    fill(second, inspector, {"钢筋工程": NA, "混凝土工程": 16})  # (30 + 34) / 80 → 80
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.score, second.score) == (D("90.00"), D("80.00"))
    assert scored(inspection) == (D("85.00"), "")


def test_another_agencys_checklist_cannot_be_used(inspection, inspector):
    template = ChecklistTemplate.objects.create(agency=AgencyFactory(), name="仓山质量表", kind=ChecklistKind.QUALITY)
    with pytest.raises(ValidationError) as exc:
        services.add_sheet(inspection, template, inspector)
    assert messages(exc) == ["The checklist belongs to another agency."]
    assert not inspection.sheets.exists()


def test_another_agencys_inspector_cannot_record_results(inspection, inspector):
    sheet = sheet_of(inspection, "safety_management", inspector)
    outsider = UserFactory(organization=AgencyFactory(), role=Role.INSPECTOR)
    item = sheet.template.items.get(text="安全标志")
    with pytest.raises(PermissionDenied):
        services.record_results(sheet, {item.pk: ItemEntry(deduction=D(2))}, outsider)
    assert ItemResult.objects.get(sheet=sheet, item=item).deduction == 0


def test_a_completed_inspection_refuses_more_results(inspection, inspector):
    sheet = sheet_of(inspection, "safety_management", inspector, {"安全标志": 5})
    services.complete_inspection(inspection, inspector, result="基本符合要求")
    inspection.refresh_from_db()
    assert (inspection.status, inspection.result, inspection.score, inspection.grade) == (
        InspectionStatus.COMPLETED,
        "基本符合要求",
        D("95.00"),
        "good",
    )
    sheet = ScoreSheet.objects.get(pk=sheet.pk)
    with pytest.raises(ValidationError) as exc:
        fill(sheet, inspector, {"安全标志": 10})
    assert messages(exc) == ["The inspection is completed; its sheets can no longer change."]
    assert sheet.results.get(item__text="安全标志").deduction == D(5)
    assert scored(inspection) == (D("95.00"), "good")


# ---- 2. findings and photos ---------------------------------------------------------------------


def new_finding(inspection: Inspection, company: Any, **fields: Any) -> Finding:
    fields.setdefault("category", FindingCategory.SCAFFOLD)
    fields.setdefault("description", "连墙件缺失")
    return Finding(inspection=inspection, responsible_org=company, **fields)


def test_a_finding_takes_its_project_and_day_from_its_inspection_and_keeps_its_photos(inspection, inspector, company):
    finding = services.record_finding(new_finding(inspection, company), inspector, [photo("连墙件.jpg")])
    finding.refresh_from_db()
    assert (finding.project, finding.found_on, finding.status) == (
        inspection.project,
        datetime.date(2026, 9, 29),
        FindingStatus.OPEN,
    )
    stored = list(services.photos_of(finding).values_list("name", "mime_type", "description"))
    assert stored == [("连墙件.jpg", "image/jpeg", "On site")]
    assert case_of_finding(finding) is None


def test_a_finding_addressed_to_an_agency_is_refused(inspection, inspector, agency):
    with pytest.raises(ValidationError) as exc:
        services.record_finding(new_finding(inspection, agency), inspector)
    assert exc.value.message_dict["responsible_org"] == [
        "A finding is addressed to a company taking part in the project."
    ]
    assert not Finding.objects.exists()


def test_a_serious_finding_opens_a_red_case_at_once(inspection, inspector, company):
    finding = services.record_finding(
        new_finding(inspection, company, severity=Severity.SERIOUS, description="深基坑无支护"), inspector
    )
    case = case_of_finding(finding)
    assert case is not None
    assert (case.source, case.kind, case.level, case.responsible_org, case.status, case.subject) == (
        CASE_SOURCE,
        Kind.RECTIFICATION,
        AlertLevel.RED,
        company,
        Status.ASSIGNED,
        finding,
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("a.jpg", JPEG_BYTES, "image/jpeg"),
        ("b.png", PNG_BYTES, "image/png"),
        ("c.webp", WEBP_BYTES, "image/webp"),
        ("d.heic", HEIC_BYTES, "image/heic"),
    ],
)
def test_photos_of_every_accepted_type_are_recognised(name, content, mime):
    upload = SimpleUploadedFile(name, content)
    assert services.check_photos([upload]) == [(upload, mime)]
    assert upload.read(4) == content[:4]  # read back from the start when saved


def test_a_text_file_named_jpg_is_not_a_photo_and_nothing_is_saved(inspection, inspector, company):
    text = SimpleUploadedFile("现场.jpg", "整改情况说明".encode(), content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.record_finding(new_finding(inspection, company, severity=Severity.SERIOUS), inspector, [photo(), text])
    assert exc.value.message_dict == {"photos": ["“现场.jpg” is not a photo (JPEG, PNG, WebP or HEIC)."]}
    assert (Finding.objects.count(), Attachment.objects.count(), Case.objects.count()) == (0, 0, 0)


def test_a_photo_over_the_size_limit_is_refused(monkeypatch, inspection, inspector, company):
    monkeypatch.setattr(services, "MAX_PHOTO_BYTES", 1024 * 1024)
    big = photo("大图.jpg", JPEG_BYTES + b"\x00" * (1024 * 1024))
    services.check_photos([photo("小图.jpg", JPEG_BYTES + b"\x00" * (1024 * 1024 - len(JPEG_BYTES)))])
    with pytest.raises(ValidationError) as exc:
        services.record_finding(new_finding(inspection, company), inspector, [big])
    assert exc.value.message_dict == {
        "photos": ["“大图.jpg” is larger than 1 MB; the page shrinks photos taken with the camera."]
    }
    assert (Finding.objects.count(), Attachment.objects.count()) == (0, 0)


# ---- 3. rectification notices -------------------------------------------------------------------


def findings_for(inspection: Inspection, company: Any, *severities: str, item: CheckItem | None = None) -> list:
    return [
        FindingFactory(inspection=inspection, responsible_org=company, severity=severity, item=item)
        for severity in severities
    ]


def test_notices_are_numbered_per_agency_kind_and_year(today, inspection, inspector, company):
    today(datetime.date(2026, 9, 30))
    issue = services.open_rectification_notice
    first = issue(findings_for(inspection, company, Severity.GENERAL), inspector, kind=NoticeKind.SAFETY)
    second = issue(findings_for(inspection, company, Severity.GENERAL), inspector, kind=NoticeKind.SAFETY)
    rectification = issue(findings_for(inspection, company, Severity.GENERAL), inspector)
    quality = issue(findings_for(inspection, company, Severity.GENERAL), inspector, kind=NoticeKind.QUALITY)
    other_agency = AgencyFactory(name="仓山区建设工务署")
    elsewhere = InspectionFactory(
        project=ProjectFactory(agency=other_agency), started_at=at(datetime.date(2026, 9, 29))
    )
    theirs = issue(
        findings_for(elsewhere, company, Severity.GENERAL),
        UserFactory(organization=other_agency, role=Role.INSPECTOR),
        kind=NoticeKind.SAFETY,
    )
    assert [n.number for n in (first, second, rectification, quality, theirs)] == [
        "安督〔2026〕1号",
        "安督〔2026〕2号",
        "整改〔2026〕1号",
        "质督〔2026〕1号",
        "安督〔2026〕1号",
    ]
    today(datetime.date(2027, 1, 4))
    assert issue(findings_for(inspection, company, Severity.GENERAL), inspector, kind=NoticeKind.SAFETY).number == (
        "安督〔2027〕1号"
    )


def test_a_notice_number_is_never_reused_after_a_project_is_deleted(today, agency, inspector, company):
    today(datetime.date(2026, 9, 30))
    first, second = (
        InspectionFactory(project=ProjectFactory(agency=agency), started_at=at(datetime.date(2026, 9, 29)))
        for _ in range(2)
    )
    issue = services.open_rectification_notice
    issue(findings_for(first, company, "general"), inspector)
    issue(findings_for(second, company, "general"), inspector)
    first.project.delete()
    assert issue(findings_for(second, company, "general"), inspector).number == "整改〔2026〕3号"


def test_a_notice_opens_its_case_and_marks_its_findings_notified(today, inspection, inspector, company):
    # Issued Wednesday 30 September 2026 with 3 working days: 1–7 October is the National Day holiday,
    # 8 and 9 October (Thu, Fri) and Saturday 10 October (调休 working day) are the three.
    today(datetime.date(2026, 9, 30))
    findings = findings_for(inspection, company, Severity.GENERAL, Severity.MAJOR)
    notice = services.open_rectification_notice(findings, inspector, working_days=3, requirements="立即整改")
    notice.refresh_from_db()
    assert (notice.issued_on, notice.deadline, notice.company, notice.issued_by, notice.project) == (
        datetime.date(2026, 9, 30),
        datetime.date(2026, 10, 10),
        company,
        inspector,
        inspection.project,
    )
    case = notice.case
    assert (case.source, case.kind, case.level, case.responsible_org, case.deadline, case.status) == (
        CASE_SOURCE,
        Kind.RECTIFICATION,
        AlertLevel.ORANGE,  # the worst finding is 较大
        company,
        datetime.date(2026, 10, 10),
        Status.ASSIGNED,
    )
    assert case.subject == notice
    assert sorted(notice.findings.values_list("status", flat=True)) == [FindingStatus.NOTIFIED] * 2
    assert services.notice_status(notice) == "open"


def test_a_notice_with_one_working_day_skips_the_holiday(today, inspection, inspector, company):
    today(datetime.date(2026, 9, 30))
    notice = services.open_rectification_notice(findings_for(inspection, company, "general"), inspector, working_days=1)
    assert notice.deadline == datetime.date(2026, 10, 8)


def test_a_notice_with_a_serious_finding_is_a_red_case(inspection, inspector, company):
    notice = services.open_rectification_notice(
        findings_for(inspection, company, Severity.GENERAL, Severity.SERIOUS), inspector
    )
    assert notice.case.level == AlertLevel.RED


def refused_notice(findings: list, actor: Any) -> list[str]:
    before = (RectificationNotice.objects.count(), Case.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.open_rectification_notice(findings, actor)
    assert (RectificationNotice.objects.count(), Case.objects.count()) == before
    return exc.value.messages


def test_a_notice_without_findings_is_refused(inspector):
    assert refused_notice([], inspector) == ["A notice needs at least one finding."]


def test_a_notice_for_several_companies_is_refused(inspection, inspector, company):
    findings = findings_for(inspection, company, "general") + findings_for(inspection, CompanyFactory(), "general")
    assert refused_notice(findings, inspector) == [
        "A notice is addressed to one company; these findings are for several."
    ]
    assert set(Finding.objects.values_list("status", flat=True)) == {FindingStatus.OPEN}


def test_a_notice_for_several_projects_is_refused(inspection, inspector, company, agency):
    elsewhere = InspectionFactory(project=ProjectFactory(agency=agency))
    findings = findings_for(inspection, company, "general") + findings_for(elsewhere, company, "general")
    assert refused_notice(findings, inspector) == ["A notice covers the findings of one project."]


def test_a_finding_already_on_a_notice_cannot_go_on_another(inspection, inspector, company):
    first, second = findings_for(inspection, company, "general", "general")
    first.description = "临边防护缺失"
    first.save()
    notice = services.open_rectification_notice([first], inspector)
    assert refused_notice([first, second], inspector) == ["Already on a notice or closed: 临边防护缺失."]
    assert list(notice.findings.all()) == [first]
    second.refresh_from_db()
    assert (second.status, second.notice) == (FindingStatus.OPEN, None)


def test_a_company_cannot_issue_a_notice(inspection, company, company_user):
    findings = findings_for(inspection, company, "general")
    with pytest.raises(PermissionDenied):
        services.open_rectification_notice(findings, company_user)
    assert not RectificationNotice.objects.exists()


@pytest.fixture
def notice(today, inspection, inspector, company) -> RectificationNotice:
    today(datetime.date(2026, 9, 30))
    findings = findings_for(inspection, company, Severity.GENERAL, Severity.GENERAL)
    serious = services.record_finding(
        new_finding(inspection, company, severity=Severity.SERIOUS, description="基坑临边无防护"), inspector
    )
    return services.open_rectification_notice([*findings, serious], inspector, working_days=3)


def full_answer(notice: RectificationNotice, **fields: Any) -> dict[int, Answer]:
    return {
        f.pk: Answer(text=f"已整改：{f.description}", photos=[photo(f"after-{f.pk}.jpg")], **fields)
        for f in notice.findings.all()
    }


def unchanged(notice: RectificationNotice) -> None:
    notice.case.refresh_from_db()
    assert notice.case.status == Status.ASSIGNED
    assert set(notice.findings.values_list("status", flat=True)) == {FindingStatus.NOTIFIED}
    assert not Attachment.objects.filter(description="After rectification").exists()


def test_only_the_addressed_company_answers_a_notice(notice, inspector):
    other = UserFactory(organization=CompanyFactory(), role=Role.COMPANY)
    for actor in (other, inspector):
        with pytest.raises(PermissionDenied):
            services.answer_notice(notice, full_answer(notice), actor)
    unchanged(notice)


def test_every_finding_needs_its_rectification_text(notice, company_user):
    answers = full_answer(notice)
    first = notice.findings.order_by("pk").first()
    answers[first.pk] = Answer(text="  ", photos=[photo()])
    with pytest.raises(ValidationError) as exc:
        services.answer_notice(notice, answers, company_user)
    assert messages(exc) == [f"Say how each finding was rectified; missing: {first.description}."]
    unchanged(notice)


def test_an_answer_needs_after_photos_when_the_checklist_asks_for_them(notice, company_user):
    answers = full_answer(notice)
    last = notice.findings.order_by("pk").last()
    answers[last.pk] = Answer(text="已设置防护栏杆")
    with pytest.raises(ValidationError) as exc:
        services.answer_notice(notice, answers, company_user)
    assert exc.value.message_dict == {"photos": [f"Attach a photo after rectification for “{last.description}”."]}
    unchanged(notice)


def test_an_answer_with_a_file_that_is_not_a_photo_changes_nothing(notice, company_user):
    answers = full_answer(notice)
    answers[next(iter(answers))] = Answer(text="已整改", photos=[SimpleUploadedFile("x.jpg", b"%PDF-1.7 report")])
    with pytest.raises(ValidationError):
        services.answer_notice(notice, answers, company_user)
    unchanged(notice)


def test_no_photos_are_needed_when_the_checklist_does_not_require_evidence(
    inspection, inspector, company, company_user
):
    template = ChecklistTemplate.objects.create(
        agency=inspection.project.agency, name="资料检查表", kind=ChecklistKind.QUALITY, evidence_required=False
    )
    item = CheckItem.objects.create(template=template, number=1, text="施工日志", points=100)
    findings = findings_for(inspection, company, "general", item=item)
    notice = services.open_rectification_notice(findings, inspector)
    services.answer_notice(notice, {findings[0].pk: Answer(text="已补齐施工日志")}, company_user)
    notice.case.refresh_from_db()
    assert notice.case.status == Status.SUBMITTED


def test_a_builtin_checklist_requires_after_photos(inspection, inspector, company, company_user):
    item = builtin_sheet("temporary_power").items.get(text="配电线路")
    findings = findings_for(inspection, company, "general", item=item)
    notice = services.open_rectification_notice(findings, inspector)
    with pytest.raises(ValidationError):
        services.answer_notice(notice, {findings[0].pk: Answer(text="已整改")}, company_user)
    unchanged(notice)


def answer(notice: RectificationNotice, company_user: Any, day: datetime.date, today: Any) -> None:
    today(day)
    services.answer_notice(notice, full_answer(notice), company_user)
    notice.case.refresh_from_db()


def test_the_answer_submits_the_case_and_reports_the_findings_rectified(today, notice, company_user):
    answer(notice, company_user, datetime.date(2026, 10, 9), today)
    assert notice.case.status == Status.SUBMITTED
    assert services.notice_status(notice) == "answered"
    for finding in notice.findings.all():
        assert (finding.status, finding.rectified_on, finding.rectification) == (
            FindingStatus.RECTIFIED,
            datetime.date(2026, 10, 9),
            f"已整改：{finding.description}",
        )
        assert list(services.photos_of(finding).filter(description="After rectification").values_list("name")) == [
            (f"after-{finding.pk}.jpg",)
        ]
    events = list(notice.case.events.order_by("pk").values_list("action", flat=True))
    assert events[-2:] == [EventAction.STARTED, EventAction.RESPONDED]


def test_reinspection_closes_the_notice_its_findings_and_the_serious_findings_case(
    today, notice, company_user, inspector
):
    answer(notice, company_user, datetime.date(2026, 10, 9), today)
    serious = notice.findings.get(severity=Severity.SERIOUS)
    assert case_of_finding(serious).status == Status.ASSIGNED
    today(datetime.date(2026, 10, 12))
    services.reinspect(notice, inspector, close=True, text="复查合格，同意销项")
    notice.case.refresh_from_db()
    assert (notice.case.status, notice.case.closed_on) == (Status.CLOSED, datetime.date(2026, 10, 12))
    assert services.notice_status(notice) == "closed"
    assert set(notice.findings.values_list("status", "closed_on")) == {
        (FindingStatus.CLOSED, datetime.date(2026, 10, 12))
    }
    own = case_of_finding(serious)
    assert (own.status, own.closed_on) == (Status.CLOSED, datetime.date(2026, 10, 12))


def test_a_notice_sent_back_goes_back_to_the_company_and_a_second_answer_works(today, notice, company_user, inspector):
    answer(notice, company_user, datetime.date(2026, 10, 9), today)
    services.reinspect(notice, inspector, close=False, text="照片不清晰，请补充")
    notice.case.refresh_from_db()
    assert notice.case.status == Status.IN_PROGRESS
    assert set(notice.findings.values_list("status", flat=True)) == {FindingStatus.NOTIFIED}
    assert services.notice_status(notice) == "open"
    serious = notice.findings.get(severity=Severity.SERIOUS)
    assert case_of_finding(serious).status == Status.ASSIGNED
    answer(notice, company_user, datetime.date(2026, 10, 10), today)
    assert notice.case.status == Status.SUBMITTED
    assert set(notice.findings.values_list("status", "rectified_on")) == {
        (FindingStatus.RECTIFIED, datetime.date(2026, 10, 10))
    }
    services.reinspect(notice, inspector, close=True)
    assert set(notice.findings.values_list("status", flat=True)) == {FindingStatus.CLOSED}


def test_the_inspected_company_cannot_reinspect_its_own_rectification(today, notice, company_user):
    answer(notice, company_user, datetime.date(2026, 10, 9), today)
    with pytest.raises(PermissionDenied):
        services.reinspect(notice, company_user, close=True)
    notice.case.refresh_from_db()
    assert notice.case.status == Status.SUBMITTED
    assert set(notice.findings.values_list("status", flat=True)) == {FindingStatus.RECTIFIED}


def test_an_overdue_notice_escalates_like_any_case(today, notice, agency):
    assert (notice.deadline, notice.case.level) == (datetime.date(2026, 10, 10), AlertLevel.RED)
    general = services.open_rectification_notice(
        findings_for(Inspection.objects.get(pk=notice.findings.first().inspection_id), notice.company, "general"),
        notice.issued_by,
        working_days=3,
    )
    assert general.case.level == AlertLevel.YELLOW
    today(datetime.date(2026, 10, 10))
    assert services.notice_status(general) == "open"
    assert alerts.escalate(today=datetime.date(2026, 10, 10), agency_ids=[agency.pk]) == 0
    today(datetime.date(2026, 10, 12))
    assert services.notice_status(general) == "overdue"
    alerts.escalate(today=datetime.date(2026, 10, 12), agency_ids=[agency.pk])
    general.case.refresh_from_db()
    assert general.case.level == AlertLevel.ORANGE
    escalated = CaseEvent.objects.filter(case=general.case, action=EventAction.ESCALATED)
    assert list(escalated.values_list("text", flat=True)) == ["Overdue: level raised from Yellow to Orange."]


# ---- 4. figures ---------------------------------------------------------------------------------

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def march(today, agency, inspector) -> dict[str, Any]:
    """A small month of work; the expected figures are counted by hand in the tests."""
    one = ProjectFactory(agency=agency, name="A 鼓楼一中")
    two = ProjectFactory(agency=agency, name="B 鼓楼二小")
    elsewhere = ProjectFactory(agency=AgencyFactory(), name="C 仓山三中")
    first, second = CompanyFactory(name="甲建设有限公司"), CompanyFactory(name="乙建设有限公司")

    def inspect(project: Any, day: int, kind: str, level: str = Level.SUPERVISION, month: int = 3, **fields) -> Any:
        return InspectionFactory(
            project=project, kind=kind, level=level, started_at=at(datetime.date(2026, month, day)), **fields
        )

    i1 = inspect(one, 2, InspectionKind.SAFETY_ROUTINE)
    i2 = inspect(one, 9, InspectionKind.QUALITY_PATROL)
    i3 = inspect(two, 10, InspectionKind.SPECIAL, Level.SPOT, topic=Topic.DEEP_EXCAVATION)
    i4 = inspect(two, 16, InspectionKind.CIVILIZED, Level.SELF)
    i5 = inspect(one, 27, InspectionKind.SAFETY_ROUTINE, month=2)  # before the period
    i6 = inspect(elsewhere, 5, InspectionKind.SAFETY_ROUTINE)  # another agency

    def find(inspection: Any, category: str, severity: str, company: Any) -> Finding:
        return FindingFactory(inspection=inspection, category=category, severity=severity, responsible_org=company)

    f1 = find(i1, FindingCategory.SCAFFOLD, Severity.GENERAL, first)
    f2 = find(i1, FindingCategory.SCAFFOLD, Severity.SERIOUS, first)
    f3 = find(i2, FindingCategory.QUALITY_STRUCTURE, Severity.MAJOR, second)
    f4 = find(i3, FindingCategory.EXCAVATION, Severity.GENERAL, second)
    find(i4, FindingCategory.EXCAVATION, Severity.GENERAL, first)  # still open
    find(i5, FindingCategory.SCAFFOLD, Severity.GENERAL, first)
    find(i6, FindingCategory.SCAFFOLD, Severity.GENERAL, first)

    company_user = UserFactory(organization=first, role=Role.COMPANY)
    second_user = UserFactory(organization=second, role=Role.COMPANY)
    today(datetime.date(2026, 3, 3))
    n1 = services.open_rectification_notice([f1, f2], inspector, kind=NoticeKind.SAFETY)
    today(datetime.date(2026, 3, 10))
    n2 = services.open_rectification_notice([f3], inspector, kind=NoticeKind.QUALITY, working_days=30)
    today(datetime.date(2026, 3, 11))
    n3 = services.open_rectification_notice([f4], inspector)  # deadline 20 March, never answered
    today(datetime.date(2026, 3, 12))
    services.answer_notice(n1, full_answer(n1), company_user)
    services.reinspect(n1, inspector, close=True)  # f1, f2 closed 10 days after 2 March
    services.answer_notice(n2, full_answer(n2), second_user)

    Accident.objects.create(
        project=one, occurred_on=datetime.date(2026, 3, 20), kind=AccidentKind.FALL, deaths=1, description="高处坠落"
    )
    Accident.objects.create(
        project=two,
        occurred_on=datetime.date(2026, 3, 25),
        kind=AccidentKind.STRUCK,
        minor_injuries=2,
        description="物体打击",
    )
    Accident.objects.create(
        project=one, occurred_on=datetime.date(2026, 2, 10), kind=AccidentKind.FALL, description="二月事故"
    )
    today(datetime.date(2026, 3, 31))
    return {"one": one, "two": two, "first": first, "second": second, "notices": (n1, n2, n3)}


def test_figures_count_the_periods_inspections(march, agency):
    figures = period_figures([agency.pk], *MARCH)
    assert figures.inspections == 4
    assert figures.by_kind == {"safety_routine": 1, "quality_patrol": 1, "special": 1, "civilized": 1}
    assert figures.by_level == {"supervision": 2, "spot": 1, "self": 1}
    assert (figures.safety, figures.quality) == (3, 1)


def test_figures_count_notices_issued_closed_and_overdue(march, agency):
    figures = period_figures([agency.pk], *MARCH)
    assert (figures.notices, figures.notices_closed, figures.notices_overdue) == (3, 1, 1)
    assert figures.notices_by_kind == {"safety": 1, "quality": 1, "rectification": 1}
    stored = [RectificationNotice.objects.get(pk=n.pk) for n in march["notices"]]
    assert [services.notice_status(n) for n in stored] == ["closed", "answered", "overdue"]


def test_figures_count_findings_and_their_closing(march, agency):
    figures = period_figures([agency.pk], *MARCH)
    assert figures.findings == 5
    assert figures.by_category == {"scaffold": 2, "quality_structure": 1, "excavation": 2}
    assert figures.by_severity == {"general": 3, "major": 1, "serious": 1}
    assert (figures.closed, figures.closure_rate, figures.average_days) == (2, D("40.0"), D("10.0"))


def test_figures_list_recurring_findings_and_rank_companies(march, agency):
    figures = period_figures([agency.pk], *MARCH)
    assert [(r["project__name"], r["category"], r["n"]) for r in figures.recurring] == [
        ("A 鼓楼一中", "scaffold", 2),
        ("B 鼓楼二小", "excavation", 2),
    ]
    assert [
        (c["responsible_org__name"], c["n"], c["serious"], c["closed"], c["days"], c["closure_rate"])
        for c in figures.companies
    ] == [
        ("甲建设有限公司", 3, 1, 2, D("10.0"), D("66.7")),
        ("乙建设有限公司", 2, 0, 0, None, D("0.0")),
    ]


def test_figures_count_the_periods_accidents(march, agency):
    figures = period_figures([agency.pk], *MARCH)
    assert (figures.accidents, figures.deaths) == (2, 1)


def test_figures_of_an_agency_without_work_are_zero(march):
    figures = period_figures([AgencyFactory().pk], *MARCH)
    assert (figures.inspections, figures.notices, figures.findings, figures.accidents) == (0, 0, 0, 0)
    assert (figures.closure_rate, figures.average_days, figures.recurring, figures.companies) == (None, None, [], [])


def test_figures_count_the_people_killed(agency):
    project = ProjectFactory(agency=agency)
    Accident.objects.create(
        project=project,
        occurred_on=datetime.date(2026, 3, 20),
        kind=AccidentKind.COLLAPSE,
        deaths=2,
        description="坍塌",
    )
    assert period_figures([agency.pk], *MARCH).deaths == 2


def test_the_score_trend_lists_each_projects_scores_oldest_first_busiest_project_first(agency):
    one = ProjectFactory(agency=agency, name="A 一中")
    two = ProjectFactory(agency=agency, name="B 二小")

    def scored_inspection(project: Any, day: int, score: str, grade: str) -> None:
        InspectionFactory(project=project, started_at=at(datetime.date(2026, 3, day)), score=D(score), grade=grade)

    scored_inspection(two, 5, "91.50", "good")
    scored_inspection(one, 20, "72.00", "pass")
    scored_inspection(one, 2, "85.00", "good")
    scored_inspection(one, 25, "88.00", "")  # a quality checklist's percentage: no JGJ 59 grade
    InspectionFactory(project=one, started_at=at(datetime.date(2026, 3, 9)))  # not scored
    scored_inspection(one, 28, "60.00", "fail")
    InspectionFactory(project=one, started_at=at(datetime.date(2026, 4, 2)), score=D("99"), grade="good")
    trend = score_trend([agency.pk], *MARCH)
    assert list(trend) == [one.pk, two.pk]
    assert trend[one.pk] == [
        ("A 一中", datetime.date(2026, 3, 2), D("85.00"), "good"),
        ("A 一中", datetime.date(2026, 3, 20), D("72.00"), "pass"),
        ("A 一中", datetime.date(2026, 3, 28), D("60.00"), "fail"),
    ]
    assert trend[two.pk] == [("B 二小", datetime.date(2026, 3, 5), D("91.50"), "good")]


# ---- 5. scoping ---------------------------------------------------------------------------------


@pytest.fixture
def two_companies(inspection, inspector, company) -> dict[str, Any]:
    other = CompanyFactory(name="乙建设有限公司")
    ours = findings_for(inspection, company, "general")
    theirs = findings_for(inspection, other, "general")
    return {
        "ours": ours,
        "theirs": theirs,
        "our_notice": services.open_rectification_notice(ours, inspector),
        "their_notice": services.open_rectification_notice(theirs, inspector),
    }


def test_a_company_sees_only_what_is_addressed_to_it_and_not_the_inspections(two_companies, company_user):
    assert list(Finding.objects.for_user(company_user)) == two_companies["ours"]
    assert list(RectificationNotice.objects.for_user(company_user)) == [two_companies["our_notice"]]
    assert not Inspection.objects.for_user(company_user).exists()
    assert not ScoreSheet.objects.for_user(company_user).exists()


def test_another_agencys_staff_see_none_of_it(two_companies):
    outsider = UserFactory(organization=AgencyFactory(), role=Role.STAFF)
    for model in (Inspection, Finding, RectificationNotice):
        assert not model.objects.for_user(outsider).exists()


def test_a_regulator_sees_the_agencies_below_it(db):
    regulator = RegulatorFactory(name="福州市住建局")
    below = AgencyFactory(parent=regulator)
    beside = AgencyFactory()
    ours = FindingFactory(inspection=InspectionFactory(project=ProjectFactory(agency=below)))
    FindingFactory(inspection=InspectionFactory(project=ProjectFactory(agency=beside)))
    official = UserFactory(organization=regulator, role=Role.REGULATOR)
    assert list(Finding.objects.for_user(official)) == [ours]
    assert list(Inspection.objects.for_user(official)) == [ours.inspection]
    assert not Finding.objects.for_user(official, "change").exists()


def test_builtin_checklists_are_seen_by_everyone_and_changed_only_by_superusers(agency, company_user):
    builtin = builtin_sheet("safety_management")
    ours = ChecklistTemplate.objects.create(agency=agency, name="鼓楼质量表")
    theirs = ChecklistTemplate.objects.create(agency=AgencyFactory(), name="仓山质量表")
    staff = UserFactory(organization=agency, role=Role.STAFF)
    root = UserFactory(organization=agency, role=Role.ADMIN, is_superuser=True)
    assert builtin in ChecklistTemplate.objects.for_user(company_user)
    assert ours not in ChecklistTemplate.objects.for_user(company_user)
    assert {builtin, ours} <= set(ChecklistTemplate.objects.for_user(staff))
    assert theirs not in ChecklistTemplate.objects.for_user(staff)
    assert list(ChecklistTemplate.objects.for_user(staff, "change")) == [ours]
    assert builtin in ChecklistTemplate.objects.for_user(root, "change")


def test_builtin_check_items_are_changed_only_by_superusers(agency):
    builtin = builtin_sheet("safety_management")
    staff = UserFactory(organization=agency, role=Role.STAFF)
    root = UserFactory(organization=agency, role=Role.ADMIN, is_superuser=True)
    assert not CheckItem.objects.for_user(staff, "change").filter(template=builtin).exists()
    assert CheckItem.objects.for_user(root, "change").filter(template=builtin).count() == 10


def test_a_jpeg_header_followed_by_html_is_not_a_photo_and_nothing_is_saved(inspection, inspector, company):
    forged = photo("现场.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as exc:
        services.record_finding(new_finding(inspection, company), inspector, [photo(), forged])
    assert exc.value.message_dict == {
        "photos": ["“现场.jpg” is not a photo that can be opened (JPEG, PNG, GIF, WebP or HEIC)."]
    }
    assert (Finding.objects.count(), Attachment.objects.count()) == (0, 0)


def stored_exif(attachment: Attachment) -> Any:
    with attachment.file.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read())).getexif()


def test_a_finding_photo_is_stored_without_its_location_and_device(inspection, inspector, company):
    content = image_bytes("JPEG", exif=gps_exif())
    finding = services.record_finding(new_finding(inspection, company), inspector, [photo("现场.jpg", content)])
    exif = stored_exif(services.photos_of(finding).get())
    assert (dict(exif), dict(exif.get_ifd(0x8825))) == ({}, {})


def test_a_finding_photo_keeps_its_location_when_the_agency_keeps_photo_metadata(inspection, inspector, company):
    Organization.objects.filter(pk=inspection.project.agency_id).update(keep_photo_metadata=True)
    content = image_bytes("JPEG", exif=gps_exif())
    finding = services.record_finding(new_finding(inspection, company), inspector, [photo("现场.jpg", content)])
    exif = stored_exif(services.photos_of(finding).get())
    assert (exif[0x010F], exif.get_ifd(0x8825)[2]) == ("Xiaomi", (26.0, 4.0, 30.0))


def test_a_heic_photo_is_stored_as_a_jpeg_every_browser_shows(inspection, inspector, company):
    finding = services.record_finding(
        new_finding(inspection, company), inspector, [photo("IMG_0001.HEIC", image_bytes("HEIF"))]
    )
    assert list(services.photos_of(finding).values_list("name", "mime_type")) == [("IMG_0001.jpg", "image/jpeg")]


# ---- the write path: photos logged, files of a failed write removed -------------------------------


def test_photos_attached_to_a_finding_are_in_the_change_log(inspection, inspector, company):
    finding = services.record_finding(new_finding(inspection, company), inspector, [photo("a.jpg"), photo("b.jpg")])
    attachments = list(services.photos_of(finding))
    logged = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Attachment), action="create", actor=inspector
    )
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(str(a.pk) for a in attachments)


def test_the_photos_of_a_finding_that_fails_to_save_leave_no_file_behind(
    monkeypatch, tmp_path, inspection, inspector, company
):
    def fail(*args: Any, **kwargs: Any) -> None:
        raise ValidationError("the red case could not be opened")

    monkeypatch.setattr(services, "open_major_hazard_case", fail)
    finding = new_finding(inspection, company, severity=Severity.SERIOUS)
    with pytest.raises(ValidationError):
        services.save_finding(
            instance=finding, actor=inspector, data={"photos": services.check_photos([photo("现场.jpg")])}
        )
    assert (Finding.objects.count(), Attachment.objects.count()) == (0, 0)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_finding_form_only_validates_and_the_service_stores_its_photos(inspection, inspector, company):
    from gongwu.core.generic.writes import write_form
    from gongwu.inspections.forms import FindingForm

    form = FindingForm(
        data={
            "inspection": inspection.pk,
            "category": FindingCategory.SCAFFOLD,
            "severity": Severity.GENERAL,
            "description": "脚手板未满铺",
            "responsible_org": company.pk,
        },
        files=MultiValueDict({"photos": [photo("满铺.jpg")]}),
        user=inspector,
    )
    assert form.is_valid(), form.errors
    form.save(commit=False)
    assert (Finding.objects.count(), Attachment.objects.count()) == (0, 0)
    finding = write_form(form, inspector)
    assert [a.name for a in services.photos_of(finding)] == ["满铺.jpg"]
