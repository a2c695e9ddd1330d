"""Who takes part in a project: participations kept by the section services, entered by hand, and what a
company representative sees through them (its projects, their sections, the inspections of its own
sections, read-only) and nothing else."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client, english_client
from gongwu.inspections.models import Inspection
from gongwu.inspections.testing import InspectionFactory
from gongwu.projects import services
from gongwu.projects.models import (
    Approval,
    Milestone,
    Participation,
    ParticipationSource,
    PartyRole,
    Project,
    Section,
)
from gongwu.projects.testing import MilestoneFactory, ProjectFactory
from gongwu.projects.views import ParticipationViews

numbers = itertools.count(1)
TODAY = timezone.localdate()


def contractor(name: str = "") -> Organization:
    return CompanyFactory(kind=OrganizationKind.CONTRACTOR, **({"name": name} if name else {}))


def supervisor() -> Organization:
    return CompanyFactory(kind=OrganizationKind.SUPERVISOR)


def participations(section: Section) -> list[tuple[int, str, datetime.date | None]]:
    return sorted((p.organization_id, p.role, p.ended_on) for p in Participation.objects.filter(section=section))


# ---- the generic suite ----------------------------------------------------------------------------


class ParticipationData(testing.ModelTestData):
    viewset = ParticipationViews
    url_prefix = "/projects/participations/"
    api_prefix = "/api/participations/"
    natural_key = "note"
    edited_field = "note"

    def make_object(self, agency: Organization) -> Participation:
        return Participation.objects.create(
            project=ProjectFactory(agency=agency),
            organization=CompanyFactory(kind=OrganizationKind.CONSULTANT),
            role=PartyRole.CONSULTANT,
            started_on=datetime.date(2026, 3, 1),
            note=f"全过程咨询合同{next(numbers):04d}号",
        )

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "organization": CompanyFactory(kind=OrganizationKind.CONSULTANT).pk,
            "role": PartyRole.CONSULTANT,
            "started_on": "2026-03-01",
            "note": f"全过程咨询合同{next(numbers):04d}号",
        }

    def edit_data(self, obj: Participation) -> dict:
        return {
            "project": obj.project_id,
            "organization": obj.organization_id,
            "role": obj.role,
            "started_on": obj.started_on.isoformat(),
            "note": f"{obj.note}（补充协议）",
        }

    def api_keys(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            ("project_id" if k == "project" else "organization_id" if k == "organization" else k): v
            for k, v in data.items()
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {**self.form_data(agency), "ended_on": "2026-02-01"}
        return data, "ended_on", "cannot end before it starts"

    def filter_case(self, obj: Participation, agency: Organization) -> tuple[dict, Participation]:
        other = self.make_object(agency)
        return {"project_code": obj.project.code}, other


class TestParticipationPages(ParticipationData, testing.ObjectViewTests):
    def test_an_agency_does_not_take_part_in_a_project(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "organization": world.other_agency.pk}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "organization" in response.context["form"].errors


class TestParticipationAPI(ParticipationData, testing.APITests):
    pass


class TestParticipationLedger(ParticipationData, testing.ImportExportTests):
    def import_row(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).code,
            "organization": CompanyFactory(kind=OrganizationKind.CONSULTANT).name,
            "role": "Whole-process consultant (全过程咨询)",
            "started_on": datetime.date(2026, 3, 1),
            "note": f"全过程咨询合同{next(numbers):04d}号",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        return {**self.import_row(agency), "ended_on": datetime.date(2026, 2, 1)}, "cannot end before it starts"


# ---- the section services keep the participations ----------------------------------------------------


@pytest.fixture
def agency(db: Any) -> Organization:
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency: Organization) -> Any:
    return UserFactory(organization=agency, role=Role.STAFF)


def test_a_new_section_makes_its_parties_take_part_in_the_project_and_logs_it(agency, staff) -> None:
    project = ProjectFactory(agency=agency)
    builder, overseer, designer = contractor(), supervisor(), CompanyFactory(kind=OrganizationKind.DESIGNER)
    response = english_client(staff).post(
        "/projects/sections/add/",
        {
            "project": project.pk,
            "name": "施工总承包1标段",
            "contractor": builder.pk,
            "supervisor": overseer.pk,
            "other_parties": [designer.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    section = Section.objects.get(name="施工总承包1标段")
    assert participations(section) == sorted(
        [
            (builder.pk, PartyRole.GENERAL_CONTRACTOR, None),
            (overseer.pk, PartyRole.SUPERVISOR, None),
            (designer.pk, PartyRole.DESIGNER, None),
        ]
    )
    assert set(Participation.objects.filter(section=section).values_list("source", "project", "started_on")) == {
        (ParticipationSource.SECTION, project.pk, TODAY)
    }
    content_type = ContentType.objects.get_for_model(Participation)
    logged = ChangeLogEntry.objects.filter(content_type=content_type, action="create", actor=staff)
    assert logged.count() == 3


def test_a_party_removed_from_a_section_ends_its_participation_and_no_longer_sees_the_project(agency, staff) -> None:
    project = ProjectFactory(agency=agency)
    builder, successor = contractor(), contractor()
    company_user = UserFactory(organization=builder, role=Role.COMPANY)
    section = services.create_section(instance=Section(project=project, name="1标段", contractor=builder), actor=staff)
    assert list(Project.objects.for_user(company_user)) == [project]
    data = {"project": project.pk, "name": "1标段", "contractor": successor.pk, "supervisor": "", "other_parties": []}
    response = english_client(staff).post(f"/projects/sections/{section.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert participations(section) == sorted(
        [(builder.pk, PartyRole.GENERAL_CONTRACTOR, TODAY), (successor.pk, PartyRole.GENERAL_CONTRACTOR, None)]
    )
    ended = Participation.objects.get(organization=builder)
    [entry] = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Participation), object_id=str(ended.pk), action="update"
    )
    assert (entry.before["ended_on"], entry.after["ended_on"]) == (None, TODAY.isoformat())
    assert not Project.objects.for_user(company_user).exists()
    assert english_client(company_user).get(project.get_absolute_url()).status_code == 404


def test_a_deleted_section_leaves_its_participations_on_the_project_ended(agency, staff) -> None:
    project = ProjectFactory(agency=agency)
    builder = contractor()
    section = services.create_section(instance=Section(project=project, name="1标段", contractor=builder), actor=staff)
    response = english_client(staff).post(f"/projects/sections/{section.pk}/delete/")
    assert response.status_code == 302
    assert list(Participation.objects.values_list("project", "section", "organization", "ended_on")) == [
        (project.pk, None, builder.pk, TODAY)
    ]


def test_staff_enter_a_whole_process_consultant_on_a_project_without_sections(agency, staff) -> None:
    project = ProjectFactory(agency=agency)
    consultant = CompanyFactory(kind=OrganizationKind.CONSULTANT)
    response = english_client(staff).post(
        "/projects/participations/add/",
        {
            "project": project.pk,
            "organization": consultant.pk,
            "role": PartyRole.CONSULTANT,
            "started_on": "2026-03-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    participation = Participation.objects.get()
    assert (participation.source, participation.section) == (ParticipationSource.MANUAL, None)
    consultant_user = UserFactory(organization=consultant, role=Role.COMPANY)
    assert list(Project.objects.for_user(consultant_user)) == [project]
    assert not Section.objects.for_user(consultant_user).exists()


# ---- what a company representative sees ---------------------------------------------------------------


@pytest.fixture
def site(agency: Organization, staff: Any) -> dict[str, Any]:
    """The company builds section 1 of the school; section 2 is another contractor's; a road it has no part in."""
    company = contractor("闽江建设工程有限公司")
    school = ProjectFactory(agency=agency, name="鼓楼一中")
    road = ProjectFactory(agency=agency, name="福屿路")
    own = services.create_section(instance=Section(project=school, name="1标段", contractor=company), actor=staff)
    other = services.create_section(
        instance=Section(project=school, name="2标段", contractor=contractor()), actor=staff
    )
    road_section = services.create_section(
        instance=Section(project=road, name="道路标段", contractor=contractor()), actor=staff
    )
    return {
        "user": UserFactory(organization=company, role=Role.COMPANY),
        "school": school,
        "road": road,
        "own": own,
        "other": other,
        "road_section": road_section,
        "own_inspection": InspectionFactory(project=school, section=own),
        "other_inspection": InspectionFactory(project=school, section=other),
        "school_inspection": InspectionFactory(project=school),
        "road_inspection": InspectionFactory(project=road, section=road_section),
        "milestone": MilestoneFactory(project=school),
    }


def test_a_company_sees_exactly_its_projects_their_sections_and_the_inspections_of_its_own_sections(site) -> None:
    user = site["user"]
    assert list(Project.objects.for_user(user)) == [site["school"]]
    assert set(Section.objects.for_user(user)) == {site["own"], site["other"]}
    assert list(Inspection.objects.for_user(user)) == [site["own_inspection"]]
    assert not Milestone.objects.for_user(user).exists()
    assert not Approval.objects.for_user(user).exists()
    assert list(Participation.objects.for_user(user).values_list("section", flat=True)) == [site["own"].pk]


def test_a_company_opens_its_pages_and_gets_404_elsewhere(site) -> None:
    client = english_client(site["user"])
    for visible in (site["school"], site["own"], site["other"], site["own_inspection"]):
        assert client.get(visible.get_absolute_url()).status_code == 200, visible
    for hidden in (site["road"], site["road_section"], site["other_inspection"], site["school_inspection"]):
        assert client.get(hidden.get_absolute_url()).status_code == 404, hidden
    content = client.get("/projects/list/").content.decode()
    assert f'href="{site["school"].get_absolute_url()}"' in content
    assert f'href="{site["road"].get_absolute_url()}"' not in content


def test_a_company_reads_the_same_through_the_api_and_gets_404_elsewhere(site) -> None:
    client = api_client(site["user"])
    projects = client.get("/api/projects/").json()
    assert [p["id"] for p in projects["results"]] == [site["school"].pk]
    sections = client.get("/api/sections/").json()
    assert sorted(s["id"] for s in sections["results"]) == sorted([site["own"].pk, site["other"].pk])
    inspections = client.get("/api/inspections/").json()
    assert [i["id"] for i in inspections["results"]] == [site["own_inspection"].pk]
    assert client.get(f"/api/projects/{site['road'].pk}/").status_code == 404
    assert client.get(f"/api/inspections/{site['other_inspection'].pk}/").status_code == 404


def test_a_company_only_reads_what_it_sees(site) -> None:
    user, own_inspection = site["user"], site["own_inspection"]
    assert not Project.objects.for_user(user, "change").exists()
    assert not Inspection.objects.for_user(user, "change").exists()
    client = english_client(user)
    assert client.get(f"/projects/list/{site['school'].pk}/edit/").status_code in (403, 404)
    assert client.get(f"/inspections/inspections/{own_inspection.pk}/edit/").status_code in (403, 404)
    response = api_client(user).patch(
        f"/api/inspections/{own_inspection.pk}/", {"weather": "晴"}, content_type="application/json"
    )
    assert response.status_code in (403, 404)
    own_inspection.refresh_from_db()
    assert own_inspection.weather == ""


def test_agencies_and_regulators_see_as_before(site, agency) -> None:
    staff = UserFactory(organization=agency, role=Role.STAFF)
    assert set(Project.objects.for_user(staff)) == {site["school"], site["road"]}
    assert Section.objects.for_user(staff).count() == 3
    assert Inspection.objects.for_user(staff).count() == 4
    regulator_org = testing.RegulatorFactory()
    agency.parent = regulator_org
    agency.save()
    regulator = UserFactory(organization=regulator_org, role=Role.REGULATOR)
    assert set(Project.objects.for_user(regulator)) == {site["school"], site["road"]}
    outsider = UserFactory(organization=AgencyFactory(), role=Role.STAFF)
    assert not Project.objects.for_user(outsider).exists()
    assert not Inspection.objects.for_user(outsider).exists()


def test_the_migration_gives_existing_sections_their_participations(agency) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gongwu.projects.migrations.0006_participations_of_sections")
    school = ProjectFactory(agency=agency)
    builder, designer = contractor(), CompanyFactory(kind=OrganizationKind.DESIGNER)
    section = Section.objects.create(project=school, name="1标段", contractor=builder)
    section.other_parties.add(designer)
    empty = Section.objects.create(project=school, name="2标段")
    migration.create_participations(apps, None)
    assert participations(section) == sorted(
        [(builder.pk, PartyRole.GENERAL_CONTRACTOR, None), (designer.pk, PartyRole.DESIGNER, None)]
    )
    assert participations(empty) == []
    assert set(Participation.objects.values_list("source", "started_on")) == {(ParticipationSource.SECTION, TODAY)}
