"""A confirmed monthly figure counts in the dashboard; it is never deleted (page, API, admin): a wrong one is
voided with a reason, leaves every figure, stays in its list marked, and the month is reported again."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from gongwu.core import services as core_services
from gongwu.core.models import ChangeAction, ChangeLogEntry
from gongwu.core.testing import UserFactory, api_client, english_client, stored
from gongwu.investment import figures, services
from gongwu.investment.models import ActualStatus, MonthlyActual
from gongwu.investment.testing import AnnualPlanFactory, actual
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(agency: Any) -> Any:
    return AnnualPlanFactory(project=ProjectFactory(agency=agency, name="鼓楼一中教学楼"), year=2026)


def confirmed_to_march(agency: Any) -> Decimal:
    return figures.dashboard([agency.pk], 2026, 3).totals.actual


def test_a_confirmed_figure_is_refused_deletion_on_the_page_the_api_and_the_admin(plan, staff):
    march = actual(plan, 3, "12000000")
    before = stored(march)
    page = english_client(staff).get(march.get_absolute_url()).content.decode()
    assert f'href="/investment/actuals/{march.pk}/delete/"' not in page
    assert 'id="void-link"' in page
    refused = english_client(staff).post(f"/investment/actuals/{march.pk}/delete/")
    assert refused.status_code == 403
    assert "never deleted; void it with a reason instead" in refused.content.decode()
    response = api_client(staff).delete(f"/api/monthly-actuals/{march.pk}/")
    assert response.status_code == 409
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    assert not site._registry[MonthlyActual].has_delete_permission(request, march)
    assert stored(march) == before


def test_a_draft_figure_may_still_be_deleted(plan, staff):
    draft = actual(plan, 4, "5000000", status=ActualStatus.DRAFT)
    assert api_client(staff).delete(f"/api/monthly-actuals/{draft.pk}/").status_code == 204
    assert not MonthlyActual.objects.filter(pk=draft.pk).exists()


def test_a_voided_figure_leaves_the_dashboard_and_the_month_is_reported_again(plan, agency, staff, leader):
    actual(plan, 2, "3000000")
    march = actual(plan, 3, "12000000")
    assert confirmed_to_march(agency) == Decimal("15000000.00")
    client = english_client(staff)
    no_reason = client.post(f"/investment/actuals/{march.pk}/void/", {"reason": "  "})
    assert no_reason.status_code == 422
    response = client.post(f"/investment/actuals/{march.pk}/void/", {"reason": "重复计入二月产值"})
    assert response.status_code == 302
    march.refresh_from_db()
    assert (march.is_voided, march.status, march.void_reason) == (True, ActualStatus.CONFIRMED, "重复计入二月产值")
    entry = ChangeLogEntry.objects.filter(object_id=str(march.pk), action=ChangeAction.UPDATE).order_by("-id")[0]
    assert (entry.actor, entry.after["void_reason"]) == (staff, "重复计入二月产值")
    dashboard = figures.dashboard([agency.pk], 2026, 3)
    assert dashboard.totals.actual == Decimal("3000000.00")
    assert dashboard.totals.unconfirmed == Decimal("0.00")  # a voided figure is not "awaiting confirmation"
    listed = client.get("/investment/actuals/", {"voided": "voided"}).content.decode()
    assert march.get_absolute_url() in listed and "Voided" in listed
    # the month is reported again, and only the correction counts
    again = core_services.create_object(
        instance=MonthlyActual(project=plan.project, month=datetime.date(2026, 3, 1), amount=Decimal("9000000")),
        actor=staff,
    )
    services.submit_actual(again, staff)
    services.confirm_actual(again, leader)
    assert confirmed_to_march(agency) == Decimal("12000000.00")
    assert MonthlyActual.objects.filter(project=plan.project, month=datetime.date(2026, 3, 1)).count() == 2


def test_a_voided_figure_no_longer_changes_and_is_not_voided_twice(plan, staff):
    march = actual(plan, 3, "12000000")
    client = api_client(staff)
    response = client.post(f"/api/monthly-actuals/{march.pk}/void/", {"reason": "录错项目"}, "application/json")
    assert response.status_code == 200, response.content
    assert response.json()["void_reason"] == "录错项目" and response.json()["voided_at"]
    listed = client.get("/api/monthly-actuals/", {"voided": "voided"}).json()
    assert [row["id"] for row in listed["results"]] == [march.pk]
    assert client.get("/api/monthly-actuals/", {"voided": "live", "count": "true"}).json()["count"] == 0
    again = client.post(f"/api/monthly-actuals/{march.pk}/void/", {"reason": "再次"}, "application/json")
    assert again.status_code == 422
    patched = client.patch(f"/api/monthly-actuals/{march.pk}/", {"note": "改"}, "application/json")
    assert patched.status_code in (403, 422)
    march.refresh_from_db()
    assert (march.void_reason, march.note) == ("录错项目", "")
