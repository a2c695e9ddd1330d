from django.db import migrations, models


class Migration(migrations.Migration):
    """项目接收: when, as what and from whom a project came to the agency."""

    dependencies = [
        ('projects', '0006_participations_of_sections'),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='received_from',
            field=models.CharField(blank=True, help_text='Who handed it over: 市发展和改革委员会, the user unit, a district agency…', max_length=120, verbose_name='received from'),
        ),
        migrations.AddField(
            model_name='project',
            name='received_on',
            field=models.DateField(blank=True, help_text='The day the agency took the project over.', null=True, verbose_name='received on (接收)'),
        ),
        migrations.AddField(
            model_name='project',
            name='received_source',
            field=models.CharField(blank=True, choices=[('plan', 'Assigned in the investment plan (发改下达)'), ('user_unit', 'Handed over by the user unit'), ('preliminary', 'Handed over by the preliminary-works unit (前期单位)'), ('agency', 'Transferred from another agency (移交)'), ('other', 'Other')], max_length=20, verbose_name='received as'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['agency', 'received_on'], name='project_agency_received'),
        ),
    ]
