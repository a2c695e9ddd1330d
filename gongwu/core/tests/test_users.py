"""Users: the generic page and API suite from data. Only administrators add, change and delete users."""

from gongwu.core import testing
from gongwu.core.models import Organization, Role, User
from gongwu.core.views import UserViews


class UserData(testing.ModelTestData):
    viewset = UserViews
    url_prefix = "/users/"
    api_prefix = "/api/users/"
    natural_key = "username"
    edited_field = "display_name"
    actor_role = Role.ADMIN

    def make_object(self, agency: Organization) -> User:
        return testing.UserFactory(organization=agency, role=Role.STAFF)

    def form_data(self, agency: Organization) -> dict:
        return {
            "username": "wangwu",
            "display_name": "王五",
            "organization": agency.pk,
            "role": Role.INSPECTOR,
            "email": "wangwu@example.cn",
            "phone": "13800000000",
            "is_active": "on",
        }

    def api_payload(self, agency: Organization) -> dict:
        data = {**self.form_data(agency), "organization_id": agency.pk, "is_active": True}
        del data["organization"]
        return data

    def edit_data(self, obj: User) -> dict:
        return {
            "username": obj.username,
            "display_name": f"{obj.display_name}（调岗）",
            "organization": obj.organization_id,
            "role": obj.role,
            "email": obj.email,
            "phone": obj.phone,
            "is_active": "on",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        return {**self.form_data(agency), "email": "not-an-email"}, "email", "Enter a valid email address."

    def api_bad_payload(self, agency: Organization) -> dict:
        return {**self.api_payload(agency), "email": "not-an-email"}

    def filter_case(self, obj: User, agency: Organization) -> tuple[dict, User]:
        return {"role": Role.STAFF}, testing.UserFactory(organization=agency, role=Role.INSPECTOR)


class TestUserPages(UserData, testing.ObjectViewTests):
    def test_new_user_cannot_sign_in_with_a_password_until_one_is_set(self, world) -> None:
        testing.english_client(world.actor).post(self.url("add/"), self.form_data(world.agency))
        assert User.objects.get(username="wangwu").has_usable_password() is False

    def test_staff_may_not_add_users(self, world) -> None:
        staff = testing.UserFactory(organization=world.agency, role=Role.STAFF)
        response = testing.english_client(staff).post(self.url("add/"), self.form_data(world.agency))
        assert response.status_code == 403
        assert not User.objects.filter(username="wangwu").exists()


class TestUserAPI(UserData, testing.APITests):
    pass


class TestUserModelRules(UserData, testing.ModelTestData):
    def test_model_error_on_a_field_the_form_lacks_is_shown_not_a_server_error(self, world) -> None:
        legacy = testing.UserFactory(organization=world.agency)
        User.objects.filter(pk=legacy.pk).update(password="")  # e.g. a row loaded without a password
        before = testing.stored(legacy)
        response = testing.english_client(world.actor).post(self.url(f"{legacy.pk}/edit/"), self.edit_data(legacy))
        assert response.status_code == 422
        assert "This field cannot be blank." in response.content.decode()
        assert testing.stored(legacy) == before
