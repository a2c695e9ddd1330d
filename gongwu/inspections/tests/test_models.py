"""The rules the inspection models keep on their own (`full_clean`): hazardous works and inspections."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from gongwu.inspections.models import HazardKind, HazardousWork, HazardStatus, Inspection, InspectionKind, Level, Topic
from gongwu.inspections.testing import SectionFactory
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def project(db: Any) -> Any:
    return ProjectFactory(name="鼓楼一中教学楼")


def errors_of(obj: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        obj.full_clean()
    return exc.value.message_dict


# ---- hazardous works (危大工程) ------------------------------------------------------------------


def work(project: Any, **fields: Any) -> HazardousWork:
    fields.setdefault("kind", HazardKind.DEEP_EXCAVATION)
    fields.setdefault("name", "基坑支护及土方开挖")
    return HazardousWork(project=project, **fields)


def test_a_planned_hazardous_work_needs_no_plan_yet(project):
    work(project, over_scale=True).full_clean()


def test_work_under_way_needs_its_approved_special_plan(project):
    assert errors_of(work(project, status=HazardStatus.UNDER_WAY)) == {
        "plan_approved_on": ["Work under way needs its approved special plan (专项方案)."]
    }
    work(project, status=HazardStatus.UNDER_WAY, plan_approved_on=D(2026, 3, 1)).full_clean()


def test_work_over_the_scale_needs_the_expert_review_before_it_starts(project):
    over = work(project, over_scale=True, status=HazardStatus.UNDER_WAY, plan_approved_on=D(2026, 3, 1))
    assert errors_of(over) == {"expert_review_on": ["Work beyond the scale needs the expert review of its plan first."]}
    over.expert_review_on = D(2026, 2, 20)
    over.full_clean()


def test_a_hazardous_work_cannot_end_before_it_starts(project):
    assert errors_of(work(project, starts_on=D(2026, 3, 10), ends_on=D(2026, 3, 9))) == {
        "ends_on": ["It ends before it starts."]
    }
    work(project, starts_on=D(2026, 3, 10), ends_on=D(2026, 3, 10)).full_clean()


def test_a_hazardous_work_cannot_sit_in_another_projects_section(project):
    assert errors_of(work(project, section=SectionFactory())) == {
        "section": ["The section belongs to another project."]
    }
    work(project, section=SectionFactory(project=project)).full_clean()


# ---- inspections --------------------------------------------------------------------------------


def inspection(project: Any, **fields: Any) -> Inspection:
    fields.setdefault("kind", InspectionKind.SAFETY_ROUTINE)
    fields.setdefault("started_at", timezone.now() - datetime.timedelta(hours=2))
    return Inspection(project=project, **fields)


def test_a_special_inspection_says_what_it_is_about(project):
    assert errors_of(inspection(project, kind=InspectionKind.SPECIAL)) == {
        "topic": ["Say what the special inspection is about."]
    }
    inspection(project, kind=InspectionKind.SPECIAL, topic=Topic.DEEP_EXCAVATION).full_clean()


def test_an_inspection_cannot_be_recorded_ahead_of_time(project):
    later = inspection(project, started_at=timezone.now() + datetime.timedelta(days=1))
    assert errors_of(later) == {"started_at": ["An inspection cannot be recorded ahead of time."]}
    inspection(project, started_at=timezone.now() + datetime.timedelta(minutes=30)).full_clean()


def test_an_inspection_cannot_be_of_another_projects_section(project):
    assert errors_of(inspection(project, section=SectionFactory())) == {
        "section": ["The section belongs to another project."]
    }


def test_an_inspection_cannot_target_another_projects_hazardous_work(project):
    elsewhere = work(ProjectFactory())
    elsewhere.save()
    assert errors_of(inspection(project, hazardous_work=elsewhere)) == {
        "hazardous_work": ["The hazardous work belongs to another project."]
    }


def test_a_self_check_is_always_at_the_self_check_level(project):
    check = inspection(project, kind=InspectionKind.SELF_CHECK, level=Level.SUPERVISION)
    check.full_clean()
    assert check.level == Level.SELF
    assert check.is_safety is True  # the contractor's own safety check, counted with safety
    assert inspection(project, kind=InspectionKind.NIGHT_HOLIDAY).is_safety is True
