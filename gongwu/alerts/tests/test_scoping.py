"""Who sees and who may act on which cases, timelines, meetings, settings and notifications."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from gongwu.alerts import services
from gongwu.alerts.models import Case, CaseEvent, EscalationStep, Meeting, Notification, RuleSetting, Status
from gongwu.alerts.testing import (
    CaseEventFactory,
    CaseFactory,
    EscalationStepFactory,
    MeetingFactory,
    NotificationFactory,
    RuleSettingFactory,
    staff_of,
)
from gongwu.core.models import Action, Organization, OrganizationKind, Role, user_may
from gongwu.core.testing import AgencyFactory, CompanyFactory, DepartmentFactory, RegulatorFactory, stored

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    regulator = RegulatorFactory()
    agency = AgencyFactory(parent=regulator)
    district = AgencyFactory(parent=agency, name="测试区工务署")
    other_agency = AgencyFactory()
    company, other_company = CompanyFactory(), CompanyFactory()
    return {
        "agency": agency,
        "district": district,
        "other_agency": other_agency,
        "company": company,
        "other_company": other_company,
        "staff": staff_of(agency),
        "department_staff": staff_of(DepartmentFactory(parent=agency)),
        "district_staff": staff_of(district),
        "other_staff": staff_of(other_agency),
        "regulator": staff_of(regulator, Role.REGULATOR),
        "company_user": staff_of(company, Role.COMPANY),
        "other_company_user": staff_of(other_company, Role.COMPANY),
    }


def visible(user: Any, action: str = Action.VIEW) -> set[Case]:
    return set(Case.objects.for_user(user, action))


def test_agency_staff_see_their_agency_cases_only(world):
    own = CaseFactory(agency=world["agency"])
    for_company = CaseFactory(agency=world["agency"], responsible_org=world["company"])
    district = CaseFactory(agency=world["district"])
    elsewhere = CaseFactory(agency=world["other_agency"], responsible_org=world["company"])

    assert visible(world["staff"]) == visible(world["department_staff"]) == {own, for_company}
    assert visible(world["staff"], Action.CHANGE) == {own, for_company}
    assert visible(world["district_staff"]) == {district}
    assert visible(world["other_staff"]) == {elsewhere}
    with pytest.raises(PermissionDenied, match=re.escape("You may not act on this case.")):
        services.transition(elsewhere, "assign", world["staff"], responsible_org=world["company"])


def test_a_regulator_sees_the_agencies_below_and_cannot_act(world):
    own = CaseFactory(agency=world["agency"], status=Status.SUBMITTED, responsible_org=world["company"])
    district = CaseFactory(agency=world["district"])
    CaseFactory(agency=world["other_agency"])
    regulator = world["regulator"]

    assert visible(regulator) == {own, district}
    assert visible(regulator, Action.CHANGE) == set()
    assert not user_may(regulator, Case, Action.ADD)
    assert services.allowed_transitions(own, regulator) == []
    before = stored(own)
    for name in ("close", "send_back"):
        with pytest.raises(PermissionDenied, match=re.escape("Only the agency's staff may do this.")):
            services.transition(own, name, regulator, text="意见")
    assert stored(own) == before
    assert not CaseEvent.objects.exists()


def test_a_company_user_sees_only_the_cases_its_company_answers_for(world):
    ours = CaseFactory(agency=world["agency"], status=Status.ASSIGNED, responsible_org=world["company"])
    ours_elsewhere = CaseFactory(agency=world["other_agency"], responsible_org=world["company"])
    theirs = CaseFactory(agency=world["agency"], responsible_org=world["other_company"])
    internal = CaseFactory(agency=world["agency"])
    company_user = world["company_user"]

    assert visible(company_user) == {ours, ours_elsewhere}
    assert visible(world["other_company_user"]) == {theirs}
    assert visible(company_user, Action.CHANGE) == set()
    assert not user_may(company_user, Case, Action.ADD)
    assert internal not in visible(company_user)


def test_a_company_user_sees_the_timeline_of_its_cases_only(world):
    ours = CaseFactory(agency=world["agency"], responsible_org=world["company"])
    theirs = CaseFactory(agency=world["agency"], responsible_org=world["other_company"])
    mine = [CaseEventFactory(case=ours), CaseEventFactory(case=ours)]
    CaseEventFactory(case=theirs)

    assert set(CaseEvent.objects.for_user(world["company_user"])) == set(mine)
    assert CaseEvent.objects.for_user(world["other_staff"]).count() == 0
    assert CaseEvent.objects.for_user(world["staff"]).count() == 3
    # Nobody edits a timeline.
    assert not CaseEvent.objects.for_user(world["staff"], Action.CHANGE).exists()


def test_a_company_user_may_start_and_respond_but_not_close(world):
    case = CaseFactory(
        agency=world["agency"], status=Status.ASSIGNED, responsible_org=world["company"], created_by=world["staff"]
    )
    company_user = world["company_user"]
    assert services.allowed_transitions(case, company_user) == ["start", "respond"]

    services.transition(case, "start", company_user)
    services.transition(case, "respond", company_user, text="已整改完毕")

    case.refresh_from_db()
    assert services.allowed_transitions(case, company_user) == []
    before = stored(case)
    with pytest.raises(PermissionDenied, match=re.escape("Only the agency's staff may do this.")):
        services.transition(case, "close", company_user, text="自行销号")
    with pytest.raises(PermissionDenied, match=re.escape("Only the agency's staff may do this.")):
        services.transition(case, "send_back", company_user, text="退回")
    assert stored(case) == before
    assert list(case.events.values_list("actor", flat=True)) == [company_user.pk, company_user.pk]


def test_another_company_may_not_act_on_our_case(world):
    case = CaseFactory(agency=world["agency"], status=Status.ASSIGNED, responsible_org=world["company"])
    with pytest.raises(PermissionDenied, match=re.escape("You may not act on this case.")):
        services.transition(case, "start", world["other_company_user"])
    assert stored(case)["status"] == Status.ASSIGNED


def test_agency_staff_are_not_responsible_for_a_company_case(world):
    case = CaseFactory(agency=world["agency"], status=Status.ASSIGNED, responsible_org=world["company"])
    assert services.allowed_transitions(case, world["staff"]) == ["assign"]
    with pytest.raises(PermissionDenied, match=re.escape("Only the responsible organization may do this.")):
        services.transition(case, "respond", world["staff"], text="代为回复")


def test_notifications_are_private_to_their_user(world):
    case = CaseFactory(agency=world["agency"], responsible_org=world["company"])
    mine = NotificationFactory(user=world["company_user"], case=case)
    colleague = staff_of(world["company"], Role.COMPANY)
    NotificationFactory(user=colleague, case=case)
    NotificationFactory(user=world["staff"], case=case)
    leader = staff_of(world["agency"], Role.LEADER)

    assert list(Notification.objects.for_user(world["company_user"])) == [mine]
    assert Notification.objects.for_user(leader).count() == 0  # not even the leader reads the staff's
    assert Notification.objects.for_user(world["regulator"]).count() == 0
    assert not Notification.objects.for_user(world["company_user"], Action.CHANGE).exists()
    assert services.unread_count(colleague) == 1


def test_meetings_rules_and_escalation_steps_stay_inside_the_agency(world):
    meeting = MeetingFactory(agency=world["agency"])
    MeetingFactory(agency=world["other_agency"])
    setting = RuleSettingFactory(agency=world["agency"])
    step = EscalationStepFactory(agency=world["agency"], order=1)
    leader = staff_of(world["agency"], Role.LEADER)

    assert list(Meeting.objects.for_user(world["staff"])) == [meeting]
    assert not Meeting.objects.for_user(world["company_user"]).exists()
    assert list(RuleSetting.objects.for_user(world["staff"])) == [setting]
    assert not RuleSetting.objects.for_user(world["staff"], Action.CHANGE).exists()  # staff read the settings
    assert list(RuleSetting.objects.for_user(leader, Action.CHANGE)) == [setting]  # the leader sets them
    assert list(EscalationStep.objects.for_user(leader, Action.CHANGE)) == [step]
    assert not RuleSetting.objects.for_user(world["other_staff"]).exists()
    assert not RuleSetting.objects.for_user(world["company_user"]).exists()
    assert world["agency"].kind == OrganizationKind.AGENCY and isinstance(world["agency"], Organization)


def test_the_inbox_of_a_company_user_holds_only_its_cases(world):
    ours = CaseFactory(agency=world["agency"], status=Status.IN_PROGRESS, responsible_org=world["company"])
    CaseFactory(agency=world["agency"], status=Status.IN_PROGRESS, responsible_org=world["other_company"])
    CaseFactory(agency=world["agency"], status=Status.SUBMITTED, responsible_org=world["company"])
    lists = services.inbox(world["company_user"])
    assert list(lists["to_do"]) == [ours]
    assert list(lists["to_verify"]) == []


def test_a_district_agency_sees_and_answers_the_citys_case_assigned_to_it_but_cannot_change_it(world):
    case = CaseFactory(agency=world["agency"], responsible_org=world["district"], status=Status.ASSIGNED)
    other = CaseFactory(agency=world["agency"], status=Status.ASSIGNED)
    district_staff = world["district_staff"]
    assert visible(district_staff) == {case}
    assert set(CaseEvent.objects.for_user(district_staff)) == set()  # no events on these factory cases
    assert visible(district_staff, Action.CHANGE) == set()
    assert services.allowed_transitions(case, district_staff) == ["start", "respond"]
    answered = services.transition(case, "respond", district_staff, text="已完成整改")
    assert answered.status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.transition(answered, "close", district_staff, text="自己销项")
    assert stored(answered)["status"] == Status.SUBMITTED
    assert other not in visible(district_staff)
    assert case not in visible(world["other_staff"])
