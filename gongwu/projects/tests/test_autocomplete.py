"""Search-as-you-type choices: the scoped endpoint, the widget on large choices, and the forms that use it."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.urls import reverse

from gongwu.core import autocomplete, testing
from gongwu.core.models import Organization, OrganizationKind, Role
from gongwu.projects import services as project_services
from gongwu.projects.forms import ProjectForm
from gongwu.projects.models import Category, Project, Section, Stage
from gongwu.projects.testing import ProjectFactory

URL = "/autocomplete/projects.project/"


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="鼓楼区建筑工务署")


@pytest.fixture
def other_agency(db):
    return testing.AgencyFactory(name="台江区建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def projects(agency, other_agency):
    return {
        "school": ProjectFactory(agency=agency, name="鼓楼实验小学改扩建工程", code="GL-001"),
        "road": ProjectFactory(agency=agency, name="东街大道提升工程", code="GL-002", category=Category.ROAD),
        "sub": ProjectFactory(agency=agency, name="东街大道一标段", code="GL-002-1"),
        "foreign": ProjectFactory(agency=other_agency, name="台江大道拓宽工程", code="TJ-001"),
    }


def labels(response) -> list[str]:
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


def widget_scope(html: str) -> str:
    return re.search(r'data-gw-scope="([^"]+)"', html).group(1)


def test_the_endpoint_returns_only_the_users_own_projects_that_match(staff, projects):
    client = testing.english_client(staff)
    assert sorted(labels(client.get(URL, {"q": "大道"}))) == sorted([str(projects["road"]), str(projects["sub"])])
    assert labels(client.get(URL, {"q": "台江"})) == []  # another agency's project is never returned
    assert labels(client.get(URL, {"q": "TJ-001"})) == []
    assert labels(client.get(URL, {"q": "gl-001"})) == [str(projects["school"])]  # by code, any case
    assert labels(client.get(URL, {"q": "东街 一标段"})) == [str(projects["sub"])]  # every word must match


def test_the_endpoint_answers_at_most_20_and_says_there_are_more(staff, agency):
    Project.objects.bulk_create(
        [Project(agency=agency, code=f"GL-{n:03d}", name=f"学校{n}号", category=Category.SCHOOL) for n in range(25)]
    )
    data = testing.english_client(staff).get(URL, {"q": "学校"}).json()
    assert len(data["results"]) == 20
    assert data["more"] is True


def test_a_company_user_gets_only_what_it_may_see(agency, projects):
    company, rival = testing.CompanyFactory(), testing.CompanyFactory()
    staff = testing.UserFactory(organization=agency, role=Role.STAFF)
    own = project_services.create_section(
        instance=Section(project=projects["road"], name="一标段", contractor=company), actor=staff
    )
    other = project_services.create_section(
        instance=Section(project=projects["school"], name="二标段", contractor=rival), actor=staff
    )
    user = testing.UserFactory(organization=company, role=Role.COMPANY)
    client = testing.english_client(user)
    # the company takes part in the road only: its section and the road, not the school's section or another
    # agency's 大道 project
    assert labels(client.get("/autocomplete/projects.section/", {"q": "标段"})) == [str(own)]
    assert str(other) not in labels(client.get("/autocomplete/projects.section/", {"q": "二标段"}))
    assert labels(client.get(URL, {"q": "大道"})) == [str(projects["road"])]


def test_the_endpoint_refuses_unknown_models_forged_scopes_and_strangers(staff, projects, client):
    signed_in = testing.english_client(staff)
    assert signed_in.get("/autocomplete/nothing.here/").status_code == 404
    assert signed_in.get("/autocomplete/projects/").status_code == 404
    assert signed_in.get(URL, {"q": "大道", "scope": "forged"}).status_code == 404
    # A scope signed for another model cannot be replayed here.
    other = signing.dumps({}, salt=f"{autocomplete.SALT}:core.organization")
    assert signed_in.get(URL, {"scope": other}).status_code == 404
    response = client.get(URL, {"q": "大道"})  # not signed in
    assert response.status_code == 302 and "大道".encode() not in response.content


def test_a_scope_narrows_and_never_widens(staff, projects, other_agency):
    client = testing.english_client(staff)
    top_only = signing.dumps({"parent__isnull": True}, salt=f"{autocomplete.SALT}:projects.project")
    projects["sub"].parent = projects["road"]
    projects["sub"].save()
    assert labels(client.get(URL, {"q": "东街", "scope": top_only})) == [str(projects["road"])]
    widen = signing.dumps({"agency__in": [other_agency.pk]}, salt=f"{autocomplete.SALT}:projects.project")
    assert labels(client.get(URL, {"q": "", "scope": widen})) == []


def test_a_small_choice_stays_a_plain_select(staff, projects):
    html = str(ProjectForm(user=staff)["parent"])
    assert html.startswith("<select") and "gw-autocomplete" not in html
    assert str(projects["school"]) in html and str(projects["foreign"]) not in html


def test_a_large_choice_renders_the_search_input_with_the_current_label(staff, projects, monkeypatch):
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 1)
    project = projects["sub"]
    project.parent = projects["road"]
    project.save()
    form = ProjectForm(instance=project, user=staff)
    html = str(form["parent"])
    assert "<select" not in html and 'class="gw-autocomplete"' in html
    assert f'name="parent" value="{projects["road"].pk}"' in html
    assert f'id="id_parent" class="form-control gw-autocomplete-text" value="{projects["road"]}"' in html
    assert str(projects["school"]) not in html  # no option list
    # The list offers what the field accepts: top-level projects of the user's agency.
    client = testing.english_client(staff)
    found = labels(client.get(URL, {"q": "东街", "scope": widget_scope(html)}))
    assert found == [str(projects["road"])]


def test_the_label_of_a_hostile_name_is_escaped(staff, agency, monkeypatch):
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 0)
    parent = ProjectFactory(agency=agency, name='"><script>alert(1)</script>')
    child = ProjectFactory(agency=agency, parent=parent)
    html = str(ProjectForm(instance=child, user=staff)["parent"])
    assert "<script>" not in html and "&lt;script&gt;" in html


def project_data(agency: Organization, **fields) -> dict:
    return {
        "agency": agency.pk,
        "code": "GL-2024-009",
        "name": "鼓楼区第二实验小学",
        "category": Category.SCHOOL,
        "delivery_method": "epc",
        "received_on": "2024-02-01",
        "stage": Stage.PREPARATION,
        **fields,
    }


def test_the_add_page_saves_the_chosen_parent_and_refuses_another_agencys(staff, agency, projects, monkeypatch):
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 1)
    client = testing.english_client(staff)
    page = client.get("/projects/list/add/")
    assert 'class="gw-autocomplete"' in page.content.decode()
    response = client.post("/projects/list/add/", project_data(agency, parent=projects["foreign"].pk))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.filter(code="GL-2024-009").exists()
    response = client.post("/projects/list/add/", project_data(agency, parent=projects["road"].pk))
    assert response.status_code == 302, response.context["form"].errors
    assert Project.objects.get(code="GL-2024-009").parent == projects["road"]


def test_the_user_form_offers_organizations_by_search_and_refuses_a_foreign_one(
    staff, agency, other_agency, monkeypatch
):
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 1)
    admin = testing.UserFactory(organization=agency, role=Role.ADMIN)
    department = Organization.objects.create(name="工程管理处", kind=OrganizationKind.DEPARTMENT, parent=agency)
    client = testing.english_client(admin)
    page = client.get("/users/add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="organization"' in html and "gw-autocomplete" in html
    found = labels(client.get("/autocomplete/core.organization/", {"q": "区建筑工务署", "scope": widget_scope(html)}))
    assert str(agency) in found and str(other_agency) not in found
    data = {"username": "newcomer", "display_name": "新同事", "role": Role.STAFF, "is_active": "on"}
    response = client.post("/users/add/", {**data, "organization": other_agency.pk})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    response = client.post("/users/add/", {**data, "organization": department.pk})
    assert response.status_code == 302


def test_the_inspection_start_form_searches_projects_and_sections_and_refuses_a_foreign_project(
    agency, other_agency, projects, monkeypatch
):
    from gongwu.inspections.models import Inspection, InspectionKind, Level

    monkeypatch.setattr(autocomplete, "SELECT_MAX", 1)
    inspector = testing.UserFactory(organization=agency, role=Role.INSPECTOR)
    contractor = testing.CompanyFactory()
    for name in ("1标段", "2标段"):
        Section.objects.create(project=projects["road"], name=name, contractor=contractor)
    client = testing.english_client(inspector)
    start = reverse("inspections:start")
    html = client.get(start).content.decode()
    assert 'id="id_project" class="form-control gw-autocomplete-text"' in html
    assert 'id="id_section" class="form-control gw-autocomplete-text"' in html
    assert str(projects["foreign"]) not in html
    data = {"kind": InspectionKind.SAFETY_ROUTINE, "level": Level.SPOT}
    response = client.post(start, {**data, "project": projects["foreign"].pk})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert not Inspection.objects.exists()
    response = client.post(start, {**data, "project": projects["road"].pk})
    assert response.status_code == 302
    assert Inspection.objects.get().project == projects["road"]


def test_a_large_list_filter_is_a_search_box_showing_the_chosen_label(staff, agency, projects, monkeypatch):
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 1)
    directors = [
        testing.UserFactory(organization=agency, role=Role.DIRECTOR, display_name=name) for name in ("王工", "李工")
    ]
    Project.objects.filter(pk=projects["school"].pk).update(director=directors[1])
    client = testing.english_client(staff)
    html = client.get("/projects/list/").content.decode()
    assert 'id="id_director" class="form-control form-control-sm gw-autocomplete-text"' in html
    assert "王工</option>" not in html and "李工</option>" not in html  # no option list
    html = client.get("/projects/list/", {"director": directors[1].pk}).content.decode()
    assert f'name="director" value="{directors[1].pk}"' in html
    assert 'gw-autocomplete-text" value="李工"' in html
    assert re.findall(r">(GL-\d{3}(?:-\d)?)<", html) == [projects["school"].code]
