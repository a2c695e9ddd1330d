"""Cases are records of supervision: never deleted (voided with a reason, kept on the timeline, out of the
board's open and closed figures); the deadline and who is responsible change only through the owners'
reasoned actions; the edit page offers only what may change. Through the service, the page, the API and the
import."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from gongwu.alerts import services, sources
from gongwu.alerts.figures import board
from gongwu.alerts.imports import CaseLedger
from gongwu.alerts.models import Case, CaseEvent, EventAction, Kind, Level, Status
from gongwu.alerts.testing import opened_case, staff_of
from gongwu.core.models import ChangeAction, ChangeLogEntry, Role
from gongwu.core.periods import Period
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client, english_client, stored
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 2)
DEADLINE = datetime.date(2026, 12, 16)
LATER = datetime.date(2027, 1, 15)
PERIOD = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    agency = AgencyFactory(name="鼓楼区建设工务署")
    company = CompanyFactory(name="闽江建设工程有限公司")
    return {
        "agency": agency,
        "company": company,
        "leader": staff_of(agency, Role.LEADER, display_name="郑署长"),
        "staff": staff_of(agency, display_name="林处长"),
        "inspector": staff_of(agency, Role.INSPECTOR, display_name="王督查"),
        "company_user": UserFactory(organization=company, role=Role.COMPANY),
    }


def supervision(w: dict[str, Any], **fields: Any) -> Case:
    """A 督办 opened by the system (a rule), assigned to the company."""
    project = ProjectFactory(agency=w["agency"])
    case = Case(
        agency=w["agency"],
        source=sources.RULE,
        rule_code="projects.milestone_overdue",
        kind=Kind.SUPERVISION,
        level=Level.RED,
        title="主体封顶滞后督办",
        opened_on=DAY,
        deadline=DEADLINE,
        responsible_org=w["company"],
        **fields,
    )
    case.set_subject(project)
    return services.open_case(case, None, notify_people=False)


# ---- the deadline and who is responsible --------------------------------------------------------


def test_an_inspector_cannot_move_a_supervision_orders_deadline_by_any_path(w):
    case = supervision(w)
    before = stored(case)
    with pytest.raises(PermissionDenied):
        services.reschedule(case, w["inspector"], deadline=LATER, reason="现场条件受限")
    with pytest.raises(PermissionDenied):
        services.transition(case, "assign", w["inspector"], responsible_org=w["company"], deadline=LATER, text="延期")
    english_client(w["inspector"]).post(
        reverse("alerts:case_action", args=[case.pk, "reschedule"]), {"deadline": LATER.isoformat(), "text": "延期"}
    )
    response = api_client(w["inspector"]).post(
        f"/api/cases/{case.pk}/reschedule/", {"deadline": LATER.isoformat(), "reason": "延期"}, "application/json"
    )
    assert response.status_code == 403
    patched = api_client(w["inspector"]).patch(
        f"/api/cases/{case.pk}/", {"deadline": LATER.isoformat()}, "application/json"
    )
    assert patched.status_code == 422
    assert "reschedule" in patched.json()["detail"][0]["msg"]
    page = english_client(w["inspector"]).get(case.get_absolute_url()).content.decode()
    assert 'id="action-reschedule"' not in page
    assert stored(case) == before


def test_the_leader_moves_the_deadline_with_a_reason_kept_on_the_timeline(w):
    case = supervision(w)
    with pytest.raises(ValidationError):
        services.reschedule(case, w["leader"], deadline=LATER, reason=" ")
    response = english_client(w["leader"]).post(
        reverse("alerts:case_action", args=[case.pk, "reschedule"]),
        {"deadline": LATER.isoformat(), "text": "春节停工，顺延", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.deadline, case.version) == (LATER, 2)
    [event] = CaseEvent.objects.filter(case=case, action=EventAction.RESCHEDULED)
    assert (event.actor, event.text, event.data) == (
        w["leader"],
        "春节停工，顺延",
        {"from": DEADLINE.isoformat(), "to": LATER.isoformat()},
    )
    entry = ChangeLogEntry.objects.filter(object_id=str(case.pk), action=ChangeAction.UPDATE).order_by("-id")[0]
    assert (entry.before["deadline"], entry.after["deadline"]) == (DEADLINE.isoformat(), LATER.isoformat())


def test_staff_give_a_case_to_another_company_with_a_reason_through_the_api(w):
    case = opened_case(w["staff"], title="临边防护缺失", responsible_org=w["company"], deadline=DEADLINE, opened_on=DAY)
    other = CompanyFactory(name="榕城监理有限公司")
    client = api_client(w["staff"])
    no_reason = client.post(
        f"/api/cases/{case.pk}/reassign/", {"responsible_org_id": other.pk, "reason": ""}, "application/json"
    )
    assert no_reason.status_code == 422
    response = client.post(
        f"/api/cases/{case.pk}/reassign/",
        {"responsible_org_id": other.pk, "reason": "监理单位牵头"},
        "application/json",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.responsible_org == other
    assert CaseEvent.objects.filter(case=case, action=EventAction.REASSIGNED, text="监理单位牵头").exists()
    denied = api_client(w["company_user"]).post(
        f"/api/cases/{case.pk}/reschedule/", {"deadline": LATER.isoformat(), "reason": "x"}, "application/json"
    )
    assert denied.status_code in (403, 404)


def test_the_edit_page_offers_only_what_may_change(w):
    case = opened_case(w["staff"], title="临边防护缺失", responsible_org=w["company"], deadline=DEADLINE, opened_on=DAY)
    client = english_client(w["staff"])
    form = client.get(f"/alerts/cases/{case.pk}/edit/").content.decode()
    for name in ("deadline", "responsible_org", "responsible_person", "opened_on", "agency"):
        assert f'name="{name}"' not in form
    assert 'name="title"' in form
    response = client.post(
        f"/alerts/cases/{case.pk}/edit/",
        {"title": "临边防护缺失（复查）", "kind": case.kind, "level": case.level, "deadline": LATER.isoformat()},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.deadline) == ("临边防护缺失（复查）", DEADLINE)


def test_only_a_leader_undoes_a_supervision_order_on_the_edit_page(w):
    case = supervision(w)
    data = {"title": case.title, "kind": Kind.WARNING, "level": case.level}
    response = english_client(w["staff"]).post(f"/alerts/cases/{case.pk}/edit/", data)
    assert response.status_code == 422
    assert "turn a case into a supervision order (督办) or undo one" in response.content.decode()
    case.refresh_from_db()
    assert case.kind == Kind.SUPERVISION
    assert english_client(w["leader"]).post(f"/alerts/cases/{case.pk}/edit/", data).status_code == 302
    case.refresh_from_db()
    assert case.kind == Kind.WARNING


def test_an_imported_deadline_change_is_a_row_error_pointing_to_the_action(w):
    case = opened_case(w["staff"], title="临边防护缺失", responsible_org=w["company"], deadline=DEADLINE, opened_on=DAY)
    content = english_client(w["staff"]).get("/alerts/cases/export/").content
    rows = CaseLedger().read(content, "整改台账.xlsx")
    [(_n, values)] = rows
    values["deadline"] = LATER
    before = stored(case)
    result = CaseLedger().apply(rows, w["staff"])
    assert result.summary["error"] == 1
    assert any("change the deadline" in error for error in result.rows[0].errors)
    assert stored(case) == before


# ---- never deleted: voided ----------------------------------------------------------------------


def test_a_rule_generated_case_is_never_deleted_by_page_api_or_admin(w):
    case = supervision(w)
    before = stored(case)
    client = english_client(w["staff"])
    assert client.post(f"/alerts/cases/{case.pk}/delete/").status_code == 403
    response = api_client(w["staff"]).delete(f"/api/cases/{case.pk}/")
    assert response.status_code == 409
    assert "never deleted" in response.json()["detail"]
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    admin = site._registry.get(Case)
    if admin is not None:
        assert not admin.has_delete_permission(request, case)
    assert stored(case) == before


def test_a_voided_case_keeps_its_timeline_and_leaves_the_boards_open_and_closed_figures(w):
    case = supervision(w)
    kept = opened_case(w["staff"], title="临边防护缺失", responsible_org=w["company"], deadline=DEADLINE, opened_on=DAY)
    figures = board(Case.objects.filter(agency=w["agency"]), PERIOD, DAY)
    assert (figures["opened"], figures["open"], figures["voided"]) == (2, 2, 0)
    with pytest.raises(PermissionDenied):
        services.void_case(instance=case, actor=w["inspector"], reason="误报")
    response = api_client(w["staff"]).post(
        f"/api/cases/{case.pk}/void/", {"reason": "误报：已于上月封顶"}, "application/json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.status, case.void_reason, case.voided_by) == (Status.VOIDED, "误报：已于上月封顶", w["staff"])
    assert CaseEvent.objects.filter(case=case, action=EventAction.VOIDED, from_status=Status.ASSIGNED).exists()
    figures = board(Case.objects.filter(agency=w["agency"]), PERIOD, DAY)
    assert (figures["opened"], figures["open"], figures["closed"], figures["voided"]) == (1, 1, 0, 1)
    answer = api_client(w["staff"]).get("/api/alerts/board/", {"year": 2026}).json()
    assert answer["voided"] == 1
    board_page = english_client(w["staff"]).get("/alerts/board/", {"year": 2026}).content.decode()
    assert "1 case opened in the period was voided and is counted nowhere." in board_page
    assert "voided=voided" in board_page
    page = english_client(w["staff"]).get(case.get_absolute_url()).content.decode()
    assert 'id="voided"' in page and "误报：已于上月封顶" in page
    assert 'id="actions"' not in page  # a voided case takes no more steps
    listed = english_client(w["staff"]).get("/alerts/cases/", {"status": "voided"}).content.decode()
    assert case.number in listed and kept.number not in listed
    with pytest.raises(ValidationError):
        services.transition(case, "start", w["company_user"])
