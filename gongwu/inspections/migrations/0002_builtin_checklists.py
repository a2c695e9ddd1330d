"""The JGJ 59-2011 分项检查评分表 as built-in checklists (no agency), from gongwu/inspections/jgj59.py."""

from django.db import migrations

CATEGORY = {
    "safety_management": "safety_management",
    "civilized_construction": "civilized",
    "scaffold": "scaffold",
    "foundation_pit": "excavation",
    "formwork_support": "formwork",
    "work_at_height": "work_at_height",
    "temporary_power": "power",
    "hoists": "hoists",
    "cranes": "cranes",
    "construction_machinery": "machinery",
}


def add_checklists(apps, schema_editor):
    from gongwu.inspections import jgj59

    Template = apps.get_model("inspections", "ChecklistTemplate")
    Item = apps.get_model("inspections", "CheckItem")
    order = 0
    for sheet in jgj59.SUMMARY_SHEETS:
        for table in sheet.variants:
            order += 1
            template, created = Template.objects.get_or_create(
                agency=None,
                name=table.name,
                defaults={
                    "kind": "safety",
                    "code": table.code,
                    "table_no": table.table_no,
                    "summary_line": sheet.name,
                    "order": order,
                },
            )
            if not created:
                continue
            Item.objects.bulk_create(
                Item(
                    template=template,
                    number=int(item.code),
                    group=item.group,
                    text=item.text,
                    points=item.points,
                    guarantee=item.guarantee,
                    default_severity="major" if item.guarantee else "general",
                    category=CATEGORY[sheet.code],
                    regulation=f"{jgj59.STANDARD} {item.clause}",
                )
                for item in table.items
            )


def remove_checklists(apps, schema_editor):
    apps.get_model("inspections", "ChecklistTemplate").objects.filter(agency=None).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(add_checklists, remove_checklists)]
