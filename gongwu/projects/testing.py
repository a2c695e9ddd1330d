"""Factories for project tests (used by this app's tests and by apps that hang on projects)."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import factory
from django.apps import apps as django_apps

from gongwu.core.testing import AgencyFactory
from gongwu.projects.models import (
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    Milestone,
    MilestoneKind,
    Project,
    Stage,
    TaskItem,
    TaskKind,
    TaskList,
)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project saved straight to the database (no service, no change log): for test fixtures."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n:04d}号")
    category = Category.SCHOOL
    stage = Stage.PREPARATION


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    kind = MilestoneKind.START


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"测试奖{n}")
    level = AwardLevel.CITY
    year = 2023


class TaskListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskList

    agency = factory.SubFactory(AgencyFactory)
    year = 2024


class TaskItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskItem

    task_list = factory.SubFactory(TaskListFactory)
    project = factory.SubFactory(ProjectFactory, agency=factory.SelfAttribute("..task_list.agency"))
    kind = TaskKind.START


def ensure_builtin_approval_kinds() -> None:
    """The built-in kinds as migration 0002 makes them: a transactional test's flush removes them."""
    migration = importlib.import_module("gongwu.projects.migrations.0002_builtin_approval_kinds")
    migration.add_kinds(django_apps, None)


def approval_kind(role: str) -> ApprovalKind:
    """The built-in approval kind playing `role` (立项, 施工许可证, 竣工验收)."""
    found = ApprovalKind.objects.filter(agency=None, role=role).first()
    if found is None:
        ensure_builtin_approval_kinds()
        found = ApprovalKind.objects.get(agency=None, role=role)
    return found


def record_approval(project: Project, role: str, actual: datetime.date | None, **fields: Any) -> Approval:
    return Approval.objects.create(project=project, kind=approval_kind(role), actual_date=actual, **fields)


def started_project(start: datetime.date, completion: datetime.date | None = None, **fields: Any) -> Project:
    """A project with its permit, start and (optionally) completion acceptance recorded."""
    project = ProjectFactory(stage=Stage.COMPLETED if completion else Stage.CONSTRUCTION, **fields)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, start)
    Milestone.objects.create(project=project, kind=MilestoneKind.START, actual_date=start)
    if completion:
        Milestone.objects.create(project=project, kind=MilestoneKind.COMPLETION_ACCEPTANCE, actual_date=completion)
    project.refresh_from_db()
    return project
