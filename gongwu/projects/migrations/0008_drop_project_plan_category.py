from django.db import migrations


class Migration(migrations.Migration):
    """A project's plan category is its annual plan's (investment's `AnnualPlan.plan_category`, one per year);
    the project's own single field goes. Migration `investment 0004` first copies what it held into the annual
    plan of that year (it runs before this one)."""

    dependencies = [
        ('projects', '0007_project_intake'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='project',
            name='plan_category',
        ),
        migrations.RemoveField(
            model_name='project',
            name='plan_year',
        ),
    ]
