"""The figures page: every registered figure a user may read, for a period and agency, each linked to its list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongwu.core.figures import Selection, reading, register_figure, unregister_figure
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted():
    """A figure of the projects app counting the selection's agencies, linked to a list."""

    @register_figure("projects.test_agencies", "Agencies counted", periods=("year",))
    def agencies_counted(sel: Selection):
        return reading(len(sel.agency_ids), url="/projects/?agencies=" + ",".join(map(str, sel.agency_ids)))

    yield agencies_counted
    unregister_figure("projects.test_agencies")


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_staff_member_sees_the_registered_figures_of_their_agency_with_links(counted):
    staff = UserFactory(role=Role.STAFF)
    response = signed_in(staff).get(reverse("core:figures"), {"year": 2025})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-figure="projects.test_agencies"' in page
    assert f'href="/projects/?agencies={staff.organization_id}"' in page
    assert "Agencies counted" in page


def test_one_module_can_be_chosen_and_the_others_are_left_out(counted):
    staff = UserFactory(role=Role.STAFF)
    page = signed_in(staff).get(reverse("core:figures"), {"year": 2025, "of": "investment"}).content.decode()
    assert 'data-figure="projects.test_agencies"' not in page
    assert 'id="figures-investment"' in page


def test_a_figure_not_given_for_a_custom_period_is_named_instead_of_computed(counted):
    staff = UserFactory(role=Role.STAFF)
    page = signed_in(staff).get(reverse("core:figures"), {"from": "2025-02-03", "to": "2025-05-06", "of": "projects"})
    assert 'data-figure="projects.test_agencies"' not in page.content.decode()
    assert "Agencies counted" in page.content.decode()  # under "not given for this period"


def test_a_regulator_reads_the_agencies_below_it_and_a_company_is_refused(counted):
    regulator_org = AgencyFactory(kind="regulator")
    below = AgencyFactory(parent=regulator_org)
    regulator = UserFactory(role=Role.REGULATOR, organization=regulator_org)
    page = signed_in(regulator).get(reverse("core:figures"), {"year": 2025, "agency": below.pk}).content.decode()
    assert f'href="/projects/?agencies={below.pk}"' in page

    company = UserFactory(role=Role.COMPANY, organization=CompanyFactory())
    client = signed_in(company)
    assert client.get(reverse("core:figures")).status_code == 403
    assert f'href="{reverse("core:figures")}"' not in client.get(reverse("core:home")).content.decode()


def test_bad_input_is_reported_and_the_default_shown(counted):
    staff = UserFactory(role=Role.STAFF)
    response = signed_in(staff).get(reverse("core:figures"), {"year": "20x5"})
    assert response.status_code == 422
    assert 'id="figures-errors"' in response.content.decode()
    assert 'data-figure="projects.test_agencies"' in response.content.decode()  # for this year, the default
