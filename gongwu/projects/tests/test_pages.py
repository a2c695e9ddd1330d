"""The project pages as a user reads them: the summary's figures and the lists behind them, the stage change,
the project page and the task-list results."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.projects.models import (
    ApprovalRole,
    AwardLevel,
    Category,
    Milestone,
    MilestoneKind,
    Project,
    ProjectSettings,
    Stage,
    StageChange,
    TaskKind,
)
from gongwu.projects.testing import (
    AwardFactory,
    ProjectFactory,
    TaskItemFactory,
    TaskListFactory,
    record_approval,
    started_project,
)

D = datetime.date


class Figures(HTMLParser):
    """Every `<a data-figure=KEY href=URL>` of a page, with the text of its number (`.gw-number`)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.figures: dict[str, tuple[str, str]] = {}
        self.titles: dict[str, str] = {}
        self._link: tuple[str, str] | None = None
        self._number_tag = ""
        self._depth = 0
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "a" and "data-figure" in attributes:
            self._link = (attributes["data-figure"], attributes["href"])
            self._text = []
            if attributes.get("title"):
                self.titles[attributes["data-figure"]] = attributes["title"]
            if "gw-number" in (attributes.get("class") or "").split():
                self._number_tag, self._depth = tag, 1
        elif self._link and not self._depth and "gw-number" in (attributes.get("class") or "").split():
            self._number_tag, self._depth = tag, 1
        elif self._depth and tag == self._number_tag:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == self._number_tag:
            self._depth -= 1
        if tag == "a" and self._link and not self._depth:
            key, url = self._link
            self.figures.setdefault(key, ("".join(self._text).strip(), url))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)

    def value(self, key: str) -> str:
        return self.figures[key][0]

    def url(self, key: str) -> str:
        return self.figures[key][1]


def listed(client, url: str) -> int:
    """How many records the list page at `url` says it shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(r"(\d+) records?\b", response.content.decode())
    assert found, f"no record count on {url}"
    return int(found.group(1))


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="测试市建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def admin(agency):
    return testing.UserFactory(organization=agency, role=Role.ADMIN)


@pytest.fixture
def portfolio(agency):
    """3 schools completed in 2023 (2,400 places), 2 in 2022 (1,200), a road started in 2023, a hospital
    started in 2022 and topped out in 2023, a completed sub-project (not counted), another agency's school."""
    schools_2023 = [
        started_project(D(2021, 3, 1), D(2023, month, 15), agency=agency, category=Category.SCHOOL, school_places=n)
        for month, n in ((3, 1000), (6, 800), (9, 600))
    ]
    for month, n in ((4, 500), (10, 700)):
        started_project(D(2020, 3, 1), D(2022, month, 15), agency=agency, category=Category.SCHOOL, school_places=n)
    road = started_project(D(2023, 5, 8), agency=agency, category=Category.ROAD, road_length_km=Decimal("2.5"))
    hospital = started_project(D(2022, 6, 1), agency=agency, category=Category.HOSPITAL, uses_bim=True)
    Milestone.objects.create(project=hospital, kind=MilestoneKind.TOPPING_OUT, actual_date=D(2023, 8, 1))
    started_project(
        D(2021, 5, 1), D(2023, 7, 1), agency=agency, parent=schools_2023[0], category=Category.SCHOOL, school_places=99
    )
    AwardFactory(project=schools_2023[0], level=AwardLevel.NATIONAL, year=2023)
    AwardFactory(project=schools_2023[1], level=AwardLevel.CITY, year=2023)
    AwardFactory(project=schools_2023[1], level=AwardLevel.CITY, year=2022)
    # received: the road in 2023 (2.5 亿元), the hospital in 2022; lead time 立项 → 施工许可: the road's permit
    # came in 2023 after 60 days, the hospital's in 2022 after 130
    Project.objects.filter(pk=road.pk).update(
        received_on=D(2023, 2, 10), received_source="plan", approved_investment=Decimal("250000000")
    )
    Project.objects.filter(pk=hospital.pk).update(received_on=D(2022, 1, 5), received_source="agency")
    record_approval(road, ApprovalRole.PROJECT_APPROVAL, D(2023, 3, 9))
    record_approval(hospital, ApprovalRole.PROJECT_APPROVAL, D(2022, 1, 22))
    started_project(D(2021, 1, 5), D(2023, 5, 5), category=Category.SCHOOL, school_places=9999)  # another agency
    return {"schools": schools_2023, "road": road, "hospital": hospital}


def test_summary_shows_the_hand_computed_figures(staff, portfolio):
    response = testing.english_client(staff).get(reverse("projects:summary") + "?year=2023")
    assert response.status_code == 200
    page = Figures(response.content.decode())
    expected = {
        "total": "7",
        "sub_projects": "1",
        "started": "1",
        "started_previous": "1",
        "started-municipal": "1",
        "started-road": "1",
        "started-building": "0",
        "completed": "3",
        "completed_previous": "2",
        "completed-school": "3",
        "completed-building": "3",
        "completed-road": "0",
        "advancing": "1",
        "advancing-hospital": "1",
        "school_places": "2,400",
        "school_places_previous": "1,200",
        "road_length_km": "0",
        "stage-completed": "5",
        "stage-construction": "2",
        "group-building": "6",
        "group-municipal": "1",
        "received": "1",
        "received_previous": "1",
        "received_investment": "2.50 hundred-million yuan",
        "lead_time": "60 days",
        "lead_time_previous": "130 days",
        "milestone-start": "1",
        "milestone-completion_acceptance": "4",
        "milestone-topping_out": "1",
        "topped_out_hospitals": "1",
        "awards": "2",
        "award-national": "1",
        "award-city": "1",
        "feature-bim": "1",
    }
    assert {key: page.value(key) for key in expected} == expected
    outcome_row = re.search(r'data-outcome="school_places".*?</tr>', response.content.decode(), re.S).group(0)
    assert "+100.0%" in outcome_row
    assert "+50.0%" in response.content.decode()  # completed: 3 against 2


def test_every_figure_of_the_summary_lists_exactly_the_projects_it_counts(staff, portfolio):
    client = testing.english_client(staff)
    page = Figures(client.get(reverse("projects:summary") + "?year=2023").content.decode())
    outcome_keys = {"school_places", "hospital_beds", "parking_spaces", "road_length_km", "floor_area"}
    outcome_keys |= {f"{k}_previous" for k in outcome_keys}
    checked = 0
    for key, (value, url) in page.figures.items():
        if key in outcome_keys or key in {"lead_time", "lead_time_previous", "received_investment"}:
            # an outcome total links to the completed projects that contribute to it, an average or a sum
            # to the projects it is taken over
            expected = int(re.match(r"\d+", page.titles[key]).group(0))
        elif key in {"approval", "investment"}:
            continue
        else:
            expected = int(value.replace(",", ""))
        assert listed(client, url) == expected, f"{key}: the card says {value}, its list {url} differs"
        checked += 1
    assert checked >= 50
    assert parse_qs(urlsplit(page.url("completed")).query)["level"] == ["top"]
    assert listed(client, page.url("school_places")) == 3
    assert listed(client, page.url("school_places_previous")) == 2


def test_summary_for_an_agency_chosen_by_a_regulator_links_to_that_agency(agency, portfolio):
    regulator_org = testing.RegulatorFactory()
    agency.parent = regulator_org
    agency.save()
    other = testing.AgencyFactory(parent=regulator_org)
    started_project(D(2021, 1, 5), D(2023, 5, 5), agency=other, category=Category.SCHOOL, school_places=5)
    regulator = testing.UserFactory(organization=regulator_org, role=Role.REGULATOR)
    client = testing.english_client(regulator)
    whole = Figures(client.get(reverse("projects:summary") + "?year=2023").content.decode())
    assert whole.value("completed") == "4"
    response = client.get(reverse("projects:summary") + f"?year=2023&agency={agency.pk}")
    assert 'id="id_agency"' in response.content.decode()
    one = Figures(response.content.decode())
    assert one.value("completed") == "3"
    assert listed(client, one.url("completed")) == 3
    assert parse_qs(urlsplit(one.url("completed")).query)["agency"] == [str(agency.pk)]


def test_summary_for_a_custom_period_counts_only_that_period(staff, portfolio):
    client = testing.english_client(staff)
    page = Figures(client.get(reverse("projects:summary") + "?from=2023-01-01&to=2023-06-30").content.decode())
    assert page.value("completed") == "2"
    assert page.value("school_places") == "1,800"
    assert listed(client, page.url("completed")) == 2


def test_summary_with_a_malformed_period_says_so(staff, portfolio):
    response = testing.english_client(staff).get(reverse("projects:summary") + "?year=2023&from=2023-13-01")
    assert response.status_code == 422
    assert "Dates are written YYYY-MM-DD." in response.content.decode()


# ---- stage change -------------------------------------------------------------------------------


def test_a_stage_change_through_a_closed_gate_is_refused_and_nothing_changes(staff, agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    client = testing.english_client(staff)
    url = reverse("projects:stage_change", args=[project.pk])
    page = client.get(url).content.decode()
    assert "A project enters “Under construction” only with its construction permit recorded" in page
    entries = ChangeLogEntry.objects.count()
    response = client.post(url, {"stage": Stage.CONSTRUCTION, "entered_on": "2024-03-01", "override_reason": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The stage was not changed." in body
    assert 'id="stage-errors"' in body
    assert "construction permit recorded" in body
    assert 'id="override-note"' in body  # staff cannot override: told who can
    assert 'name="override_reason"' not in body
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION
    assert not StageChange.objects.filter(project=project).exists()
    assert ChangeLogEntry.objects.count() == entries


def test_staff_cannot_override_a_gate_even_with_a_reason(staff, agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    response = testing.english_client(staff).post(
        reverse("projects:stage_change", args=[project.pk]),
        {"stage": Stage.CONSTRUCTION, "entered_on": "2024-03-01", "override_reason": "领导同意"},
    )
    assert response.status_code == 422
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION


def test_an_admin_overrides_a_gate_with_a_reason_shown_on_the_timeline(admin, agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    client = testing.english_client(admin)
    url = reverse("projects:stage_change", args=[project.pk])
    assert 'name="override_reason"' in client.get(url).content.decode()
    reason = "应急工程，先行开工，施工许可补办"
    response = client.post(url, {"stage": Stage.CONSTRUCTION, "entered_on": "2024-03-01", "override_reason": reason})
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    project.refresh_from_db()
    assert (project.stage, project.stage_entered_on) == (Stage.CONSTRUCTION, D(2024, 3, 1))
    page = client.get(project.get_absolute_url()).content.decode()
    timeline = re.search(r'id="timeline".*?</table>', page, re.S).group(0)
    assert reason in timeline
    assert "2024-03-01" in timeline
    assert "Override" in timeline
    assert 'aria-current="step"' in timeline


def test_a_stage_change_with_the_gate_open_succeeds_for_staff(staff, agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 2, 1))
    response = testing.english_client(staff).post(
        reverse("projects:stage_change", args=[project.pk]), {"stage": Stage.CONSTRUCTION, "entered_on": "2024-02-05"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION


def test_another_agencys_user_cannot_see_or_change_the_stage(agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    stranger = testing.UserFactory(role=Role.ADMIN)  # admin of another agency
    client = testing.english_client(stranger)
    url = reverse("projects:stage_change", args=[project.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"stage": Stage.CONSTRUCTION, "entered_on": "2024-03-01", "override_reason": "x"})
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION
    assert client.get(project.get_absolute_url()).status_code == 404


def test_a_read_only_user_gets_no_change_stage_button_and_is_refused(agency):
    project = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    integrity = testing.UserFactory(organization=agency, role=Role.INTEGRITY)
    client = testing.english_client(integrity)
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'id="change-stage"' not in page
    assert client.get(reverse("projects:stage_change", args=[project.pk])).status_code == 403


# ---- the project page ---------------------------------------------------------------------------


def test_project_page_shows_the_lead_time_in_calendar_and_working_days_against_the_target(staff, agency):
    ProjectSettings.objects.create(agency=agency, lead_time_target=30)
    project = ProjectFactory(agency=agency, stage=Stage.CONSTRUCTION, name="示范学校")
    # 2024-01-26 → 2024-03-01 spans the Spring Festival (10-17 Feb off, Sundays 4 and 18 Feb worked):
    # 35 calendar days; working days 3 in January + 18 in February + 1 in March = 22.
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2024, 1, 26), document_number="发改〔2024〕1号")
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 3, 1), planned_date=D(2024, 2, 20))
    page = testing.english_client(staff).get(project.get_absolute_url()).content.decode()
    lead = re.search(r'id="lead-time".*?</div>\s*</div>\s*</div>', page, re.S).group(0)
    assert re.search(r'id="lead-time-calendar">35<', lead)
    assert re.search(r'id="lead-time-working">22<', lead)
    assert "Over target" in lead
    assert "Target: at most 30 (calendar days)." in page
    assert "发改〔2024〕1号" in page
    assert "Late" in re.search(r'id="approvals".*?</table>', page, re.S).group(0)


def test_project_page_shows_its_sections_and_prefilled_add_links(staff, agency):
    parent = ProjectFactory(
        agency=agency, stage=Stage.CONSTRUCTION, name="示范医院", approved_investment=Decimal("3.86e9")
    )
    ProjectFactory(agency=agency, parent=parent, name="住院楼")
    Milestone.objects.create(project=parent, kind=MilestoneKind.TOPPING_OUT, planned_date=D(2020, 1, 1))
    AwardFactory(project=parent, name="鲁班奖", level=AwardLevel.NATIONAL, year=2023)
    TaskItemFactory(task_list=TaskListFactory(agency=agency, year=2024), project=parent, kind=TaskKind.ADVANCE)
    for month, percent in ((1, 10), (2, 25)):
        parent.progress_reports.create(month=D(2024, month, 1), percent=percent)
    page = testing.english_client(staff).get(parent.get_absolute_url()).content.decode()
    assert "38.60 hundred-million yuan" in page
    assert "25%" in page
    assert "住院楼" in re.search(r'id="sub-projects".*?</table>', page, re.S).group(0)
    assert "鲁班奖" in page
    assert "1 overdue" in page
    assert 'id="progress-chart-data"' in page
    assert '"values": [10.0, 25.0]' in page
    for name in ("approval", "milestone", "progressreport", "award"):
        assert f'href="{reverse(f"projects:{name}_add")}?project={parent.pk}"' in page
    assert "施工许可证" in re.search(r'id="missing-approvals".*?</div>\s*</div>', page, re.S).group(0)


def test_the_add_link_prefills_the_project(staff, agency):
    project = ProjectFactory(agency=agency)
    page = testing.english_client(staff).get(reverse("projects:milestone_add") + f"?project={project.pk}")
    assert re.search(rf'<option value="{project.pk}" selected>', page.content.decode())


# ---- the task list ------------------------------------------------------------------------------


def test_task_list_page_shows_plan_vs_actual_and_the_rows_behind_each_number(staff, agency):
    task_list = TaskListFactory(agency=agency, year=2024)
    done = started_project(D(2024, 3, 1), agency=agency, name="按时开工项目")
    late = ProjectFactory(agency=agency, name="未开工项目")
    TaskItemFactory(task_list=task_list, project=done, kind=TaskKind.START, planned_date=D(2024, 4, 30))
    TaskItemFactory(task_list=task_list, project=late, kind=TaskKind.START, planned_date=D(2024, 5, 31))
    client = testing.english_client(staff)
    response = client.get(task_list.get_absolute_url())
    page = Figures(response.content.decode())
    assert (page.value("planned"), page.value("achieved"), page.value("behind")) == ("2", "1", "1")
    body = response.content.decode()
    assert "50.0%" in body
    assert f'href="{reverse("projects:taskitem_add")}?task_list={task_list.pk}"' in body
    achieved = client.get(page.url("achieved")).content.decode()
    group = re.search(r'id="tasks-start".*?</table>', achieved, re.S).group(0)
    assert "按时开工项目" in group and "未开工项目" not in group
    assert "On time" in group
    behind = client.get(page.url("behind")).content.decode()
    group = re.search(r'id="tasks-start".*?</table>', behind, re.S).group(0)
    assert "未开工项目" in group and "按时开工项目" not in group
    assert "Missed" in group  # 2024 is over
