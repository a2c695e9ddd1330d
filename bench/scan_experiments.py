"""A candidate change to `gongwu.alerts.services.scan_rule`, monkeypatched by bench/alerts.py --experiments.

Nothing in gongwu/ is edited: this shows, with figures from the same run, what batching the opening of new
cases would gain. Same cases, same numbers, same timeline events, same change-log chain, same notifications as
`open_rule_case` one by one; differences: new matches are opened in chunks of `CHUNK` cases, each chunk one
transaction (so an interrupted scan still converges: a chunk is all or nothing, and the next scan opens what is
missing), with `bulk_create` for cases, events, change-log entries (chained in Python under the same advisory
lock) and notifications; the case is not `full_clean`ed (the rule built it: no form input; the database's
unique constraints still hold and a clash falls back to the one-by-one path for that chunk).
"""

from __future__ import annotations

import datetime
from typing import Any

CHUNK = 500


def batched_scan_rule(rule, agency_id, params, level, today, report) -> None:
    from gongwu.alerts import services
    from gongwu.alerts.models import DONE_STATUSES, LEVEL_RANK, Case, Source

    live = {
        (c.subject_type_id, c.subject_id): c
        for c in Case.objects.filter(agency_id=agency_id, source=Source.RULE, rule_code=rule.code).exclude(
            status__in=DONE_STATUSES
        )
    }
    seen: set[tuple[int, str]] = set()
    new: list[tuple[Any, str]] = []
    for match in rule.find(agency_id, params, today):
        report.examined += 1
        key = services._subject_key(match.subject)
        seen.add(key)
        match_level = match.level or level
        case = live.get(key)
        if case is None:
            new.append((match, match_level))
        elif LEVEL_RANK[match_level] > LEVEL_RANK[case.level]:
            services.worsen(case, match, match_level, report)
    for start in range(0, len(new), CHUNK):
        open_batch(rule, agency_id, new[start : start + CHUNK], today, report)
    for key, case in live.items():
        if key not in seen:
            services.clear(case, report)


def numbers(agency_id: int, year: int, count: int) -> list[str]:
    """`count` free case numbers, as `services.next_number` would give them one by one."""
    from gongwu.alerts.models import Case

    prefix = f"{year}-"
    taken = Case.objects.filter(agency_id=agency_id, number__startswith=prefix).count()
    found: list[str] = []
    candidate = taken + 1
    while len(found) < count:
        batch = [f"{prefix}{n:04d}" for n in range(candidate, candidate + count - len(found))]
        used = set(Case.objects.filter(agency_id=agency_id, number__in=batch).values_list("number", flat=True))
        found.extend(n for n in batch if n not in used)
        candidate += len(batch)
    return found


def open_batch(rule, agency_id: int, chunk: list, today: datetime.date, report) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from gongwu.alerts import services
    from gongwu.alerts.models import Case, CaseEvent, EventAction, Notification, Source, Status
    from gongwu.core import context
    from gongwu.core import services as core_services
    from gongwu.core.models import ChangeLogEntry, User

    people = {
        u.pk: u
        for u in User.objects.filter(pk__in={m.responsible_person_id for m, _l in chunk if m.responsible_person_id})
    }
    cases = []
    for (match, level), number in zip(chunk, numbers(agency_id, today.year, len(chunk)), strict=True):
        case = Case(
            agency_id=agency_id,
            number=number,
            source=Source.RULE,
            kind=rule.kind,
            level=level,
            title=match.title[:200],
            description=str(rule.description),
            rule_code=rule.code,
            trigger={**match.data, "severity": match.severity},
            opened_on=today,
            deadline=match.deadline or services.add_working_days(today, rule.deadline_working_days),
            department_id=match.department_id,
            responsible_person_id=match.responsible_person_id,
        )
        case.set_subject(match.subject)
        person = people.get(case.responsible_person_id)
        if person is not None:
            case.responsible_org_id = person.organization_id
        if case.responsible_org_id:
            case.status = Status.ASSIGNED
        cases.append(case)
    case_type = ContentType.objects.get_for_model(Case)
    try:
        with transaction.atomic():
            Case.objects.bulk_create(cases)
            events = []
            for case in cases:
                data = {"trigger": case.trigger} if case.trigger else {}
                events.append(CaseEvent(case=case, action=EventAction.OPENED, to_status=case.status, data=data))
                if case.status == Status.ASSIGNED:
                    events.append(
                        CaseEvent(
                            case=case, action=EventAction.ASSIGNED, from_status=Status.OPEN, to_status=case.status
                        )
                    )
            CaseEvent.objects.bulk_create(events)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [core_services.CHAIN_LOCK_KEY])
            prev = (
                ChangeLogEntry.objects.order_by("-id").values_list("hash", flat=True).first()
                or core_services.GENESIS_HASH
            )
            entries = []
            for case in cases:
                entry = ChangeLogEntry(
                    time=timezone.now(),
                    actor=None,
                    actor_name=_("system"),
                    agency_id=agency_id,
                    source=context.source.get(),
                    request_id=context.request_id.get(),
                    content_type=case_type,
                    object_id=str(case.pk),
                    object_repr=str(case)[:200],
                    action="create",
                    before=None,
                    after=core_services.snapshot(case),
                    prev_hash=prev,
                )
                entry.hash = prev = entry.compute_hash()
                entries.append(entry)
            ChangeLogEntry.objects.bulk_create(entries)
            notes = []
            for case in cases:
                person = people.get(case.responsible_person_id)
                if case.status == Status.ASSIGNED and person is not None and person.is_active:
                    text = _("New case for you: %(case)s") % {"case": case}
                    notes.append(Notification(user=person, case=case, text=text[:300]))
            transaction.on_commit(lambda: Notification.objects.bulk_create(notes))
    except IntegrityError:  # a concurrent scan or a manual case took a number or a subject: one by one
        for match, level in chunk:
            services.open_rule_case(rule, agency_id, match, level, today, report)
        return
    report.opened += len(cases)
