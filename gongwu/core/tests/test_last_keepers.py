"""The platform keeps an active superuser and every agency an active administrator, whatever the path.

Deleting, deactivating or demoting the last one is refused with a message (API, pages, admin, services),
and nothing changes; with a second one, the same step goes through.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongwu.core import services, testing
from gongwu.core.models import Role, User

JSON = "application/json"
LAST_ADMIN = "“林处长” is the last active administrator of 鼓楼区建设工务署; give another of its users the administrator role first."
ONLY_SUPERUSER = "“王署长” is the only active superuser; make another user a superuser first."


@pytest.fixture
def agency(db: Any) -> Any:
    return testing.AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def admin(agency: Any) -> User:
    return testing.UserFactory(username="lin", display_name="林处长", organization=agency, role=Role.ADMIN)


@pytest.fixture
def root(db: Any) -> User:
    city = testing.AgencyFactory(name="福州市建设工务署")
    return testing.UserFactory(
        username="root", display_name="王署长", organization=city, role=Role.ADMIN, is_superuser=True, is_staff=True
    )


def edit_data(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "organization": user.organization_id,
        "role": user.role,
        "email": user.email,
        "phone": user.phone,
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# ---- an agency's last administrator -------------------------------------------------------------


def test_the_last_administrator_cannot_delete_themselves_through_the_api(admin: User) -> None:
    response = testing.api_client(admin).delete(f"/api/users/{admin.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": LAST_ADMIN}
    assert User.objects.filter(pk=admin.pk, is_active=True, role=Role.ADMIN).exists()


@pytest.mark.parametrize("patch", [{"is_active": False}, {"role": Role.STAFF}])
def test_the_last_administrator_cannot_be_deactivated_or_demoted_through_the_api(admin: User, patch: dict) -> None:
    before = testing.stored(admin)
    response = testing.api_client(admin).patch(f"/api/users/{admin.pk}/", patch, content_type=JSON)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body", "non_field_errors"], "msg": LAST_ADMIN}]}
    assert testing.stored(admin) == before


def test_the_last_administrator_cannot_be_moved_to_another_agency(admin: User, root: User) -> None:
    moved = User.objects.get(pk=admin.pk)
    moved.organization = testing.AgencyFactory(name="仓山区建设工务署")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.update_object(instance=moved, actor=root)
    assert refused.value.messages == [LAST_ADMIN]
    assert User.objects.get(pk=admin.pk).organization_id == admin.organization_id


def test_with_a_second_administrator_one_may_step_down_and_the_other_may_delete_them(admin: User, agency) -> None:
    second = testing.UserFactory(organization=testing.DepartmentFactory(parent=agency), role=Role.ADMIN)
    client = testing.api_client(admin)
    assert client.patch(f"/api/users/{admin.pk}/", {"role": Role.STAFF}, content_type=JSON).status_code == 200
    assert testing.api_client(second).delete(f"/api/users/{admin.pk}/").status_code == 204
    response = testing.api_client(second).delete(f"/api/users/{second.pk}/")
    assert response.status_code == 409


def test_the_delete_page_refuses_the_last_administrator_with_the_message(admin: User) -> None:
    response = testing.english_client(admin).post(f"/users/{admin.pk}/delete/", follow=True)
    assert LAST_ADMIN in response.content.decode()
    assert User.objects.filter(pk=admin.pk).exists()


def test_the_edit_page_refuses_to_demote_the_last_administrator(admin: User) -> None:
    client = testing.english_client(admin)
    before = testing.stored(admin)
    response = client.post(f"/users/{admin.pk}/edit/", edit_data(admin, role=Role.STAFF))
    assert response.status_code == 422
    assert LAST_ADMIN in response.content.decode()
    assert testing.stored(admin) == before


def test_the_services_refuse_whatever_calls_them(admin: User) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="last active administrator"):
        services.delete_object(instance=admin, actor=admin)
    demoted = User.objects.get(pk=admin.pk)
    demoted.is_active = False
    with translation.override("en"), pytest.raises(ValidationError, match="last active administrator"):
        services.update_object(instance=demoted, actor=admin)
    assert User.objects.get(pk=admin.pk).is_active


# ---- the only superuser -------------------------------------------------------------------------


def test_the_only_superuser_cannot_delete_themselves_through_the_api(root: User) -> None:
    response = testing.api_client(root).delete(f"/api/users/{root.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": ONLY_SUPERUSER}
    assert User.objects.filter(pk=root.pk).exists()


def test_the_only_superuser_cannot_deactivate_themselves_through_the_api(root: User) -> None:
    response = testing.api_client(root).patch(f"/api/users/{root.pk}/", {"is_active": False}, content_type=JSON)
    assert response.status_code == 422
    assert [row["msg"] for row in response.json()["detail"]] == [ONLY_SUPERUSER]
    assert User.objects.get(pk=root.pk).is_active


def test_with_another_superuser_the_first_may_be_deleted(root: User) -> None:
    second = testing.UserFactory(organization=root.organization, role=Role.ADMIN, is_superuser=True)
    assert testing.api_client(second).delete(f"/api/users/{root.pk}/").status_code == 204


def test_the_admin_site_refuses_to_delete_the_only_superuser(root: User) -> None:
    client = testing.english_client(root)
    response = client.post(f"/admin/core/user/{root.pk}/delete/", {"post": "yes"})
    assert ONLY_SUPERUSER in response.content.decode()
    assert User.objects.filter(pk=root.pk).exists()
    response = client.post(
        "/admin/core/user/", {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    )
    assert ONLY_SUPERUSER in response.content.decode()
    assert User.objects.filter(pk=root.pk).exists()


def test_the_admin_site_refuses_to_take_the_only_superusers_status_away(root: User) -> None:
    client = testing.english_client(root)
    form = {
        "username": root.username,
        "display_name": root.display_name,
        "organization": root.organization_id,
        "role": root.role,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
    }
    response = client.post(f"/admin/core/user/{root.pk}/change/", form)
    assert response.status_code == 200
    assert ONLY_SUPERUSER in response.content.decode()
    assert User.objects.get(pk=root.pk).is_superuser
