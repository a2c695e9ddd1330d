from django.db import migrations

# The approvals (前期手续) every agency tracks; an agency adds its own kinds beside these.
BUILT_IN = [
    ("立项", 10, "project_approval"),
    ("可研批复", 20, "other"),
    ("用地预审", 30, "other"),
    ("用地规划许可证", 40, "other"),
    ("工程规划许可证", 50, "other"),
    ("概算批复", 60, "other"),
    ("施工图审查", 70, "other"),
    ("施工许可证", 80, "construction_permit"),
    ("竣工验收", 90, "completion_acceptance"),
    ("竣工备案", 100, "other"),
    ("不动产权证", 110, "other"),
]


def add_kinds(apps, schema_editor):
    ApprovalKind = apps.get_model("projects", "ApprovalKind")
    for name, order, role in BUILT_IN:
        ApprovalKind.objects.get_or_create(agency=None, name=name, defaults={"order": order, "role": role})


def remove_kinds(apps, schema_editor):
    apps.get_model("projects", "ApprovalKind").objects.filter(
        agency=None, name__in=[n for n, _o, _r in BUILT_IN]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, remove_kinds)]
