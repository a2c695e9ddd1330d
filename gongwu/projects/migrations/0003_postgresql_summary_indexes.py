"""PostgreSQL-only indexes for the portfolio summary (measured with bench/projects.py).

State-neutral: the models do not declare them (partial indexes with INCLUDE are PostgreSQL features), so
`makemigrations` sees no change and SQLite gets nothing.

- Milestones and approvals reached in a period (`actual_date` between two dates, of the agency's projects):
  a covering index on `actual_date` with the project, the kind and the id (the ORM counts ids) lets PostgreSQL read only that period's
  entries (an index-only scan) instead of the whole table in parallel.
- Overdue projects (a milestone or approval with no actual date and a planned date before today, per
  project): a partial index over the open ones only, keyed by project, makes each EXISTS probe an
  index-only look-up and keeps the summary's aggregate below the JIT cost threshold.
"""

from django.db import migrations

INDEXES = {
    "projects_milestone_reached": (
        "projects_milestone",
        "(actual_date) INCLUDE (project_id, kind, id) WHERE actual_date IS NOT NULL",
    ),
    "projects_approval_obtained": (
        "projects_approval",
        "(actual_date) INCLUDE (project_id, kind_id, id) WHERE actual_date IS NOT NULL",
    ),
    "projects_milestone_open": ("projects_milestone", "(project_id, planned_date) WHERE actual_date IS NULL"),
    "projects_approval_open": ("projects_approval", "(project_id, planned_date) WHERE actual_date IS NULL"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, definition) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_builtin_approval_kinds")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
