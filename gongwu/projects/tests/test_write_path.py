"""One write path: the project form only validates; the services its viewset names write and log the rest,
whether the form comes from the page, the API, an import or the admin."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from gongwu.core.generic.writes import viewset_for
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.core.testing import AgencyFactory, UserFactory, api_client
from gongwu.projects import services
from gongwu.projects.forms import ProjectForm
from gongwu.projects.models import Milestone, MilestoneKind, Project, Stage
from gongwu.projects.testing import ProjectFactory
from gongwu.projects.views import ProjectViews


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def project(agency: Any) -> Project:
    return ProjectFactory(agency=agency, name="鼓楼区第三中学", stage=Stage.PREPARATION)


def project_data(project: Project, **changes: Any) -> dict[str, Any]:
    return {
        "agency": project.agency_id,
        "code": project.code,
        "name": project.name,
        "category": project.category,
        "delivery_method": project.delivery_method or "epc",
        "stage": project.stage,
        **changes,
    }


def logged(model: type, pk: int) -> list[str]:
    content_type = ContentType.objects.get_for_model(model)
    return list(
        ChangeLogEntry.objects.filter(content_type=content_type, object_id=str(pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_project_viewset_names_the_services_that_write_projects() -> None:
    assert viewset_for(Project) is ProjectViews
    assert ProjectViews.create_service is services.create_project
    assert ProjectViews.update_service is services.update_project


def test_a_valid_project_form_writes_nothing_by_itself(agency: Any, project: Project) -> None:
    staff = UserFactory(organization=agency, role=Role.STAFF)
    form = ProjectForm(data=project_data(project, start_date="2026-03-18"), instance=project, user=staff)
    assert form.is_valid(), form.errors
    form.save(commit=False)
    form.save_m2m()
    assert not Milestone.objects.exists()


def test_the_start_date_saved_in_the_admin_is_a_logged_milestone(agency: Any, project: Project) -> None:
    root = UserFactory(organization=agency, role=Role.ADMIN, is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[Project]
    request = RequestFactory().post("/admin/projects/project/")
    request.user = root
    form = model_admin.get_form(request, project, change=True)(
        data=project_data(project, start_date="2026-03-18"), instance=project
    )
    assert form.is_valid(), form.errors
    # What the admin's change view does with a valid form.
    obj = model_admin.save_form(request, form, change=True)
    model_admin.save_model(request, obj, form, True)
    model_admin.save_related(request, form, [], True)
    milestone = Milestone.objects.get(project=project, kind=MilestoneKind.START)
    assert milestone.actual_date == datetime.date(2026, 3, 18)
    assert logged(Milestone, milestone.pk) == ["create"]


def test_a_start_date_changed_through_the_api_updates_the_milestone_and_logs_before_and_after(
    agency: Any, project: Project
) -> None:
    staff = UserFactory(organization=agency, role=Role.STAFF)
    client = api_client(staff)
    response = client.patch(
        f"/api/projects/{project.pk}/", {"start_date": "2026-03-18"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    response = client.patch(
        f"/api/projects/{project.pk}/", {"start_date": "2026-03-20"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    milestone = Milestone.objects.get(project=project, kind=MilestoneKind.START)
    assert milestone.actual_date == datetime.date(2026, 3, 20)
    assert logged(Milestone, milestone.pk) == ["create", "update"]
    update = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Milestone), object_id=str(milestone.pk), action="update"
    ).get()
    assert (update.before["actual_date"], update.after["actual_date"]) == ("2026-03-18", "2026-03-20")
