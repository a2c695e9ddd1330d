"""Data for bench/alerts.py: the scan's portfolio (projects_data made realistically late) and 1,000,000 board cases.

Deterministic (seeded `random.Random`). Two generators:

- `late_portfolio` wraps `projects_data.generate` and re-plans each project so that only a realistic share of
  them is late on the day of the scan (`Shares`): the others' open approvals and milestones get planned dates
  ahead of today (plans are re-baselined), and the not-yet-started projects that are not over the lead-time
  target get a recent 立项 date (the whole project shifted by the same number of days, so 立项 ≤ 施工许可 ≤ 开工
  still holds). It also yields this year's annual task items (start / advance / complete), a share of them
  behind plan. Relative order of a project's dates is kept; no actual date lies in the future.
- `cases` yields the rows of one agency's case history for the leader's board: opened over the last years
  with growth, most closed after a skewed time to close (some late), a tail of stuck open cases, levels,
  sources and kinds in agency-like proportions, departments, responsible organizations (departments and a
  skewed set of companies), deadlines and subjects (projects, approvals, milestones).
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

import projects_data

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Shares:
    """Probabilities, per project, of being late on the day of the scan."""

    approval_late: float = 0.08  # a project with open approvals past their date keeps them late
    milestone_late: float = 0.08  # the same for open milestones
    lead_time_late: float = 0.20  # a not-started project is over the lead-time target (90 days)
    on_task_list: float = 0.35  # an active project is on this year's task list
    task_behind: float = 0.25  # a start/complete task item whose date has passed is behind
    mean_days_late: float = 45  # how late a late item is (exponential, capped at 720 days)


TASK_ITEM_COLUMNS = "task_list_id, project_id, kind, planned_date, note"


def _shift(day: datetime.date | None, delta: datetime.timedelta) -> datetime.date | None:
    return day + delta if day is not None else None


def _replan(
    project: list, approvals: list[list], milestones: list[list], rng: random.Random, today: datetime.date, s: Shares
) -> None:
    """Adjust one project's rows in place (see the module docstring)."""
    stage = project[12]
    if stage in projects_data.NOT_STARTED:
        approval_row = approvals[0]  # 立项, always first, always with an actual date
        approved = approval_row[3]
        if rng.random() < s.lead_time_late:
            target = today - datetime.timedelta(days=rng.randint(95, 95 + int(rng.expovariate(1 / 150))))
        else:
            target = today - datetime.timedelta(days=rng.randint(5, 85))
        delta = target - approved
        for row in approvals:
            row[2], row[3] = _shift(row[2], delta), _shift(row[3], delta)
        for row in milestones:
            row[3] = _shift(row[3], delta)
        project[13] = _shift(project[13], delta)
    for rows, planned, actual, share in ((approvals, 2, 3, s.approval_late), (milestones, 3, 4, s.milestone_late)):
        open_past = [r for r in rows if r[actual] is None and r[planned] is not None and r[planned] < today]
        if not open_past:
            continue
        earliest = min(r[planned] for r in open_past)
        if rng.random() < share:
            days_late = min(720, 1 + int(rng.expovariate(1 / s.mean_days_late)))
            target = today - datetime.timedelta(days=days_late)
        else:
            target = today + datetime.timedelta(days=rng.randint(10, 240))
        delta = target - earliest
        for r in rows:
            if r[actual] is None and r[planned] is not None:
                r[planned] = r[planned] + delta


def _task_item(project: list, task_list_id: int, rng: random.Random, today: datetime.date, s: Shares) -> tuple | None:
    """This year's task item for the project, or None (not on the list)."""
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    stage, completed = project[12], project[29]
    if completed is not None and completed.year != today.year:
        return None
    if rng.random() >= s.on_task_list:
        return None

    def due(behind: bool) -> datetime.date:
        if behind and today > year_start:
            return max(year_start, today - datetime.timedelta(days=rng.randint(1, 200)))
        return today + datetime.timedelta(days=rng.randint(0, max(0, (year_end - today).days)))

    if completed is not None:  # completed this year: a completion task, done on time or late
        planned = min(year_end, max(year_start, completed + datetime.timedelta(days=rng.randint(-30, 60))))
        return (task_list_id, project[0], "complete", planned, "")
    if stage in projects_data.NOT_STARTED:
        return (task_list_id, project[0], "start", due(rng.random() < s.task_behind), "")
    if rng.random() < 0.7:  # under construction: advance (no date), or complete by a date
        return (task_list_id, project[0], "advance", None, "")
    return (task_list_id, project[0], "complete", due(rng.random() < s.task_behind), "")


def late_portfolio(
    agencies: list[projects_data.Agency],
    kinds: dict[str, int],
    task_lists: dict[int, int],
    today: datetime.date,
    shares: Shares = Shares(),
    seed: int = 4,
) -> Iterator[tuple[str, tuple]]:
    """`projects_data.generate` re-planned to realistic lateness, plus task items ("taskitem", row)."""
    rng = random.Random(seed)
    agency_of_project: dict[int, int] = {}
    first = 1
    for agency in agencies:
        for pid in range(first, first + agency.size):
            agency_of_project[pid] = agency.id
        first += agency.size
    buffered: dict[str, list] = {"project": [], "approval": [], "milestone": [], "award": []}

    def flush() -> Iterator[tuple[str, tuple]]:
        if not buffered["project"]:
            return
        project = buffered["project"][0]
        _replan(project, buffered["approval"], buffered["milestone"], rng, today, shares)
        for table in ("project", "approval", "milestone", "award"):
            for row in buffered[table]:
                yield table, tuple(row)
            buffered[table] = []
        item = _task_item(project, task_lists[agency_of_project[project[0]]], rng, today, shares)
        if item is not None:
            yield "taskitem", item

    for table, row in projects_data.generate(agencies, kinds, today):
        if table == "project":
            yield from flush()
        buffered[table].append(list(row))
    yield from flush()


# ---- the leader's board: one agency's case history -----------------------------------------------------

CASE_COLUMNS = (
    "id, agency_id, number, source, kind, level, title, description, subject_type_id, subject_id, subject_label,"
    " department_id, responsible_org_id, responsible_person_id, opened_on, deadline, status, evidence_required,"
    " measures, response, responded_on, closed_on, resolution, feedback, rule_code, trigger, escalation_step,"
    " created_by_id, version, created, updated, void_reason"
)
# (source, weight %, [(kind, weight)])
SOURCES = (
    ("rule", 52, (("warning", 70), ("attention", 22), ("supervision", 8))),
    ("meeting", 16, (("action_item", 100),)),
    ("tour", 12, (("rectification", 100),)),
    ("manual", 8, (("attention", 40), ("supervision", 30), ("action_item", 30))),
    ("inspection", 7, (("rectification", 100),)),
    ("sensor", 4, (("warning", 100),)),
    ("integrity", 1, (("warning", 60), ("attention", 40))),
)
LEVELS = (("blue", 15), ("yellow", 45), ("orange", 25), ("red", 15))
RULE_CODES = (
    "projects.approval_late",
    "projects.milestone_overdue",
    "projects.task_behind",
    "projects.lead_time_over_target",
)
TITLES = {
    "rule": "{p}：{what}逾期",
    "meeting": "{p}：协调会交办事项",
    "tour": "{p}：巡察发现问题整改",
    "manual": "{p}：提请关注",
    "inspection": "{p}：检查通报整改",
    "sensor": "{p}：智慧工地告警",
    "integrity": "{p}：诚信预警",
}
WHAT = ("施工许可证", "开工节点", "竣工验收", "主体结构封顶", "可研批复", "年度任务")
OPEN_STATUSES = (("open", 10), ("assigned", 35), ("in_progress", 40), ("submitted", 15))


@dataclass
class BoardOrgs:
    agency: int
    departments: list[int]
    companies: list[int]
    people: dict[int, list[int]]  # department id -> its staff (responsible persons)
    subject_types: dict[str, int]  # "project", "approval", "milestone" -> content type id
    projects: list[tuple[int, str]]  # (id, name) of the agency's projects (subjects; not loaded)


def _pick(rng: random.Random, table: tuple) -> str:
    return rng.choices([t[0] for t in table], weights=[t[1] for t in table])[0]


def cases(
    orgs: BoardOrgs, n: int, today: datetime.date, first_id: int, years: int = 6, seed: int = 1_000_000
) -> Iterator[tuple]:
    """Yield n case rows (CASE_COLUMNS) for one agency, opened over `years` years up to today."""
    rng = random.Random(seed)
    start = datetime.date(today.year - years + 1, 1, 1)
    span = (today - start).days
    now = datetime.datetime.now(datetime.UTC)
    numbers: dict[int, int] = {}
    # Company responsibility is skewed: a few contractors carry most of the cases.
    company_weights = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(orgs.companies))))
    opened_days = sorted(int(span * rng.random() ** 0.7) for _ in range(n))  # more cases in recent years
    for index, offset in enumerate(opened_days):
        opened = start + offset * DAY
        source = _pick(rng, SOURCES)
        kinds = next(k for s, _w, k in SOURCES if s == source)
        kind = _pick(rng, kinds)
        level = _pick(rng, LEVELS)
        deadline = None if rng.random() < 0.05 else opened + rng.choice((7, 14, 14, 14, 21, 30, 30, 60, 90)) * DAY
        # Time to close: skewed (most within weeks, a long tail); 2 % never close (stuck).
        stuck = rng.random() < 0.02
        days_to_close = None if stuck else int(rng.lognormvariate(2.9, 0.8))
        closed = opened + days_to_close * DAY if days_to_close is not None else None
        if closed is not None and closed <= today:
            status = "archived" if (today - closed).days > 60 and rng.random() < 0.7 else "closed"
            responded = closed - min(days_to_close, rng.randint(0, 5)) * DAY
        else:
            closed = None
            status = _pick(rng, OPEN_STATUSES)
            responded = today - rng.randint(0, 10) * DAY if status == "submitted" else None
            if responded is not None and responded < opened:
                responded = opened
        project_id, project_name = orgs.projects[int(len(orgs.projects) * rng.random() ** 1.5)]
        if source == "rule":
            what = rng.choice(("approval", "milestone", "project"))
            subject_type = orgs.subject_types[what]
            subject_id = str(first_id + index) if what != "project" else str(project_id)
            label = f"{project_name} · {rng.choice(WHAT)}" if what != "project" else project_name
            rule_code = RULE_CODES[0 if what == "approval" else 1 if what == "milestone" else rng.choice((2, 3))]
            trigger = json.dumps({"project": f"P{project_id}", "days_late": rng.randint(1, 200), "severity": 1})
        elif rng.random() < 0.8:
            subject_type, subject_id, label = orgs.subject_types["project"], str(project_id), project_name
            rule_code, trigger = "", "{}"
        else:
            subject_type, subject_id, label, rule_code, trigger = None, "", "", "", "{}"
        if source == "rule" and what == "project" and closed is None:
            subject_id = str(first_id + index)  # one live case per rule and subject (the DB constraint)
        if rng.random() < 0.55 and orgs.companies:
            responsible = rng.choices(orgs.companies, cum_weights=company_weights)[0]
            person = None
        else:
            responsible = rng.choice(orgs.departments)
            staff = orgs.people.get(responsible) or [None]
            person = rng.choice(staff) if rng.random() < 0.5 else None
        if status == "open":
            responsible, person = None, None
        numbers[opened.year] = numbers.get(opened.year, 0) + 1
        yield (
            first_id + index,
            orgs.agency,
            f"{opened.year}-{numbers[opened.year]:06d}",
            source,
            kind,
            level,
            TITLES[source].format(p=project_name, what=rng.choice(WHAT))[:200],
            "",
            subject_type,
            subject_id,
            label[:200],
            rng.choice(orgs.departments) if rng.random() < 0.92 else None,
            responsible,
            person,
            opened,
            deadline,
            status,
            source in ("tour", "inspection"),
            "",
            "已按要求整改" if closed else "",
            responded,
            closed,
            "",
            "",
            rule_code,
            trigger,
            0 if deadline is None or (closed or today) <= deadline else rng.randint(1, 3),
            None,
            1 + (3 if closed else 1),
            now,
            now,
            "",  # void_reason: NOT NULL without a database default (core's VoidableModel)
        )
