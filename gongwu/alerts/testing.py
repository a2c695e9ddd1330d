"""Factories for alerts tests (used by this app's tests and by other apps' tests that open cases).

`CaseFactory` saves a case straight to the database (no service, no change log, no timeline): use it
for fixtures in any status. `opened_case` opens one the way users do (numbered, on the timeline, in
the change log) through `services.open_case`.
"""

from __future__ import annotations

from typing import Any

import factory

from gongwu.alerts import services, sources
from gongwu.alerts.models import (
    Case,
    CaseEvent,
    EscalationStep,
    EventAction,
    Level,
    Meeting,
    Notification,
    RuleSetting,
    Status,
)
from gongwu.core.models import Role, User
from gongwu.core.testing import AgencyFactory, UserFactory


class CaseFactory(factory.django.DjangoModelFactory):
    """A case saved straight to the database, in any status (default: open, nobody responsible)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    title = factory.Sequence(lambda n: f"测试督办事项{n:04d}号")
    source = sources.MANUAL
    level = Level.YELLOW
    status = Status.OPEN


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    action = EventAction.COMMENTED
    text = "测试备注"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    agency = factory.SubFactory(AgencyFactory)
    title = factory.Sequence(lambda n: f"测试协调会{n:04d}号")
    date = factory.Faker("date_between", start_date="-30d", end_date="today")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"测试通知{n:04d}号")


class RuleSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleSetting

    agency = factory.SubFactory(AgencyFactory)
    code = "projects.milestone_overdue"
    level = Level.YELLOW
    params = factory.LazyFunction(dict)


class EscalationStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationStep

    agency = factory.SubFactory(AgencyFactory)
    order = factory.Sequence(lambda n: n % 20 + 1)
    days_overdue = 0
    action = "raise_level"


def staff_of(agency: Any, role: str = Role.STAFF, **fields: Any) -> User:
    """A user of `agency` (staff by default)."""
    return UserFactory.create(organization=agency, role=role, **fields)


def opened_case(actor: User | None, **fields: Any) -> Case:
    """A case opened through `services.open_case` (numbered, on the timeline, in the change log).

    `actor` None opens it as the system; give `agency` then (otherwise the actor's agency is used).
    With a responsible organization or person it starts "assigned", as when a user opens it.
    """
    fields.setdefault("title", f"测试事项{Case.objects.count() + 1:04d}号")
    case = Case(**fields)
    return services.open_case(case, actor, notify_people=False)
