"""Factories and helpers for inspection tests."""

from __future__ import annotations

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongwu.core.testing import CompanyFactory, image_bytes
from gongwu.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingCategory,
    Inspection,
    InspectionKind,
    Severity,
)
from gongwu.projects.models import Section
from gongwu.projects.testing import ProjectFactory

# A tiny real JPEG: photos are decoded, not judged by their first bytes.
JPEG_BYTES = image_bytes("JPEG")


def photo(name: str = "site.jpg", content: bytes = JPEG_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"{n + 1}标段")
    contractor = factory.SubFactory(CompanyFactory, kind="contractor")


class InspectionFactory(factory.django.DjangoModelFactory):
    """An inspection saved straight to the database (no service, no change log)."""

    class Meta:
        model = Inspection

    project = factory.SubFactory(ProjectFactory)
    kind = InspectionKind.SAFETY_ROUTINE
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    project = factory.SelfAttribute("inspection.project")
    category = FindingCategory.SCAFFOLD
    severity = Severity.GENERAL
    description = factory.Sequence(lambda n: f"脚手架连墙件缺失{n}处")
    responsible_org = factory.SubFactory(CompanyFactory, kind="contractor")
    found_on = factory.LazyAttribute(lambda o: timezone.localtime(o.inspection.started_at).date())


def builtin_sheet(code: str) -> ChecklistTemplate:
    """A built-in JGJ 59-2011 checklist (made by migration 0002; a transactional test's flush removes them)."""
    found = ChecklistTemplate.objects.filter(agency=None, code=code).first()
    if found is None:
        import importlib

        from django.apps import apps

        importlib.import_module("gongwu.inspections.migrations.0002_builtin_checklists").add_checklists(apps, None)
        found = ChecklistTemplate.objects.get(agency=None, code=code)
    return found
