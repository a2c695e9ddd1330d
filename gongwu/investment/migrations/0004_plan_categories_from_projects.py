"""Projects had one plan year and plan category each; the annual plans (one per project and year) hold it now.

Each project's category is copied into its annual plan of that year when the plan has none. A plan that already
has one keeps it (the annual plan is the source of truth), and a project without an annual plan of that year
gets none made for it: its category is dropped with the project's field (migration `projects 0008`, which runs
after this one). The counts, and the codes of the dropped ones, are printed.
"""

import sys

from django.db import migrations

BATCH = 1000


def move_plan_categories(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    AnnualPlan = apps.get_model("investment", "AnnualPlan")
    projects = (
        Project.objects.exclude(plan_year__isnull=True)
        .exclude(plan_category="")
        .order_by("pk")
        .values_list("pk", "agency_id", "code", "plan_year", "plan_category")
    )
    moved, agreed, differed, dropped = 0, 0, 0, []
    batch = []

    def settle(rows):
        nonlocal moved, agreed, differed
        plans = {
            (p.project_id, p.year): p
            for p in AnnualPlan.objects.filter(project__in=[r[0] for r in rows]).only(
                "pk", "project_id", "year", "plan_category"
            )
        }
        changed = []
        for pk, agency_id, code, year, category in rows:
            plan = plans.get((pk, year))
            if plan is None:
                dropped.append(f"{code or pk} ({year})")
            elif not plan.plan_category:
                plan.plan_category = category
                changed.append(plan)
                moved += 1
            elif plan.plan_category == category:
                agreed += 1
            else:
                differed += 1
        AnnualPlan.objects.bulk_update(changed, ["plan_category"])

    for row in projects.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            settle(batch)
            batch = []
    if batch:
        settle(batch)
    if moved or agreed or differed or dropped:
        sys.stdout.write(
            f"\n  Plan categories of projects: {moved} copied into the annual plan of their year, {agreed} the same "
            f"as it already, {differed} different from it (the annual plan's kept), {len(dropped)} without an annual "
            "plan of their year (dropped, none created)"
            + (f": {', '.join(dropped[:50])}{' …' if len(dropped) > 50 else ''}" if dropped else "")
            + "\n"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("investment", "0003_plan_month_figures_rollup"),
        ("projects", "0007_project_intake"),
    ]
    run_before = [("projects", "0008_drop_project_plan_category")]

    operations = [migrations.RunPython(move_plan_categories, migrations.RunPython.noop)]
