"""Background work of the investment app: the monthly report, built by the worker with its progress on a Job."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongwu.core import context
from gongwu.core.jobs import claim, working
from gongwu.core.models import Organization
from gongwu.investment import figures
from gongwu.investment.imports import report_title, write_monthly_report


@task()
def build_monthly_report(job_id: int, language: str = "zh-hans") -> None:
    job = claim(job_id)
    if job is None:
        return
    params = job.params
    agency_ids, year, month = list(params["agency_ids"]), int(params["year"]), int(params["month"])
    tag = str(params.get("tag") or "")  # a project tag's name: only the plans of projects tagged so
    with translation.override(language), context.change_source("task", f"job{job.pk}"), working(job) as work:
        rows = figures.plan_rows(figures.plans_of(agency_ids, tag), year, month)
        work.set_total(len(rows))
        names = list(Organization.objects.filter(pk__in=agency_ids).order_by("name").values_list("name", flat=True))
        stream = io.BytesIO()
        write_monthly_report(
            rows,
            title=report_title(names, year, month) + (f"（{tag}）" if tag else ""),
            year=year,
            month=month,
            base=figures.payment_base_of(agency_ids),
            curves=figures.monthly_curves(agency_ids, year, tag=tag),
            stream=stream,
            progress=lambda done: work.progress(done, every=1),
        )
        filename = _("investment-report-%(year)s-%(month)02d.xlsx") % {"year": year, "month": month}
        job.file.save(filename, ContentFile(stream.getvalue()), save=False)
        work.done(_("%(count)d projects in the report.") % {"count": job.total})
