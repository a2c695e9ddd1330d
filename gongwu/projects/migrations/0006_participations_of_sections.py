"""The participations of the sections that existed before participations: one per party, from the project's
start (or today), so that company representatives keep seeing what they take part in."""

from django.db import migrations
from django.utils import timezone

BATCH = 1000
ROLE_OF_KIND = {
    "contractor": "subcontractor",
    "supervisor": "supervisor",
    "designer": "designer",
    "surveyor": "surveyor",
    "consultant": "consultant",
    "agent": "agent",
    "supplier": "supplier",
}


def create_participations(apps, schema_editor):
    Section = apps.get_model("projects", "Section")
    Participation = apps.get_model("projects", "Participation")
    today = timezone.localdate()
    rows = []
    sections = Section.objects.select_related("project").prefetch_related("other_parties").order_by("pk")
    for section in sections.iterator(chunk_size=BATCH):
        day = section.project.started_on or today
        parties = {}
        if section.contractor_id:
            parties[section.contractor_id] = "general_contractor"
        if section.supervisor_id:
            parties.setdefault(section.supervisor_id, "supervisor")
        for org in section.other_parties.all():
            parties.setdefault(org.pk, ROLE_OF_KIND.get(org.kind, "subcontractor"))
        rows += [
            Participation(
                project_id=section.project_id,
                section_id=section.pk,
                organization_id=org_id,
                role=role,
                started_on=day,
                source="section",
            )
            for org_id, role in sorted(parties.items())
        ]
        if len(rows) >= BATCH:
            Participation.objects.bulk_create(rows)
            rows = []
    Participation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_participation")]

    operations = [migrations.RunPython(create_participations, migrations.RunPython.noop)]
