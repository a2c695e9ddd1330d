"""Who sees which organizations and users; a write that would move a record out of sight is refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from gongwu.core import services, testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role, User


@pytest.fixture
def city(db):
    """A city regulator with two district agencies below it, each with a department, and two companies."""
    regulator = testing.RegulatorFactory(name="福州市住建局")
    gulou = testing.AgencyFactory(name="鼓楼区建设工务署", parent=regulator)
    cangshan = testing.AgencyFactory(name="仓山区建设工务署", parent=regulator)
    elsewhere = testing.AgencyFactory(name="厦门市建设工务署")
    return {
        "regulator": regulator,
        "gulou": gulou,
        "cangshan": cangshan,
        "elsewhere": elsewhere,
        "gulou_dept": testing.DepartmentFactory(name="鼓楼工程处", parent=gulou),
        "cangshan_dept": testing.DepartmentFactory(name="仓山工程处", parent=cangshan),
        "builder": testing.CompanyFactory(name="闽江建设工程有限公司"),
        "supervisor": testing.CompanyFactory(name="榕城监理有限公司", kind=OrganizationKind.SUPERVISOR),
    }


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_regulator_sees_every_agency_below_it_and_their_departments(city) -> None:
    user = testing.UserFactory(organization=city["regulator"], role=Role.REGULATOR)
    assert names(Organization.objects.for_user(user)) == {
        "福州市住建局",
        "鼓楼区建设工务署",
        "仓山区建设工务署",
        "鼓楼工程处",
        "仓山工程处",
        "闽江建设工程有限公司",
        "榕城监理有限公司",
    }


def test_regulator_reads_but_does_not_change(city) -> None:
    user = testing.UserFactory(organization=city["regulator"], role=Role.REGULATOR)
    assert Organization.objects.for_user(user, "change").count() == 0
    city["gulou"].name = "改名"
    with pytest.raises(PermissionDenied):
        services.update_object(instance=city["gulou"], actor=user)
    assert Organization.objects.get(pk=city["gulou"].pk).name == "鼓楼区建设工务署"


def test_district_staff_see_only_their_own_agency_and_the_company_register(city) -> None:
    user = testing.UserFactory(organization=city["gulou_dept"], role=Role.STAFF)
    assert names(Organization.objects.for_user(user)) == {
        "鼓楼区建设工务署",
        "鼓楼工程处",
        "闽江建设工程有限公司",
        "榕城监理有限公司",
    }


def test_company_user_sees_only_its_own_organization_record(city) -> None:
    user = testing.UserFactory(organization=city["builder"], role=Role.COMPANY)
    assert names(Organization.objects.for_user(user)) == {"闽江建设工程有限公司"}
    assert Organization.objects.for_user(user, "change").count() == 0


def test_users_are_seen_within_the_agency_and_by_a_company_only_among_colleagues(city) -> None:
    gulou_staff = testing.UserFactory(username="gulou", organization=city["gulou_dept"], role=Role.STAFF)
    testing.UserFactory(username="cangshan", organization=city["cangshan"], role=Role.STAFF)
    builder_1 = testing.UserFactory(username="builder1", organization=city["builder"], role=Role.COMPANY)
    testing.UserFactory(username="builder2", organization=city["builder"], role=Role.COMPANY)
    testing.UserFactory(username="supervisor", organization=city["supervisor"], role=Role.COMPANY)
    regulator = testing.UserFactory(username="city", organization=city["regulator"], role=Role.REGULATOR)

    def usernames(user: User) -> set[str]:
        return set(User.objects.for_user(user).values_list("username", flat=True))

    assert usernames(gulou_staff) == {"gulou"}
    assert usernames(builder_1) == {"builder1", "builder2"}
    assert usernames(regulator) == {"gulou", "cangshan", "city"}


def test_staff_moving_a_department_to_another_agency_is_refused_and_nothing_is_saved(city) -> None:
    user = testing.UserFactory(organization=city["gulou"], role=Role.STAFF)
    department = Organization.objects.get(pk=city["gulou_dept"].pk)
    log_count = ChangeLogEntry.objects.count()
    department.parent = city["cangshan"]
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        services.update_object(instance=department, actor=user)
    assert str(caught.value) == "The change would put this record outside what you may see; nothing was saved."
    assert Organization.objects.get(pk=department.pk).parent_id == city["gulou"].pk
    assert ChangeLogEntry.objects.count() == log_count


def test_staff_creating_a_department_in_another_agency_is_refused(city) -> None:
    user = testing.UserFactory(organization=city["gulou"], role=Role.STAFF)
    count = Organization.objects.count()
    department = Organization(name="越权处", kind=OrganizationKind.DEPARTMENT, parent=city["cangshan"])
    with pytest.raises(PermissionDenied):
        services.create_object(instance=department, actor=user)
    assert Organization.objects.count() == count


def test_api_patch_cannot_move_a_department_to_an_agency_out_of_sight(city) -> None:
    user = testing.UserFactory(organization=city["gulou"], role=Role.STAFF)
    response = testing.api_client(user).patch(
        f"/api/organizations/{city['gulou_dept'].pk}/",
        {"parent_id": city["cangshan"].pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parent"]
    assert Organization.objects.get(pk=city["gulou_dept"].pk).parent_id == city["gulou"].pk


def test_list_filter_does_not_offer_organizations_out_of_sight(city) -> None:
    user = testing.UserFactory(organization=city["gulou"], role=Role.STAFF)
    response = testing.english_client(user).get("/organizations/")
    content = response.content.decode()
    assert "鼓楼工程处" in content
    assert "仓山工程处" not in content
    assert "仓山区建设工务署" not in content


def test_list_filtered_by_a_parent_out_of_sight_shows_nothing_of_it(city) -> None:
    user = testing.UserFactory(organization=city["gulou"], role=Role.STAFF)
    response = testing.english_client(user).get("/organizations/", {"parent": city["cangshan"].pk})
    assert response.status_code == 200
    assert "仓山工程处" not in response.content.decode()
