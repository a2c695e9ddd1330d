"""The monthly report (月度固投报表): asked for on a page, built by the worker as a Job, downloaded by the
person who asked, and read back with openpyxl: one row per plan, totals that are the sum of the shown
rows, rates cut as investment_figures.rate cuts them, the lag class in words, the monthly curves and a native chart.

Hand-made figures (2025, to the end of March, template schedule 8% by March):
three plans of 33,333,333.33 元, so each is scheduled 2,666,666.67 元 by March and the plans' 3333.33 万元
only add up to the total 10,000.00 万元 when one row is rounded up (largest remainder).
  GL-A  confirmed 1,000,000 (Jan) + 1,700,000 (Mar) = 2,700,000 → 101.24% of schedule (cut, not 101.25): 按期推进
  GL-B  confirmed 2,200,000 (Feb) → 82.49% → 提请关注; a submitted 900,000 in March does not count
  GL-C  confirmed 1,000,000 (Mar) → 37.49% → 督办滞后
Payments to the end of March: GL-A 4,000,000 against funds of 20,000,000 (20.00%); GL-B 1,234,567.89 against
its plan (no funds given); a payment of GL-A in April is not counted.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from gongwu.core import testing
from gongwu.core.models import Job, JobStatus, OrganizationKind, Role, user_may
from gongwu.investment import figures as investment_figures
from gongwu.investment.models import ActualStatus, AnnualPlan
from gongwu.investment.testing import AnnualPlanFactory, actual, payment
from gongwu.projects.testing import ProjectFactory

YEAR, MONTH = 2025, 3
REPORT_URL = "/investment/report/"
PLAN = Decimal("33333333.33")
HEADERS = [
    "No.",
    "project code",
    "project name",
    "funding source",
    "annual plan",
    "schedule target to date",
    "completed this month",
    "completed to date",
    "completion rate (%)",
    "schedule completion (%)",
    "paid to date",
    "payment rate (%)",
    "status",
]
MONEY = ["annual plan", "schedule target to date", "completed this month", "completed to date", "paid to date"]


@pytest.fixture
def figures(agency: Any) -> dict[str, AnnualPlan]:
    def plan(code: str, **fields: Any) -> AnnualPlan:
        project = ProjectFactory(agency=agency, code=code, name=f"{code}项目")
        return AnnualPlanFactory(project=project, year=YEAR, amount=PLAN, **fields)

    a, b, c = plan("GL-A", funds_available=Decimal("20000000")), plan("GL-B"), plan("GL-C")
    actual(a, 1, "1000000")
    actual(a, 3, "1700000")
    actual(b, 2, "2200000")
    actual(b, 3, "900000", status=ActualStatus.SUBMITTED)
    actual(c, 3, "1000000")
    payment(a, datetime.date(YEAR, 2, 15), "4000000")
    payment(a, datetime.date(YEAR, 4, 2), "1000000")
    payment(b, datetime.date(YEAR, 3, 31), "1234567.89")
    # Another agency's plan and last year's plan of GL-A: in no row of this report.
    other = AnnualPlanFactory(project=ProjectFactory(code="CS-X"), year=YEAR, amount=Decimal("50000000"))
    actual(other, 1, "9000000")
    AnnualPlanFactory(project=a.project, year=YEAR - 1, amount=Decimal("70000000"))
    return {"GL-A": a, "GL-B": b, "GL-C": c}


def client_in(user: Any, language: str) -> Any:
    client = testing.english_client(user)
    client.cookies["django_language"] = language
    return client


def build(client: Any, capture: Any, **data: Any) -> tuple[Any, Job]:
    with capture(execute=True):
        response = client.post(REPORT_URL, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    return response, job


def download(client: Any, job: Job) -> bytes:
    response = client.get(reverse("core:job_file", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def cell(value: Any) -> Decimal:
    """A number cell as the Decimal it shows (openpyxl reads floats)."""
    return Decimal(str(value))


@pytest.fixture
def report(staff: Any, agency: Any, figures: dict, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """The report of the hand-made figures, asked for in English."""
    client = client_in(staff, "en")
    _response, job = build(client, django_capture_on_commit_callbacks, year=YEAR, month=MONTH, agency=agency.pk)
    content = download(client, job)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = grid[2]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in grid[3:-1]}
    return {
        "job": job,
        "content": content,
        "workbook": workbook,
        "grid": grid,
        "rows": rows,
        "total": dict(zip(header, grid[-1], strict=True)),
    }


# ---- the job and the file -----------------------------------------------------------------------


def test_the_report_is_built_as_a_job_with_its_file(report: dict, staff: Any) -> None:
    job = report["job"]
    assert (job.status, job.kind, job.user) == (JobStatus.DONE, "investment_report", staff)
    assert (job.progress, job.total) == (3, 3)
    assert job.message == "3 projects in the report."
    assert job.file.name.endswith(".xlsx")
    assert job.params == {"agency_ids": [staff.organization_id], "year": YEAR, "month": MONTH, "tag": ""}


def test_only_the_person_who_asked_downloads_the_file(report: dict, agency: Any) -> None:
    colleague = testing.UserFactory(organization=agency, role=Role.LEADER)
    url = reverse("core:job_file", args=[report["job"].pk])
    assert testing.english_client(colleague).get(url).status_code == 404
    outsider = testing.UserFactory(organization=testing.AgencyFactory(), role=Role.STAFF)
    assert testing.english_client(outsider).get(url).status_code == 404


def test_the_sheet_has_the_title_the_unit_and_the_columns_sent_upward(report: dict) -> None:
    grid = report["grid"]
    assert grid[0][0] == "鼓楼区建设工务署 fixed-asset investment, January–3月 2025"
    assert grid[1][0].startswith("Unit: 万元. Payment rate against funds available for the year.")
    assert grid[2] == HEADERS
    assert [r[1] for r in grid[3:-1]] == ["GL-A", "GL-B", "GL-C"]  # one row per plan of the year, in code order
    assert [r[0] for r in grid[3:-1]] == [1, 2, 3]
    assert grid[-1][0] == "Total"
    assert grid[-1][1] == "3 projects"


def test_rows_show_the_hand_made_figures_in_wan(report: dict) -> None:
    a, b, c = (report["rows"][code] for code in ("GL-A", "GL-B", "GL-C"))
    assert [cell(a[h]) for h in MONEY] == [Decimal(v) for v in ("3333.34", "266.67", "170", "270", "400")]
    assert [cell(b[h]) for h in MONEY] == [Decimal(v) for v in ("3333.33", "266.67", "0", "220", "123.46")]
    assert [cell(c[h]) for h in MONEY] == [Decimal(v) for v in ("3333.33", "266.66", "100", "100", "0")]


def test_the_totals_row_is_the_sum_of_the_rows_shown(report: dict) -> None:
    rows, total = report["rows"].values(), report["total"]
    for header in MONEY:
        assert sum((cell(r[header]) for r in rows), Decimal(0)) == cell(total[header]), header
    # The totals are the real sums rounded half up: 99,999,999.99 元 is 10,000.00 万元 (not 3 × 3333.33).
    assert [cell(total[h]) for h in MONEY] == [Decimal(v) for v in ("10000", "800", "270", "590", "523.46")]


def test_rates_are_cut_at_two_places_as_services_rate_cuts_them(report: dict) -> None:
    a, b, c = (report["rows"][code] for code in ("GL-A", "GL-B", "GL-C"))
    scheduled = Decimal("2666666.67")
    assert (
        cell(a["schedule completion (%)"])
        == investment_figures.rate(Decimal("2700000"), scheduled)
        == Decimal("101.24")
    )
    assert (
        cell(b["schedule completion (%)"]) == investment_figures.rate(Decimal("2200000"), scheduled) == Decimal("82.49")
    )
    assert (
        cell(c["schedule completion (%)"]) == investment_figures.rate(Decimal("1000000"), scheduled) == Decimal("37.49")
    )
    assert cell(a["completion rate (%)"]) == investment_figures.rate(Decimal("2700000"), PLAN) == Decimal("8.1")
    assert (
        cell(a["payment rate (%)"]) == investment_figures.rate(Decimal("4000000"), Decimal("20000000")) == Decimal("20")
    )
    assert cell(b["payment rate (%)"]) == investment_figures.rate(Decimal("1234567.89"), PLAN) == Decimal("3.7")
    assert cell(c["payment rate (%)"]) == 0
    total = report["total"]
    assert cell(total["completion rate (%)"]) == investment_figures.rate(Decimal("5900000"), 3 * PLAN) == Decimal("5.9")
    assert cell(total["schedule completion (%)"]) == investment_figures.rate(Decimal("5900000"), 3 * scheduled)
    funds = Decimal("20000000") + 2 * PLAN
    assert cell(total["payment rate (%)"]) == investment_figures.rate(Decimal("5234567.89"), funds) == Decimal("6.03")


def test_the_status_column_names_the_lagging_plans(report: dict) -> None:
    rows = report["rows"]
    assert [rows[code]["status"] for code in ("GL-A", "GL-B", "GL-C")] == [
        "On schedule (按期推进)",
        "Behind (提请关注)",
        "Seriously behind (督办滞后)",
    ]
    assert report["total"]["status"] == "1 提请关注, 1 督办滞后"


def test_the_second_sheet_has_the_monthly_curves_in_yi(report: dict) -> None:
    curves = report["workbook"].worksheets[1]
    grid = [list(row) for row in curves.iter_rows(values_only=True)]
    assert curves.title == "Monthly curves"
    assert grid[0] == ["month", "Annual plan", "Schedule", "Completed (confirmed)", "Paid"]
    assert [r[0] for r in grid[1:]] == [f"{m}月" for m in range(1, 13)]
    assert [r[1] for r in grid[1:]] == [1.0] * 12
    assert [r[2] for r in grid[1:4]] == [0.02, 0.05, 0.08]
    assert grid[12][2] == 1.0
    assert [r[3] for r in grid[1:]] == [0.01, 0.032, 0.059, *[None] * 9]  # confirmed only, none after March
    assert [r[4] for r in grid[1:4]] == [0, 0.04, 0.0523]


def test_the_workbook_carries_a_native_line_chart(report: dict) -> None:
    with zipfile.ZipFile(io.BytesIO(report["content"])) as archive:
        names = archive.namelist()
        assert "xl/charts/chart1.xml" in names
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart or "<lineChart>" in chart
    assert "Monthly curves" in chart  # its series read the curves sheet


def test_the_report_is_in_chinese_when_asked_for_in_chinese(
    staff: Any, agency: Any, figures: dict, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_in(staff, "zh-hans")
    _response, job = build(client, django_capture_on_commit_callbacks, year=YEAR, month=MONTH, agency=agency.pk)
    workbook = load_workbook(io.BytesIO(download(client, job)))
    grid = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    with translation.override("zh-hans"):
        # Until the catalogue has every header, an untranslated one stays in English (the lead adds them).
        expected = [gettext(h) for h in HEADERS]
        curves_title = gettext("Monthly curves")
        behind = gettext("Behind (提请关注)")
    assert grid[2] == expected
    assert "项目编号" in grid[2]  # a header the catalogue already has: the job ran in the asker's language
    assert grid[-1][0] == "合计"
    statuses = {r[1]: r[-1] for r in grid[3:-1]}
    assert statuses["GL-B"] == behind
    assert "提请关注" in statuses["GL-B"] and "督办滞后" in statuses["GL-C"]
    assert workbook.worksheets[1].title == curves_title


def test_a_city_agency_reports_its_districts_side_by_side_and_the_totals_still_add_up(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    city = testing.AgencyFactory(name="福州市建筑工务署", short_name="市工务署")
    districts = [
        testing.AgencyFactory(name=f"{n}区建设工务署", short_name=f"{n}区", parent=city) for n in ("鼓楼", "台江")
    ]
    assert all(d.kind == OrganizationKind.AGENCY for d in districts)
    amounts = ["10000000.01", "20000000.02", "30000000.03", "12345678.99"]
    for n, amount in enumerate(amounts):
        project = ProjectFactory(agency=districts[n % 2], code=f"D-{n}")
        plan = AnnualPlanFactory(project=project, year=YEAR, amount=Decimal(amount))
        actual(plan, 2, Decimal(amount) / 7)
    leader = testing.UserFactory(organization=city, role=Role.LEADER)
    client = client_in(leader, "en")
    _response, job = build(client, django_capture_on_commit_callbacks, year=YEAR, month=MONTH, agency="all")
    assert job.status == JobStatus.DONE, job.message
    grid = [list(r) for r in load_workbook(io.BytesIO(download(client, job))).worksheets[0].iter_rows(values_only=True)]
    assert grid[2][:3] == ["No.", "agency", "project code"]
    assert sorted({r[1] for r in grid[3:-1]}) == ["台江区", "鼓楼区"]
    for column in ("annual plan", "completed to date"):
        index = grid[2].index(column)
        assert sum((cell(r[index]) for r in grid[3:-1]), Decimal(0)) == cell(grid[-1][index])
    plan_total = sum(Decimal(a) for a in amounts)
    assert cell(grid[-1][grid[2].index("annual plan")]) == (plan_total / 10000).quantize(Decimal("0.01"))


# ---- bad requests and refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": YEAR, "month": 13}, "The month must be a number from 1 to 12."),
        ({"year": YEAR, "month": "三"}, "The month must be a number from 1 to 12."),
        ({"year": 1989, "month": 3}, "The year must be a number between 1990 and 2100."),
    ],
    ids=["month 13", "month not a number", "year out of range"],
)
def test_a_bad_request_shows_the_form_again_with_the_error_and_starts_nothing(
    staff: Any, figures: dict, data: dict, message: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in(staff, "en").post(REPORT_URL, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'id="report-form"' in response.content.decode()
    assert not Job.objects.exists()


def test_another_agencys_report_is_refused_and_starts_nothing(
    staff: Any, figures: dict, django_capture_on_commit_callbacks: Any
) -> None:
    stranger = testing.AgencyFactory(name="仓山区建设工务署")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in(staff, "en").post(REPORT_URL, {"year": YEAR, "month": MONTH, "agency": stranger.pk})
    assert response.status_code == 422
    assert "You may not see that agency&#x27;s figures" in response.content.decode()
    assert not Job.objects.exists()


def test_a_user_without_export_rights_is_refused(figures: dict, django_capture_on_commit_callbacks: Any) -> None:
    """A company representative may not export an agency's plans: no report page, no job."""
    user = testing.UserFactory(organization=testing.CompanyFactory(), role=Role.COMPANY)
    assert not user_may(user, AnnualPlan, "export")
    client = client_in(user, "en")
    assert client.get(REPORT_URL).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(REPORT_URL, {"year": YEAR, "month": MONTH}).status_code == 403
    assert not Job.objects.exists()


def test_the_report_page_offers_the_form(staff: Any) -> None:
    response = client_in(staff, "en").get(REPORT_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="build-report"' in content
    assert not Job.objects.exists()


def test_a_project_named_like_a_formula_is_a_text_cell_in_the_report(
    staff: Any, agency: Any, django_capture_on_commit_callbacks: Any
) -> None:
    name = '=HYPERLINK("http://evil.example","查看")'
    AnnualPlanFactory(project=ProjectFactory(agency=agency, code="GL-Z", name=name), year=YEAR, amount=PLAN)
    client = client_in(staff, "en")
    _response, job = build(client, django_capture_on_commit_callbacks, year=YEAR, month=MONTH, agency=agency.pk)
    sheet = load_workbook(io.BytesIO(download(client, job))).worksheets[0]
    [cell] = [c for (c,) in sheet.iter_rows(min_row=4, min_col=3, max_col=3) if c.value == name]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
