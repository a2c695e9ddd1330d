"""Sections (标段) of a project: the generic pages and denial suite, and what a company of a section sees."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from gongwu.core import testing
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.testing import CompanyFactory, UserFactory, english_client
from gongwu.inspections.testing import SectionFactory
from gongwu.projects import services
from gongwu.projects.models import Section
from gongwu.projects.testing import ProjectFactory
from gongwu.projects.views import SectionViews

numbers = itertools.count(1)


def contractor() -> Organization:
    return CompanyFactory(kind=OrganizationKind.CONTRACTOR)


def supervisor() -> Organization:
    return CompanyFactory(kind=OrganizationKind.SUPERVISOR)


class SectionData(testing.ModelTestData):
    viewset = SectionViews
    url_prefix = "/projects/sections/"
    natural_key = "name"

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=User.objects.get(username="actor"))
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def make_object(self, agency: Organization) -> Section:
        return SectionFactory(project=ProjectFactory(agency=agency), name=f"施工{next(numbers)}标段")

    def form_data(self, agency: Organization) -> dict:
        return {
            "project": ProjectFactory(agency=agency).pk,
            "name": f"土建{next(numbers)}标段",
            "contractor": contractor().pk,
            "supervisor": supervisor().pk,
            "other_parties": [CompanyFactory(kind=OrganizationKind.DESIGNER).pk],
        }

    def edit_data(self, obj: Section) -> dict:
        return {
            "project": obj.project_id,
            "name": f"{obj.name}（调整）",
            "contractor": obj.contractor_id or "",
            "supervisor": obj.supervisor_id or "",
            "other_parties": [o.pk for o in obj.other_parties.all()],
        }

    def api_bad_payload(self, agency: Organization) -> dict:
        """Bad without making a record first (invalid_form_data makes the section it clashes with)."""
        return self.api_keys({**self.form_data(agency), "name": ""})

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        taken = self.make_object(agency)
        data = {**self.form_data(agency), "project": taken.project_id, "name": taken.name}
        return data, "__all__", "already exists"

    def filter_case(self, obj: Section, agency: Organization) -> tuple[dict, Section]:
        other = self.make_object(agency)
        return {"project_code": obj.project.code}, other


class TestSectionPages(SectionData, testing.ObjectViewTests):
    def test_a_supervisor_cannot_be_the_contractor(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "contractor": supervisor().pk}
        count = Section.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "contractor" in response.context["form"].errors
        assert Section.objects.count() == count

    def test_an_agency_is_not_offered_as_another_party(self, world: Any) -> None:
        data = {**self.form_data(world.agency), "other_parties": [world.other_agency.pk]}
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert "other_parties" in response.context["form"].errors


class TestWhatACompanySees:
    @pytest.fixture
    def sections(self, db: Any) -> dict[str, Any]:
        agency = testing.AgencyFactory()
        company = contractor()
        as_contractor = SectionFactory(project=ProjectFactory(agency=agency), contractor=company)
        as_contractor.other_parties.add(supervisor(), CompanyFactory(kind=OrganizationKind.DESIGNER))
        as_party = SectionFactory(project=ProjectFactory(agency=agency))
        as_party.other_parties.add(company)
        for section in (as_contractor, as_party):  # what the section services do on a save
            services.sync_section_participations(section, None)
        return {
            "user": UserFactory(organization=company, role=Role.COMPANY),
            "as_contractor": as_contractor,
            "as_party": as_party,
            "elsewhere": SectionFactory(project=ProjectFactory(agency=agency)),
        }

    def test_a_company_sees_the_sections_it_works_on_and_cannot_change_them(self, sections: dict) -> None:
        user, as_contractor = sections["user"], sections["as_contractor"]
        assert set(Section.objects.for_user(user)) == {as_contractor, sections["as_party"]}
        content = english_client(user).get("/projects/sections/", {"per_page": 100}).content.decode()
        assert f'href="{as_contractor.get_absolute_url()}"' in content
        assert f'href="{sections["as_party"].get_absolute_url()}"' in content
        assert f'href="{sections["elsewhere"].get_absolute_url()}"' not in content
        assert english_client(user).get(f"/projects/sections/{as_contractor.pk}/edit/").status_code in (403, 404)

    def test_a_company_gets_each_of_its_sections_once(self, sections: dict) -> None:
        user, as_contractor = sections["user"], sections["as_contractor"]
        assert Section.objects.for_user(user).count() == 2
        assert Section.objects.for_user(user).get(pk=as_contractor.pk) == as_contractor
        assert english_client(user).get(as_contractor.get_absolute_url()).status_code == 200
