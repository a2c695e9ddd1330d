"""Factories and generic test cases: a model's test module declares data and inherits its whole suite.

In the style of NetBox's `utilities/testing/views.py`, without its registry magic: a test class
subclasses the mixins it needs and sets a few attributes and data methods:

    class TestOrganizationPages(testing.ObjectViewTests, testing.APITests, testing.ImportExportTests):
        viewset = OrganizationViews
        url_prefix = "/organizations/"
        api_prefix = "/api/organizations/"
        natural_key = "name"
        def make_object(self, agency): ...   # an object the agency's actor may see, change and delete
        def form_data(self, agency): ...     # valid form data for a new object
        ...

Every page test signs in with `client.force_login` (django-axes is on) and asks for English
(`django_language` cookie), so assertions on messages do not depend on the translation catalogue.
"""

from __future__ import annotations

import io
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import factory
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.encoding import force_str
from openpyxl import Workbook, load_workbook

from gongwu.core import services
from gongwu.core.models import (
    APIToken,
    ChangeAction,
    ChangeLogEntry,
    Job,
    JobStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
    VoidableModel,
)
from gongwu.core.validators import credit_code_check_character

if TYPE_CHECKING:
    from gongwu.core.generic.views import ObjectViewSet

# ---- factories ----------------------------------------------------------------------------------


def credit_code(number: int, division: str = "350100") -> str:
    """A valid unified social credit code: 91 (enterprise), a division code, a 9-digit organization code."""
    first17 = f"91{division}{number:09d}"
    return first17 + credit_code_check_character(first17)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试建筑工务署{n:04d}号")
    kind = OrganizationKind.AGENCY
    region = "福州市"


class AgencyFactory(OrganizationFactory):
    kind = OrganizationKind.AGENCY


class RegulatorFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试住建局{n:04d}号")
    kind = OrganizationKind.REGULATOR


class DepartmentFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试工程管理处{n:04d}号")
    kind = OrganizationKind.DEPARTMENT
    parent = factory.SubFactory(AgencyFactory)


class CompanyFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试建设工程有限公司{n:04d}号")
    kind = OrganizationKind.CONTRACTOR
    credit_code = factory.Sequence(lambda n: credit_code(n + 1))
    contact_person = "陈工"
    contact_phone = "0591-87654321"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.Sequence(lambda n: f"测试员{n:04d}号")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("gongwu-test-password")
    role = Role.STAFF
    organization = factory.SubFactory(AgencyFactory)


# ---- two connections at once (PostgreSQL) --------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks between two connections: run with GONGWU_DATABASE_URL=postgres://…",
)


class Worker(threading.Thread):
    """Runs `step` on its own database connection and keeps its result or its exception."""

    def __init__(self, step: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.step = step
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with translation.override("en"):
                self.result = self.step()
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            connection.close()


def waiting_for_a_lock(worker: Worker, within: float = 10.0) -> bool:
    """Whether `worker` comes to wait on a row lock (PostgreSQL says so in pg_locks) before it finishes."""
    with connection.cursor() as cursor:
        for _poll in range(int(within / 0.01)):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            worker.join(0.01)
            if not worker.is_alive():
                return False
    return False


# ---- helpers ------------------------------------------------------------------------------------


def english_client(user: User | None = None) -> Client:
    """A test client that asks for English pages, signed in as `user` when given."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User) -> Client:
    """A test client sending `user`'s bearer token with every request."""
    _token, raw = APIToken.issue(user=user, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def stored(obj: Any) -> dict[str, Any] | None:
    """The row as the database holds it now (None when it is gone)."""
    fresh = type(obj)._base_manager.filter(pk=obj.pk).first()
    return services.snapshot(fresh) if fresh is not None else None


def count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (4, 3), exif: Any = None) -> bytes:
    """A real, small image (decodable by Pillow) in `image_format`, with the EXIF given, if any."""
    from PIL import Image

    from gongwu.core import images  # noqa: F401 — registers the HEIF format

    stream = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 80, 40)).save(stream, format=image_format, **options)
    return stream.getvalue()


def gps_exif(make: str = "Xiaomi", latitude: tuple[float, float, float] = (26.0, 4.0, 30.0)) -> Any:
    """EXIF as a phone writes it: the device, and where the photo was taken (GPS, north latitude)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = make  # Make
    exif[0x0110] = "Redmi Note 13"  # Model
    exif.get_ifd(0x8825).update({1: "N", 2: latitude, 3: "E", 4: (119.0, 17.0, 45.0)})  # GPS IFD
    return exif


def xlsx_rows(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


def ledger_xlsx(ledger: Any, rows: Iterable[dict[str, Any]], language: str = "en") -> bytes:
    """An Excel file with the ledger's headers (in `language`) and rows given as {field: cell value}."""
    ledger = ledger() if isinstance(ledger, type) else ledger
    with translation.override(language):
        headers = ledger.headers()
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(column.field, "") for column in ledger.columns])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def upload_ledger(client: Client, url: str, content: bytes, name: str = "ledger.xlsx") -> Any:
    """Upload a ledger to an import page and follow it to its job's page, where the worker's preview shows
    (the upload queues the check once it commits; the test settings' tasks backend runs it at once)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def awaits_confirmation() -> bool:
    """Whether an import passed its preview and waits for someone to confirm it."""
    return Job.objects.filter(kind="import", status=JobStatus.PREVIEW).exists()


def preview_counts(content: bytes) -> dict[str, int]:
    """The four counts on the import preview page: create, update, unchanged, error."""
    text = content.decode()
    counts = {}
    for action in ("create", "update", "unchanged", "error"):
        marker = f'id="count-{action}">'
        start = text.index(marker) + len(marker)
        counts[action] = int(text[start : text.index("<", start)])
    return counts


@dataclass
class World:
    """Two agencies side by side, a company, and people in each."""

    agency: Organization
    other_agency: Organization
    company: Organization
    actor: User  # may see, change and delete what `make_object(agency)` makes
    outsider: User  # the same role, in the other agency
    company_user: User


# ---- the change log records every row a write touches ---------------------------------------------


def database_rows() -> dict[type[models.Model], dict[Any, tuple]]:
    """Every row of Gongwu's own models, by model and id, as its stored values (the change log's own rows and
    models that say why they are not logged, `not_logged_because`, left out)."""
    rows: dict[type[models.Model], dict[Any, tuple]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("gongwu.") or model is ChangeLogEntry:
            continue
        if getattr(model, "not_logged_because", None):
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        rows[model] = {values[0]: values for values in model._default_manager.values_list("pk", *names)}
    return rows


def unlogged_rows(before: dict[type[models.Model], dict[Any, tuple]], last_entry_id: int) -> list[str]:
    """The rows created, changed or deleted since `before` that no change-log entry after `last_entry_id`
    records, as "model id" strings (empty when every row written was logged)."""
    after = database_rows()
    logged = set(ChangeLogEntry.objects.filter(id__gt=last_entry_id).values_list("content_type_id", "object_id"))
    missing = []
    for model, rows in after.items():
        old = before.get(model, {})
        touched = {pk for pk, values in rows.items() if old.get(pk) != values} | (old.keys() - rows.keys())
        content_type = ContentType.objects.get_for_model(model).pk
        missing += [f"{model._meta.label} {pk}" for pk in sorted(touched) if (content_type, str(pk)) not in logged]
    return missing


# ---- generic test cases -------------------------------------------------------------------------


class ModelTestData(ABC):
    """What a model's test class declares. Subclasses override the methods that return data."""

    viewset: ClassVar[type[ObjectViewSet]]
    url_prefix: ClassVar[str]  # "/organizations/"
    api_prefix: ClassVar[str | None] = None  # "/api/organizations/"
    natural_key: ClassVar[str] = "name"  # a unique field of form data that finds the created object
    actor_role: ClassVar[str] = Role.STAFF

    @abstractmethod
    def make_object(self, agency: Organization) -> Any:
        """An object the agency's actor may see, change and delete."""

    @abstractmethod
    def form_data(self, agency: Organization) -> dict[str, Any]:
        """Valid form data for a new object."""

    @abstractmethod
    def edit_data(self, obj: Any) -> dict[str, Any]:
        """Complete form data for `obj` with one change; `edited_field` names the changed field."""
        ...

    edited_field: ClassVar[str] = "name"

    @abstractmethod
    def invalid_form_data(self, agency: Organization) -> tuple[dict[str, Any], str, str]:
        """(data, field with the error, part of the error message)."""
        ...

    @abstractmethod
    def filter_case(self, obj: Any, agency: Organization) -> tuple[dict[str, str], Any]:
        """(query params that keep `obj`, another visible object those params leave out)."""
        ...

    def api_payload(self, agency: Organization) -> dict[str, Any]:
        return self.api_keys(self.form_data(agency))

    def api_patch(self, obj: Any) -> dict[str, Any]:
        return {self.edited_field: self.edit_data(obj)[self.edited_field]}

    def api_bad_payload(self, agency: Organization) -> dict[str, Any]:
        data, _field, _message = self.invalid_form_data(agency)
        return self.api_keys(data)

    def write_path_data(self, agency: Organization) -> dict[str, Any]:
        """Form data for a new object that makes its services write what goes with it (a project's key dates
        become its milestones); the write-path test checks every row written is logged."""
        return self.form_data(agency)

    def invalid_edit_data(self, obj: Any, agency: Organization) -> tuple[dict[str, Any], str, str]:
        """Edit data with an error (the edit form may offer fewer fields than the add form)."""
        return self.invalid_form_data(agency)

    def voided_not_deleted(self, obj: Any) -> bool:
        """A record of supervision: the generic delete is refused and it is voided with a reason instead."""
        return isinstance(obj, VoidableModel) and obj.must_void()

    def api_keys(self, data: dict[str, Any]) -> dict[str, Any]:
        """Form data as the API takes it: a foreign key `project` is `project_id` there."""
        keys = {f.name for f in self.viewset.model._meta.concrete_fields if f.many_to_one}
        return {f"{key}_id" if key in keys else key: value for key, value in data.items()}

    # ---- fixtures -------------------------------------------------------------------------------
    @pytest.fixture
    def world(self, db: Any) -> World:
        agency = AgencyFactory.create(name="鼓楼区建设工务署")
        other_agency = AgencyFactory.create(name="仓山区建设工务署")
        company = CompanyFactory.create(name="闽江建设工程有限公司")
        return World(
            agency=agency,
            other_agency=other_agency,
            company=company,
            actor=UserFactory.create(
                username="actor", display_name="林处长", organization=agency, role=self.actor_role
            ),
            outsider=UserFactory.create(username="outsider", organization=other_agency, role=self.actor_role),
            company_user=UserFactory.create(username="company", organization=company, role=Role.COMPANY),
        )

    @pytest.fixture
    def obj(self, world: World) -> Any:
        return self.make_object(world.agency)

    def url(self, suffix: str = "") -> str:
        return f"{self.url_prefix}{suffix}"

    def created(self, data: dict[str, Any]) -> Any:
        return self.viewset.model.objects.get(**{self.natural_key: data[self.natural_key]})

    def entries(self, obj: Any, action: str) -> list[ChangeLogEntry]:
        from django.contrib.contenttypes.models import ContentType

        return list(
            ChangeLogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(self.viewset.model), object_id=str(obj.pk), action=action
            )
        )


class ObjectViewTests(ModelTestData):
    """List, detail, add, edit, delete pages, and what another agency or a company may not do there."""

    def shown(self, obj: Any, content: str) -> bool:
        """Whether a page lists `obj`: by its link, which every list's first column carries."""
        return f'href="{obj.get_absolute_url()}"' in content

    def test_list_page_shows_the_object(self, world: World, obj: Any) -> None:
        response = english_client(world.actor).get(self.url())
        assert response.status_code == 200
        assert self.shown(obj, response.content.decode())

    def test_list_search_finds_the_object_and_leaves_others_out(self, world: World, obj: Any) -> None:
        other = self.make_object(world.agency)
        response = english_client(world.actor).get(
            self.url(), {"q": getattr(obj, self.natural_key)}, HTTP_HX_REQUEST="true"
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert self.shown(obj, content)
        assert not self.shown(other, content)

    def test_list_filter_keeps_matching_objects_only(self, world: World, obj: Any) -> None:
        params, left_out = self.filter_case(obj, world.agency)
        response = english_client(world.actor).get(self.url(), params, HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert response.status_code == 200
        assert self.shown(obj, content)
        assert not self.shown(left_out, content)

    def test_list_query_count_does_not_grow_with_rows(self, world: World) -> None:
        client = english_client(world.actor)
        for _ in range(3):
            self.make_object(world.agency)
        client.get(self.url())  # warm per-process caches (content types, sessions)
        with_3 = count_queries(client, self.url())
        for _ in range(27):
            self.make_object(world.agency)
        with_30 = count_queries(client, self.url())
        assert with_30 <= with_3

    def test_detail_page_shows_fields_and_history(self, world: World) -> None:
        obj = services.create_object(instance=self.new_instance(world.agency), actor=world.actor)
        response = english_client(world.actor).get(self.url(f"{obj.pk}/"))
        content = response.content.decode()
        assert response.status_code == 200
        assert force_str(getattr(obj, self.natural_key)) in content
        assert 'id="history"' in content
        assert "林处长" in content  # who made it, in the history card

    def new_instance(self, agency: Organization) -> Any:
        """An unsaved object made from valid form data, the way the pages make one."""
        form = self.viewset.form(data=self.form_data(agency), user=None)
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def test_create_form_saves_the_object_and_logs_who_and_which_request(self, world: World) -> None:
        data = self.form_data(world.agency)
        response = english_client(world.actor).post(self.url("add/"), data, HTTP_X_REQUEST_ID="req00000create01")
        assert response.status_code == 302, response.content.decode()[:2000]
        obj = self.created(data)
        assert response["Location"] == obj.get_absolute_url()
        [entry] = self.entries(obj, ChangeAction.CREATE)
        assert (entry.actor, entry.source, entry.request_id) == (world.actor, "web", "req00000create01")
        assert entry.after is not None
        assert entry.after[self.natural_key] == data[self.natural_key]
        assert entry.before is None

    def test_edit_form_saves_the_change_and_logs_before_and_after(self, world: World, obj: Any) -> None:
        before = stored(obj)
        data = self.edit_data(obj)
        response = english_client(world.actor).post(self.url(f"{obj.pk}/edit/"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        obj.refresh_from_db()
        assert getattr(obj, self.edited_field) == data[self.edited_field]
        [entry] = self.entries(obj, ChangeAction.UPDATE)
        assert entry.actor == world.actor
        assert entry.before is not None and entry.after is not None and before is not None
        assert entry.before[self.edited_field] == before[self.edited_field]
        assert entry.after[self.edited_field] == data[self.edited_field]

    def assert_every_row_written_is_logged(self, actor: User, url: str, data: dict[str, Any]) -> None:
        client = english_client(actor)  # signed in first: the sign-in's own write is not the form's
        before, last = database_rows(), ChangeLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        missing = unlogged_rows(before, last or 0)
        assert missing == [], f"written without a change-log entry: {missing}"

    def test_every_row_a_create_form_writes_is_in_the_change_log(self, world: World) -> None:
        self.assert_every_row_written_is_logged(world.actor, self.url("add/"), self.write_path_data(world.agency))

    def test_every_row_an_edit_form_writes_is_in_the_change_log(self, world: World, obj: Any) -> None:
        self.assert_every_row_written_is_logged(world.actor, self.url(f"{obj.pk}/edit/"), self.edit_data(obj))

    def test_invalid_form_answers_422_with_the_error_and_saves_nothing(self, world: World) -> None:
        data, field, message = self.invalid_form_data(world.agency)
        rows_before = self.viewset.model.objects.count()
        log_before = ChangeLogEntry.objects.count()
        response = english_client(world.actor).post(self.url("add/"), data)
        assert response.status_code == 422
        assert field in response.context["form"].errors
        assert message in response.content.decode()
        assert self.viewset.model.objects.count() == rows_before
        assert ChangeLogEntry.objects.count() == log_before

    def test_invalid_edit_leaves_the_object_as_it_was(self, world: World, obj: Any) -> None:
        before = stored(obj)
        data, field, _message = self.invalid_edit_data(obj, world.agency)
        response = english_client(world.actor).post(self.url(f"{obj.pk}/edit/"), data)
        assert response.status_code == 422
        assert field in response.context["form"].errors
        assert stored(obj) == before

    def test_delete_removes_the_object_and_logs_it(self, world: World, obj: Any) -> None:
        if self.voided_not_deleted(obj):
            pytest.skip("a record of supervision is voided, never deleted (the void tests below)")
        before = stored(obj)
        response = english_client(world.actor).post(self.url(f"{obj.pk}/delete/"))
        assert response.status_code == 302
        assert stored(obj) is None
        [entry] = self.entries(obj, ChangeAction.DELETE)
        assert (entry.actor, entry.before, entry.after) == (world.actor, before, None)

    def test_a_record_of_supervision_is_not_deleted_but_voided_with_a_reason(self, world: World, obj: Any) -> None:
        if not self.voided_not_deleted(obj):
            pytest.skip("not a record of supervision: deleted as usual")
        before = stored(obj)
        client = english_client(world.actor)
        page = client.get(self.url(f"{obj.pk}/")).content.decode()
        assert f'href="{self.url(f"{obj.pk}/delete/")}"' not in page
        assert f'href="{self.url(f"{obj.pk}/void/")}"' in page
        for method in (client.get, client.post):
            refused = method(self.url(f"{obj.pk}/delete/"))
            assert refused.status_code == 403
            assert "never deleted; void it with a reason instead" in refused.content.decode()
        assert stored(obj) == before and not self.entries(obj, ChangeAction.DELETE)
        no_reason = client.post(self.url(f"{obj.pk}/void/"), {"reason": ""})
        assert no_reason.status_code == 422 and stored(obj) == before
        response = client.post(self.url(f"{obj.pk}/void/"), {"reason": "重复录入"})
        assert response.status_code == 302
        obj.refresh_from_db()
        assert (obj.is_voided, obj.voided_by, obj.void_reason) == (True, world.actor, "重复录入")
        page = client.get(self.url(f"{obj.pk}/")).content.decode()
        assert 'id="voided"' in page and "重复录入" in page
        listed = client.get(self.url(), {"per_page": 100}).content.decode()
        assert self.shown(obj, listed)  # still in its list, marked
        assert self.shown(obj, client.get(self.url(), {"voided": "voided", "per_page": "100"}).content.decode())
        assert not self.shown(obj, client.get(self.url(), {"voided": "live", "per_page": "100"}).content.decode())

    # ---- denial -----------------------------------------------------------------------------
    @pytest.mark.parametrize("who", ["outsider", "company_user"])
    def test_user_outside_the_agency_does_not_see_the_object_in_the_list(
        self, world: World, obj: Any, who: str
    ) -> None:
        response = english_client(getattr(world, who)).get(self.url(), {"per_page": 100})
        assert response.status_code in (200, 403)
        assert not self.shown(obj, response.content.decode())
        own = english_client(world.actor).get(self.url(), {"per_page": 100})
        assert self.shown(obj, own.content.decode())  # so the check above would see the row if it were there

    @pytest.mark.parametrize("who", ["outsider", "company_user"])
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("get", ""), ("get", "edit/"), ("post", "edit/"), ("get", "delete/"), ("post", "delete/")],
    )
    def test_user_outside_the_agency_cannot_open_change_or_delete_the_object(
        self, world: World, obj: Any, who: str, method: str, suffix: str
    ) -> None:
        before = stored(obj)
        client = english_client(getattr(world, who))
        data = self.edit_data(obj) if method == "post" and suffix == "edit/" else {}
        response = getattr(client, method)(self.url(f"{obj.pk}/{suffix}"), data)
        assert response.status_code in (403, 404)
        assert str(obj) not in response.content.decode()
        assert stored(obj) == before


class ImportExportTests(ModelTestData):
    """Excel export and import: headers, rows, preview, all-or-nothing, and the round trip."""

    @abstractmethod
    def import_row(self, agency: Organization) -> dict[str, Any]:
        """One valid new row as {field: cell value}."""
        ...

    @abstractmethod
    def bad_import_row(self, agency: Organization) -> tuple[dict[str, Any], str]:
        """(a row that fails, part of its error message)."""
        ...

    def upload(self, client: Client, content: bytes, name: str = "ledger.xlsx") -> Any:
        return upload_ledger(client, self.url("import/"), content, name)

    def test_export_opens_in_excel_with_ledger_headers_and_one_row_per_visible_object(
        self, world: World, obj: Any
    ) -> None:
        response = english_client(world.actor).get(self.url("export/"))
        assert response.status_code == 200
        rows = xlsx_rows(response.content)
        assert self.viewset.ledger is not None
        ledger = self.viewset.ledger()
        with translation.override("en"):
            assert rows[0] == ledger.headers()
        visible = self.viewset.model.objects.for_user(world.actor, "export")
        assert len(rows) - 1 == visible.count()
        key_column = [c.field for c in ledger.columns].index(self.natural_key)
        assert getattr(obj, self.natural_key) in [r[key_column] for r in rows[1:]]

    @pytest.mark.parametrize("who", ["outsider", "company_user"])
    def test_user_outside_the_agency_does_not_export_the_object(self, world: World, obj: Any, who: str) -> None:
        response = english_client(getattr(world, who)).get(self.url("export/"))
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert self.viewset.ledger is not None
            key_column = [c.field for c in self.viewset.ledger.columns].index(self.natural_key)
            assert getattr(obj, self.natural_key) not in [r[key_column] for r in xlsx_rows(response.content)]

    def test_import_preview_shows_counts_and_writes_nothing(self, world: World) -> None:
        rows = [self.import_row(world.agency), self.import_row(world.agency)]
        count = self.viewset.model.objects.count()
        response = self.upload(english_client(world.actor), ledger_xlsx(self.viewset.ledger, rows))
        assert response.status_code == 200
        assert preview_counts(response.content) == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
        assert self.viewset.model.objects.count() == count
        assert Job.objects.get().status == JobStatus.PREVIEW

    def test_confirmed_import_runs_as_a_job_and_creates_the_rows(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [self.import_row(world.agency), self.import_row(world.agency)]
        client = english_client(world.actor)
        self.upload(client, ledger_xlsx(self.viewset.ledger, rows))
        job = Job.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/jobs/{job.pk}/confirm/")
        assert response.status_code == 302
        job.refresh_from_db()
        assert (job.status, job.progress, job.total) == (JobStatus.DONE, 2, 2)
        assert job.result["summary"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
        for row in rows:
            obj = self.viewset.model.objects.get(**{self.natural_key: row[self.natural_key]})
            [entry] = self.entries(obj, ChangeAction.CREATE)
            assert (entry.actor, entry.source, entry.request_id) == (world.actor, "import", f"job{job.pk}")

    def test_import_with_one_bad_row_writes_nothing(self, world: World) -> None:
        bad, message = self.bad_import_row(world.agency)
        rows = [self.import_row(world.agency), bad, self.import_row(world.agency)]
        count = self.viewset.model.objects.count()
        response = self.upload(english_client(world.actor), ledger_xlsx(self.viewset.ledger, rows))
        assert response.status_code == 200
        assert preview_counts(response.content) == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
        assert message in response.content.decode()
        assert Job.objects.get().status == JobStatus.FAILED
        assert "Import now" not in response.content.decode()
        assert self.viewset.model.objects.count() == count

    def test_applying_rows_with_one_bad_row_rolls_back_the_good_ones(self, world: World) -> None:
        assert self.viewset.ledger is not None
        ledger = self.viewset.ledger()
        bad, _message = self.bad_import_row(world.agency)
        good = [self.import_row(world.agency), self.import_row(world.agency)]
        rows = ledger.read(ledger_xlsx(self.viewset.ledger, [*good, bad]), "ledger.xlsx")
        count, log_count = self.viewset.model.objects.count(), ChangeLogEntry.objects.count()
        result = ledger.apply(rows, world.actor)
        assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
        assert self.viewset.model.objects.count() == count
        assert ChangeLogEntry.objects.count() == log_count

    def test_exported_file_imports_back_as_unchanged(self, world: World, obj: Any) -> None:
        client = english_client(world.actor)
        exported = client.get(self.url("export/"))
        data_rows = len(xlsx_rows(exported.content)) - 1
        response = self.upload(client, exported.content)
        assert response.status_code == 200, response.content.decode()[-3000:]
        assert preview_counts(response.content) == {"create": 0, "update": 0, "unchanged": data_rows, "error": 0}, (
            response.content.decode()[-3000:]
        )
        assert not awaits_confirmation()


class APITests(ModelTestData):
    """The JSON API with a bearer token: CRUD, validation, query counts, and denial."""

    def api_url(self, suffix: str = "") -> str:
        return f"{self.api_prefix}{suffix}"

    def test_api_list_and_retrieve_return_the_object(self, world: World, obj: Any) -> None:
        client = api_client(world.actor)
        listed = client.get(self.api_url(), {"q": getattr(obj, self.natural_key), "count": "true"})
        assert listed.status_code == 200
        assert (listed.json()["count"], listed.json()["has_more"], listed.json()["next"]) == (1, False, None)
        assert [r["id"] for r in listed.json()["results"]] == [obj.pk]
        retrieved = client.get(self.api_url(f"{obj.pk}/"))
        assert retrieved.status_code == 200
        assert retrieved.json()[self.natural_key] == getattr(obj, self.natural_key)

    def test_api_list_row_is_the_retrieved_record_field_by_field(self, world: World, obj: Any) -> None:
        """A list may write plain rows without validating them; what the client reads is the schema's JSON."""
        client = api_client(world.actor)
        listed = client.get(self.api_url(), {"limit": 1000})
        assert listed.status_code == 200
        [row] = [r for r in listed.json()["results"] if r["id"] == obj.pk]
        detail = client.get(self.api_url(f"{obj.pk}/")).json()
        # a detail may say more (a case's timeline); every field the list shows is the detail's
        assert row == {name: detail[name] for name in row}

    def test_api_create_saves_and_logs_the_object(self, world: World) -> None:
        payload = self.api_payload(world.agency)
        response = api_client(world.actor).post(self.api_url(), payload, content_type="application/json")
        assert response.status_code == 201, response.content
        obj = self.created(payload)
        assert response.json()["id"] == obj.pk
        [entry] = self.entries(obj, ChangeAction.CREATE)
        assert (entry.actor, entry.source) == (world.actor, "api")
        assert len(entry.request_id) == 32

    def test_api_patch_changes_one_field(self, world: World, obj: Any) -> None:
        patch = self.api_patch(obj)
        response = api_client(world.actor).patch(self.api_url(f"{obj.pk}/"), patch, content_type="application/json")
        assert response.status_code == 200, response.content
        obj.refresh_from_db()
        for key, value in patch.items():
            assert getattr(obj, key) == value
        [entry] = self.entries(obj, ChangeAction.UPDATE)
        assert entry.actor == world.actor

    def test_api_delete_of_a_record_of_supervision_is_refused_and_it_is_voided_instead(
        self, world: World, obj: Any
    ) -> None:
        if not self.voided_not_deleted(obj):
            pytest.skip("not a record of supervision: deleted as usual")
        before = stored(obj)
        client = api_client(world.actor)
        response = client.delete(self.api_url(f"{obj.pk}/"))
        assert response.status_code == 409
        assert "never deleted; void it with a reason instead" in response.json()["detail"]
        assert stored(obj) == before and not self.entries(obj, ChangeAction.DELETE)
        no_reason = client.post(self.api_url(f"{obj.pk}/void/"), {"reason": " "}, content_type="application/json")
        assert no_reason.status_code == 422
        assert stored(obj) == before
        response = client.post(self.api_url(f"{obj.pk}/void/"), {"reason": "重复录入"}, content_type="application/json")
        assert response.status_code == 200, response.content
        obj.refresh_from_db()
        assert (obj.is_voided, obj.voided_by, obj.void_reason) == (True, world.actor, "重复录入")
        assert (self.entries(obj, ChangeAction.UPDATE)[-1].after or {}).get("void_reason") == "重复录入"
        again = client.post(self.api_url(f"{obj.pk}/void/"), {"reason": "再次"}, content_type="application/json")
        assert again.status_code == 422

    def test_api_delete_removes_the_object(self, world: World, obj: Any) -> None:
        if self.voided_not_deleted(obj):
            pytest.skip("a record of supervision is voided, never deleted")
        response = api_client(world.actor).delete(self.api_url(f"{obj.pk}/"))
        assert response.status_code == 204
        assert stored(obj) is None
        assert len(self.entries(obj, ChangeAction.DELETE)) == 1

    def test_api_rejects_a_bad_payload_with_422_and_saves_nothing(self, world: World, obj: Any) -> None:
        count, before = self.viewset.model.objects.count(), stored(obj)
        client = api_client(world.actor)
        created = client.post(self.api_url(), self.api_bad_payload(world.agency), content_type="application/json")
        assert created.status_code == 422
        assert created.json()["detail"]
        patched = client.patch(
            self.api_url(f"{obj.pk}/"), self.api_bad_payload(world.agency), content_type="application/json"
        )
        assert patched.status_code == 422
        assert self.viewset.model.objects.count() == count
        assert stored(obj) == before

    def test_api_refuses_a_bad_list_of_ids_with_422_and_saves_nothing(self, world: World, obj: Any) -> None:
        names = [f.name for f in self.viewset.model._meta.many_to_many if f.name in self.viewset.form.base_fields]
        if not names:
            pytest.skip("the form has no list of ids")
        count, before = self.viewset.model.objects.count(), stored(obj)
        client = api_client(world.actor)
        for name in names:
            for bad_ids in ([None], ["a"], [1.5], [0], [2**63], "1"):
                payload = {**self.api_payload(world.agency), name: bad_ids}
                created = client.post(self.api_url(), payload, content_type="application/json")
                assert created.status_code == 422, (bad_ids, created.content)
                assert created.json()["detail"][0]["loc"][:3] == ["body", "payload", name]
                patched = client.patch(self.api_url(f"{obj.pk}/"), {name: bad_ids}, content_type="application/json")
                assert patched.status_code == 422, (bad_ids, patched.content)
        assert self.viewset.model.objects.count() == count
        assert stored(obj) == before

    def test_api_rejects_malformed_json_without_error(self, world: World) -> None:
        count = self.viewset.model.objects.count()
        client = api_client(world.actor)
        response = client.post(self.api_url(), "{not json", content_type="application/json")
        assert response.status_code in (400, 422)
        response = client.post(self.api_url(), "[1, 2]", content_type="application/json")
        assert response.status_code in (400, 422)
        assert self.viewset.model.objects.count() == count

    def test_api_list_query_count_does_not_grow_with_rows(self, world: World) -> None:
        client = api_client(world.actor)
        for _ in range(3):
            self.make_object(world.agency)
        client.get(self.api_url())
        with_3 = count_queries(client, self.api_url())
        for _ in range(27):
            self.make_object(world.agency)
        with_30 = count_queries(client, self.api_url())
        assert with_30 <= with_3

    def test_api_without_a_valid_token_is_refused(self, world: World, obj: Any) -> None:
        response = Client(HTTP_AUTHORIZATION="Bearer gw_not-a-token").get(self.api_url(f"{obj.pk}/"))
        assert response.status_code == 401

    @pytest.mark.parametrize("who", ["outsider", "company_user"])
    def test_user_outside_the_agency_does_not_get_the_object_from_the_api(
        self, world: World, obj: Any, who: str
    ) -> None:
        before = stored(obj)
        client = api_client(getattr(world, who))
        listed = client.get(self.api_url(), {"limit": 1000})
        assert listed.status_code in (200, 403)
        if listed.status_code == 200:
            assert obj.pk not in [r["id"] for r in listed.json()["results"]]
        assert client.get(self.api_url(f"{obj.pk}/")).status_code in (403, 404)
        patched = client.patch(self.api_url(f"{obj.pk}/"), self.api_patch(obj), content_type="application/json")
        assert patched.status_code in (403, 404)
        assert client.delete(self.api_url(f"{obj.pk}/")).status_code in (403, 404)
        assert stored(obj) == before
