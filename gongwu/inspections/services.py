"""Inspections in the domain's words: score a JGJ 59-2011 sheet and the summary (`score_jgj59_sheet`,
`score_inspection`), record findings with photos, issue a rectification notice (`open_rectification_notice`),
the company's answer, the re-inspection that closes (销项) or sends back. (The figures are read in
figures.py.)

A notice's loop is its alerts case's: the answer is the case's `respond`, the closing its `close`, a send-back
its `send_back`; overdue notices escalate with the agency's escalation steps like every other case. A 重大
finding opens a red case of its own at once, so the leader's board shows it before any notice is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts import services as alerts
from gongwu.alerts.models import DONE_STATUSES, FINISHED_STATUSES, Case, Kind, Status
from gongwu.alerts.models import Level as AlertLevel
from gongwu.core import images
from gongwu.core import services as core_services
from gongwu.core.calendar import add_working_days
from gongwu.core.models import Action, Attachment, user_may
from gongwu.inspections import jgj59, scoring
from gongwu.inspections.models import (
    CASE_SOURCE,
    MAX_PHOTO_BYTES,
    SEVERITY_RANK,
    CheckItem,
    ChecklistKind,
    ChecklistTemplate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    ItemResult,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
    Severity,
)

# ---- scoring ------------------------------------------------------------------------------------


def score_table_of(template: ChecklistTemplate) -> jgj59.ScoreTable:
    """The sheet as the scoring rules read it: a built-in JGJ 59 table, or an agency's checklist alike."""
    if template.is_builtin and template.code in jgj59.TABLES_BY_CODE:
        return jgj59.table(template.code)
    items = tuple(
        jgj59.Item(
            str(item.number),
            jgj59.GUARANTEE if item.guarantee else (item.group or jgj59.UNSPLIT),
            item.text,
            item.points,
            item.guarantee,
            item.regulation,
        )
        for item in template.items.order_by("number")
    )
    return jgj59.ScoreTable(template.code or f"checklist-{template.pk}", template.table_no, template.name, "", items)


def _score(sheet: ScoreSheet, results: list[ItemResult]) -> scoring.TableScore:
    deductions = {str(r.item.number): r.deduction for r in results if not r.not_applicable and r.deduction}
    not_applicable = [str(r.item.number) for r in results if r.not_applicable]
    try:
        return scoring.score_table(score_table_of(sheet.template), deductions, not_applicable=not_applicable)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _store(sheets: list[ScoreSheet], scores: list[scoring.TableScore]) -> None:
    changed = []
    for sheet, scored in zip(sheets, scores, strict=True):
        reason = scored.zero_reason.value if scored.zero_reason else ""
        if (sheet.score, sheet.zero_reason) != (scored.score, reason):
            sheet.score, sheet.zero_reason = scored.score, reason
            changed.append(sheet)
    ScoreSheet.objects.bulk_update(changed, ["score", "zero_reason"])


def score_jgj59_sheet(sheet: ScoreSheet) -> scoring.TableScore:
    """Score a filled-in sheet by JGJ 59-2011 §4.0.3 (see scoring.score_table) and store the result."""
    scored = _score(sheet, list(sheet.results.select_related("item")))
    _store([sheet], [scored])
    return scored


def score_inspection(inspection: Inspection) -> scoring.SummaryScore | None:
    """The inspection's score: the JGJ 59 summary sheet (汇总表, §4.0.3-4/5 and §5.0.2) over its built-in safety
    sheets, else the mean of its checklists' scores. Stored on the inspection and its sheets; None without sheets.

    The item results of all the sheets are read in one query, and only the sheets whose score changed are
    written (bench/inspections.py times a full summary of 19 sheets)."""
    sheets = list(inspection.sheets.select_related("template"))
    if not sheets:
        return None
    by_sheet: dict[int, list[ItemResult]] = defaultdict(list)
    for result in ItemResult.objects.filter(sheet__inspection=inspection).select_related("item"):
        by_sheet[result.sheet_id].append(result)
    scores = [_score(sheet, by_sheet[sheet.pk]) for sheet in sheets]
    _store(sheets, scores)
    jgj = [
        s
        for s, sheet in zip(scores, sheets, strict=True)
        if sheet.template.is_builtin and sheet.template.kind == ChecklistKind.SAFETY
    ]
    summary = None
    if jgj:
        try:
            summary = scoring.score_summary(jgj)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        score, grade = summary.total, summary.grade.value
    else:
        score = (sum((s.score for s in scores), Decimal(0)) / len(scores)).quantize(Decimal("0.01"))
        grade = ""
    Inspection.objects.filter(pk=inspection.pk).update(score=score, grade=grade)
    inspection.score, inspection.grade = score, grade
    return summary


def add_sheet(inspection: Inspection, template: ChecklistTemplate, actor: Any) -> ScoreSheet:
    """Start filling `template` in `inspection`: every item starts at full points."""
    if not Inspection.objects.for_user(actor, Action.CHANGE).filter(pk=inspection.pk).exists():
        raise PermissionDenied(_("You may not change this inspection."))
    if template.agency_id not in (None, inspection.project.agency_id):
        raise ValidationError({"template": _("The checklist belongs to another agency.")})
    if inspection.voided_at is not None:
        raise ValidationError(_("The inspection is voided; it no longer changes."))
    if inspection.status == InspectionStatus.COMPLETED:
        raise ValidationError(_("The inspection is completed; its sheets can no longer change."))
    with transaction.atomic():
        sheet = core_services.create_object(instance=ScoreSheet(inspection=inspection, template=template), actor=actor)
        ItemResult.objects.bulk_create(ItemResult(sheet=sheet, item=item) for item in template.items.all())
        score_jgj59_sheet(sheet)
    return sheet


@dataclass
class ItemEntry:
    deduction: Decimal = Decimal(0)
    not_applicable: bool = False
    note: str = ""


def record_results(sheet: ScoreSheet, entries: dict[int, ItemEntry], actor: Any) -> scoring.TableScore:
    """Store the inspector's results for some items of a sheet (by check item id) and rescore it, all or
    nothing: a deduction beyond an item's points or on an item marked 缺项 is refused with its message."""
    if not Inspection.objects.for_user(actor, Action.CHANGE).filter(pk=sheet.inspection_id).exists():
        raise PermissionDenied(_("You may not change this inspection."))
    if sheet.inspection.voided_at is not None:
        raise ValidationError(_("The inspection is voided; it no longer changes."))
    if sheet.inspection.status == InspectionStatus.COMPLETED:
        raise ValidationError(_("The inspection is completed; its sheets can no longer change."))
    results = {r.item_id: r for r in sheet.results.select_related("item")}
    unknown = set(entries) - set(results)
    if unknown:
        raise ValidationError(_("These items are not on the sheet: %(items)s.") % {"items": sorted(unknown)})
    errors = []
    with transaction.atomic():
        for item_id, entry in entries.items():
            result = results[item_id]
            before = core_services.snapshot(result)
            result.deduction, result.not_applicable, result.note = entry.deduction, entry.not_applicable, entry.note
            try:
                result.full_clean(exclude=["sheet", "item"])
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            result.save()
            after = core_services.snapshot(result)
            if after != before:
                core_services.log_change(instance=result, action="update", actor=actor, before=before, after=after)
        if errors:
            raise ValidationError(errors)
        score_inspection(sheet.inspection)
        sheet.refresh_from_db(fields=["score", "zero_reason"])
        scored = _score(sheet, list(sheet.results.select_related("item")))
    return scored


def complete_inspection(inspection: Inspection, actor: Any, result: str = "") -> Inspection:
    """End an inspection: scored, its result written, no more changes to its sheets."""
    with transaction.atomic():
        locked = Inspection.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=inspection.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this inspection."))
        if locked.voided_at is not None:
            raise ValidationError(_("The inspection is voided; it no longer changes."))
        before = core_services.snapshot(locked)
        score_inspection(locked)
        locked.refresh_from_db()
        locked.status = InspectionStatus.COMPLETED
        if result:
            locked.result = result
        locked.save(update_fields=["status", "result"])
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    return locked


# ---- voiding (records the figures count are never deleted) ---------------------------------------


def void_inspection(*, instance: Inspection, actor: Any, reason: str) -> Inspection:
    """Void an inspection entered in error: it and its findings leave the figures, and a 重大 finding's case
    is voided with it. Its findings on a live notice are voided with that notice first."""
    live_notices = RectificationNotice.objects.filter(findings__inspection=instance, voided_at__isnull=True).distinct()
    if live_notices.exists():
        raise ValidationError(
            _("Its findings are on notice %(numbers)s; void the notice first.")
            % {"numbers": "、".join(live_notices.values_list("number", flat=True))}
        )
    with transaction.atomic():
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        content_type = ContentType.objects.get_for_model(Finding)
        finding_ids = [str(pk) for pk in Finding.objects.filter(inspection=voided).values_list("pk", flat=True)]
        for case in Case.objects.filter(subject_type=content_type, subject_id__in=finding_ids).exclude(
            status__in=FINISHED_STATUSES
        ):
            alerts.void_case(instance=case, actor=actor, reason=reason, by_subject=True)
    return voided


def void_notice(*, instance: RectificationNotice, actor: Any, reason: str) -> RectificationNotice:
    """Void a notice issued in error: it and its case leave the figures (the case's timeline says why), and
    its findings are free to go on a new notice."""
    with transaction.atomic():
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        if voided.case_id and voided.case.status not in FINISHED_STATUSES:
            alerts.void_case(instance=voided.case, actor=actor, reason=reason, by_subject=True)
        Finding.objects.filter(notice=voided).exclude(status=FindingStatus.CLOSED).update(
            notice=None, status=FindingStatus.OPEN
        )
    return voided


# ---- photos -------------------------------------------------------------------------------------

IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(head: bytes) -> str | None:
    """The image type a file's first bytes say (JPEG, PNG, GIF, WebP, HEIC), or None."""
    for signature, mime in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


def check_photos(photos: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each upload with its image type; a clear error for a file that is not a photo (decoded whole, not
    judged by its first bytes) or is too large. Nothing is stored here."""
    checked = []
    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError(
                {
                    "photos": _("“%(name)s” is larger than %(mb)d MB; the page shrinks photos taken with the camera.")
                    % {"name": photo.name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}
                }
            )
        head = photo.read(16)
        photo.seek(0)
        mime = image_type(head)
        if mime is None:
            raise ValidationError(
                {"photos": _("“%(name)s” is not a photo (JPEG, PNG, WebP or HEIC).") % {"name": photo.name}}
            )
        try:
            images.decoded_image(photo)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
        checked.append((photo, mime))
    return checked


def attach_photos(obj: Any, photos: list[tuple[UploadedFile, str]], actor: Any, description: str) -> list[Attachment]:
    """Store checked photos on `obj`, without their location and device unless the agency keeps them."""
    content_type = ContentType.objects.get_for_model(type(obj))
    agency = obj.project.agency
    saved = []
    for photo, _mime in photos:
        stored = images.stored_image(photo, keep_metadata=agency.keep_photo_metadata)
        attachment = Attachment(
            content_type=content_type,
            object_id=str(obj.pk),
            agency_id=agency.pk,
            name=stored.name[:200],
            size=stored.size,
            mime_type=stored.gongwu_mime,
            description=description[:200],
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(stored.name, stored, save=False)
        core_services.remember_stored_file(attachment.file.storage, attachment.file.name)
        attachment.save()
        core_services.log_created(attachment, actor)
        saved.append(attachment)
    return saved


def photos_of(obj: Any) -> QuerySet:
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk))


# ---- findings -----------------------------------------------------------------------------------


def record_finding(finding: Finding, actor: Any, photos: Iterable[UploadedFile] = ()) -> Finding:
    """Save a new finding with its photos; a 重大 finding also opens a red case for the leader's board."""
    checked = check_photos(photos)
    return core_services.create_object(
        instance=finding, actor=actor, after_save=lambda saved: finding_saved(saved, actor, checked, created=True)
    )


def save_finding(*, instance: Finding, actor: Any, data: dict[str, Any] | None = None) -> Finding:
    """Create or update a finding from its form (page, phone, API, import, admin) with the photos the form
    checked (`data["photos"]`: (file, type) pairs); a new 重大 finding opens a red case."""
    photos = list((data or {}).get("photos") or [])
    created = instance._state.adding
    save = core_services.create_object if created else core_services.update_object
    return save(
        instance=instance,
        actor=actor,
        data=data,
        after_save=lambda saved: finding_saved(saved, actor, photos, created=created),
    )


def finding_saved(finding: Finding, actor: Any, photos: list[tuple[UploadedFile, str]], *, created: bool) -> None:
    """What follows saving a finding (from its form, the API or an import): its photos stored, and for a new
    重大 finding a red case opened."""
    attach_photos(finding, photos, actor, _("On site"))
    if created and finding.severity == Severity.SERIOUS:
        open_major_hazard_case(finding, actor)


def open_major_hazard_case(finding: Finding, actor: Any) -> Case:
    case = Case(
        agency_id=finding.project.agency_id,
        source=CASE_SOURCE,
        kind=Kind.RECTIFICATION,
        level=AlertLevel.RED,
        title=(
            _("Major hazard: %(project)s: %(finding)s")
            % {"project": finding.project.name, "finding": finding.description}
        )[:200],
        description=finding.description,
        responsible_org=finding.responsible_org,
        deadline=max(finding.deadline, timezone.localdate())
        if finding.deadline
        else add_working_days(timezone.localdate(), 3),
        measures=finding.regulation,
    )
    case.set_subject(finding)
    return alerts.open_case(case, actor)


# ---- rectification notices ----------------------------------------------------------------------

NOTICE_PREFIX = {NoticeKind.SAFETY: "安督", NoticeKind.QUALITY: "质督", NoticeKind.RECTIFICATION: "整改"}
LEVEL_OF_SEVERITY = {
    Severity.GENERAL: AlertLevel.YELLOW,
    Severity.MAJOR: AlertLevel.ORANGE,
    Severity.SERIOUS: AlertLevel.RED,
}


def next_notice_number(agency_id: int, kind: str, year: int) -> str:
    """安督〔2026〕12号: numbered per agency, kind and year."""
    prefix = f"{NOTICE_PREFIX[kind]}〔{year}〕"
    numbers = RectificationNotice.objects.filter(agency_id=agency_id, number__startswith=prefix).values_list(
        "number", flat=True
    )
    used = (number.removeprefix(prefix).removesuffix("号") for number in numbers)
    return f"{prefix}{max((int(n) for n in used if n.isdigit()), default=0) + 1}号"


def open_rectification_notice(
    findings: Iterable[Finding],
    actor: Any,
    *,
    kind: str = NoticeKind.RECTIFICATION,
    working_days: int = 7,
    requirements: str = "",
) -> RectificationNotice:
    """Group open findings of one project and one company into a numbered notice, and open its case."""
    chosen = list(findings)
    if not chosen:
        raise ValidationError(_("A notice needs at least one finding."))
    if not user_may(actor, RectificationNotice, Action.ADD):
        raise PermissionDenied(_("You may not issue notices."))
    projects = {f.project_id for f in chosen}
    companies = {f.responsible_org_id for f in chosen}
    if len(projects) > 1:
        raise ValidationError(_("A notice covers the findings of one project."))
    if len(companies) > 1:
        raise ValidationError(_("A notice is addressed to one company; these findings are for several."))
    if not 1 <= working_days <= 60:
        raise ValidationError({"working_days": _("The deadline is 1 to 60 working days.")})
    today = timezone.localdate()
    with transaction.atomic():
        locked = list(
            Finding.objects.select_for_update()
            .filter(pk__in=[f.pk for f in chosen])
            .select_related("project", "responsible_org")
        )
        if len(locked) != len(chosen):
            raise ValidationError(_("Some findings no longer exist."))
        if any(f.inspection.voided_at is not None for f in locked):
            raise ValidationError(_("A finding of a voided inspection goes on no notice."))
        taken = [f for f in locked if f.status != FindingStatus.OPEN]
        if taken:
            raise ValidationError(
                _("Already on a notice or closed: %(findings)s.")
                % {"findings": "; ".join(f.description[:30] for f in taken)}
            )
        first = locked[0]
        project = first.project
        notice = RectificationNotice(
            agency_id=project.agency_id,
            project=project,
            kind=kind,
            company=first.responsible_org,
            working_days=working_days,
            requirements=requirements,
            year=today.year,
            issued_on=today,
            deadline=add_working_days(today, working_days),
            issued_by=actor,
            number=next_notice_number(project.agency_id, kind, today.year),
        )
        sections = {f.inspection.section_id for f in locked}
        if len(sections) == 1:
            notice.section_id = sections.pop()
        core_services.create_object(instance=notice, actor=actor)
        worst = max((f.severity for f in locked), key=SEVERITY_RANK.get)
        case = Case(
            agency_id=project.agency_id,
            source=CASE_SOURCE,
            kind=Kind.RECTIFICATION,
            level=LEVEL_OF_SEVERITY[worst],
            title=(
                _("%(number)s: %(count)d findings at %(project)s")
                % {"number": notice.number, "count": len(locked), "project": project.name}
            )[:200],
            description="\n".join(f"{i}. {f.description}" for i, f in enumerate(locked, start=1)),
            measures=requirements,
            responsible_org=notice.company,
            deadline=notice.deadline,
            department=project.department,
        )
        case.set_subject(notice)
        alerts.open_case(case, actor)
        RectificationNotice.objects.filter(pk=notice.pk).update(case=case)
        notice.case = case
        Finding.objects.filter(pk__in=[f.pk for f in locked]).update(notice=notice, status=FindingStatus.NOTIFIED)
    return notice


def notice_status(notice: RectificationNotice) -> str:
    """Where the notice's loop stands, from its case."""
    if notice.voided_at is not None:
        return "voided"
    status = notice.case.status if notice.case_id else Status.OPEN
    if status in DONE_STATUSES:
        return "closed"
    if status == Status.SUBMITTED:
        return "answered"
    return "overdue" if notice.deadline < timezone.localdate() else "open"


def evidence_required(notice: RectificationNotice) -> bool:
    items = CheckItem.objects.filter(pk__in=notice.findings.exclude(item=None).values("item"))
    templates = ChecklistTemplate.objects.filter(pk__in=items.values("template"))
    return not templates.exists() or templates.filter(evidence_required=True).exists()


@dataclass
class Answer:
    text: str
    photos: list[UploadedFile] = field(default_factory=list)


def answer_notice(notice: RectificationNotice, answers: dict[int, Answer], actor: Any) -> RectificationNotice:
    """The company's answer: each finding's rectification and after-photos, then the case's response."""
    if actor.organization_id != notice.company_id and not actor.is_superuser:
        raise PermissionDenied(_("Only the company the notice is addressed to answers it."))
    findings = list(notice.findings.all())
    missing = [f for f in findings if not (answers.get(f.pk) and answers[f.pk].text.strip())]
    if missing:
        raise ValidationError(
            _("Say how each finding was rectified; missing: %(findings)s.")
            % {"findings": "; ".join(f.description[:30] for f in missing)}
        )
    needs_photos = evidence_required(notice)
    checked = {}
    for finding in findings:
        answer = answers[finding.pk]
        if needs_photos and not answer.photos:
            raise ValidationError(
                {
                    "photos": _("Attach a photo after rectification for “%(finding)s”.")
                    % {"finding": finding.description[:40]}
                }
            )
        checked[finding.pk] = check_photos(answer.photos)
    today = timezone.localdate()
    with core_services.files_removed_on_failure():
        for finding in findings:
            attach_photos(finding, checked[finding.pk], actor, _("After rectification"))
            Finding.objects.filter(pk=finding.pk).update(
                rectification=answers[finding.pk].text.strip(), rectified_on=today, status=FindingStatus.RECTIFIED
            )
        summary = "\n".join(f"{i}. {answers[f.pk].text.strip()}" for i, f in enumerate(findings, start=1))
        case = notice.case
        if case.status == Status.ASSIGNED:
            alerts.transition(case, "start", actor, by_subject=True)
            case.refresh_from_db()
        notice.case = alerts.transition(case, "respond", actor, text=summary, by_subject=True)
    return notice


def reinspect(notice: RectificationNotice, actor: Any, *, close: bool, text: str = "") -> RectificationNotice:
    """The inspector's 复查: close the notice and its findings (销项), or send it back with the reason."""
    if actor.organization_id == notice.company_id:
        raise PermissionDenied(_("The company that was inspected cannot re-inspect its own rectification."))
    with transaction.atomic():
        alerts.transition(notice.case, "close" if close else "send_back", actor, text=text, by_subject=True)
        today = timezone.localdate()
        if close:
            Finding.objects.filter(notice=notice).update(status=FindingStatus.CLOSED, closed_on=today)
            for finding in notice.findings.filter(severity=Severity.SERIOUS):
                close_major_hazard_case(finding, actor, today)
        else:
            Finding.objects.filter(notice=notice).update(status=FindingStatus.NOTIFIED)
    notice.refresh_from_db()
    return notice


def close_major_hazard_case(finding: Finding, actor: Any, today: datetime.date) -> None:
    content_type = ContentType.objects.get_for_model(Finding)
    for case in Case.objects.filter(subject_type=content_type, subject_id=str(finding.pk)).exclude(
        status__in=DONE_STATUSES
    ):
        alerts.resolve(case, actor, _("The finding was rectified and closed (销项) on re-inspection."), today)
