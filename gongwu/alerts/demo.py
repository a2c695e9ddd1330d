"""The demo agency's year of closed loops (预警·督办·交办), 2026 up to AS_OF, so the leader's board looks
like a real agency's.

`build(orgs=…, actor=…, progress=…)` is called by `gongwu demo` after the projects demo. It replays the
year day by day through the services, as the platform would have lived it:

- on the first Monday of each month (and on AS_OF) the scheduled job escalates overdue cases (the
  agency's own escalation steps: raise the level at once, tell the leader after 10 days, turn attention
  into 督办 after 30); from September, when the agency switched the alert rules on, it also runs them
  over the demo projects (`services.scan`), and the staff give each new rule case a deadline and a
  responsible person, who starts work (the demo replays the job monthly, not daily, to stay quick);
- meetings through the year: monthly 工程建设调度例会 and six 专责小组 meetings assign 47 交办事项;
  the 专责小组 and four 协调会 raise 21 协调问题 (cases of kind "attention" from a meeting);
- one 巡察 tour (March) with 33 findings, 32 rectified by the end of the year (整改率 97%);
- each case is then started, answered, verified and closed on time, late, after being sent back once,
  or not at all (open, overdue and escalated); some closed ones are archived with feedback. Cases are
  assigned to departments, to the district agencies and to contractors (the demo "company" user's
  among them); the "director" user has some in their inbox.

Every step goes through `services.open_case`, `services.transition`, `services.escalate` and
`services.scan`, so the timelines, notifications and the change log are real. The services stamp
"now", so after each step the demo moves what it wrote to the simulated day: the new timeline events'
and notifications' times, and a case's responded_on/closed_on. The change log keeps the moment the demo
wrote it (its entries are hash-chained, so their times are not rewritten).

Departments and two contractors that have no demo user get a contact person
(no usable password) to act for them. Subjects are the demo projects, found through the app registry
(alerts imports no domain app); without the projects app the cases simply have no subject.
Deterministic (seeded); when the tour is already there, nothing is written.
"""

from __future__ import annotations

import datetime
import functools
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts import services, sources
from gongwu.alerts.models import (
    Case,
    CaseEvent,
    EscalationAction,
    EscalationStep,
    Kind,
    Level,
    Meeting,
    MeetingKind,
    Notification,
    Status,
)
from gongwu.core import services as core_services
from gongwu.core.calendar import add_working_days, is_working_day
from gongwu.core.models import Organization, OrganizationKind, Role, User

Day = datetime.date
Progress = Callable[[int, int, str], None]

YEAR = 2026
START = Day(2026, 1, 5)  # the first Monday the scheduled job ran (escalation)
RULES_FROM = Day(2026, 9, 7)  # the agency switched the alert rules on in September
AS_OF = Day(2026, 11, 20)  # as in the projects demo: the last day the demo records anything
SEED = 20260316
TOUR_TITLE = "市委第三巡察组巡察反馈问题整改"
ESCALATION = [(1, 0, EscalationAction.RAISE_LEVEL), (2, 10, EscalationAction.NOTIFY_SUPERIOR)]
ESCALATION += [(3, 30, EscalationAction.SUPERVISE)]
# Who acts for organizations without a demo user: (username, name, organization key in `orgs`, role).
CONTACTS = [
    ("qianqi", "孙科长", "前期处", Role.STAFF),
    ("zaojia", "钱造价师", "造价处", Role.STAFF),
    ("zhaobiao", "吴主任", "招标合同处", Role.STAFF),
    ("caiwu", "郑会计", "财务处", Role.STAFF),
    ("zonghe", "冯主任", "综合处", Role.STAFF),
    ("shigong2", "林经理", "contractor2", Role.COMPANY),
    ("shigong3", "马经理", "contractor3", Role.COMPANY),
]

# ---- what the cases say ---------------------------------------------------------------------------

# 交办事项 by who is responsible; {p} a project, {m} the deadline's month.
ACTION_ITEMS = {
    "工程管理处": [
        "督促施工单位增加劳动力投入，确保{p}主体结构{m}月底封顶",
        "{p}：{m}月底前完成竣工验收资料整理并组织竣工验收",
        "督促监理单位加强{p}高支模专项方案审查和旁站监理",
        "{p}：制定雨季施工专项方案，落实防汛应急措施",
        "组织{p}消防验收预验收，{m}月底前完成",
        "{p}：倒排工期，确保{m}月底前完成室外配套工程",
    ],
    "前期处": [
        "加快{p}施工图审查，{m}月底前取得审查合格书",
        "{p}：{m}月底前完成概算调整报批材料",
        "推进{p}工程规划许可证办理，{m}月底前取得",
        "{p}：完成可研报告修编并报送发改部门",
    ],
    "造价处": [
        "推进{p}变更签证审核，{m}月底前完成",
        "{p}：完成结算审核并报送审计部门",
        "核定{p}主要材料调差，{m}月底前出具意见",
    ],
    "招标合同处": [
        "{p}：{m}月底前完成监理招标",
        "完成{p}施工总承包合同会签",
        "{p}：启动幕墙及机电专业分包招标",
    ],
    "质量安全处": [
        "{p}：落实扬尘防治措施，整改围挡和车辆冲洗设施问题",
        "{p}：开展危大工程专项检查并闭环整改",
        "督促{p}落实深基坑监测，每日报送监测数据",
    ],
    "财务处": [
        "完成{p}进度款支付审核，确保{m}月底前支付到位",
        "{p}：落实农民工工资专户管理，{m}月底前完成核查",
        "编制{p}年度投资计划调整方案",
    ],
    "district": [
        "{p}：协调辖区街道完成临时用地交付",
        "配合完成{p}周边道路交通疏解",
        "{p}：落实征拆补偿资金，{m}月底前完成签约",
    ],
    "contractor": [
        "增加劳动力投入，确保{p}主体结构{m}月底封顶",
        "{p}：补充塔吊及施工人员，追回滞后工期",
        "{p}：完成安全隐患整改并提交整改回复",
        "{p}：{m}月底前完成样板间施工并组织验收",
        "{p}：按合同约定配齐项目管理人员，项目经理到岗履职",
    ],
}
COORDINATION_ISSUES = [
    "协调解决{road}管线迁改问题",
    "协调解决{p}用地移交问题",
    "协调{p}施工用水用电接驳问题",
    "协调解决{p}周边交通疏解方案审批问题",
    "协调解决{p}土方外运消纳问题",
    "协调{p}地铁保护区施工审批问题",
    "协调解决{p}征地拆迁遗留问题",
    "协调{p}林地占用审批问题",
    "协调解决{p}燃气管道迁改问题",
    "协调解决{p}施工噪声扰民问题",
]
# Who takes the next 交办事项 of a meeting, in turn.
ROTATION = ["工程管理处", "contractor", "前期处", "造价处", "工程管理处", "district", "招标合同处"]
ROTATION += ["contractor", "质量安全处", "财务处", "工程管理处", "contractor"]
ROADS = ["东湖路", "科裕路", "侨凯路", "明湖路", "光侨路", "华夏路", "观光路", "同观路"]
TOUR_FINDINGS = [
    ("综合处", "“三重一大”事项集体决策记录不完整，个别议题未附会议纪要"),
    ("综合处", "部分会议纪要印发不及时，交办事项未建立跟踪台账"),
    ("综合处", "公务用车使用登记不规范，派车单填写不完整"),
    ("综合处", "固定资产登记不及时，账实不符"),
    ("综合处", "档案管理不规范，部分项目建设档案移交滞后"),
    ("综合处", "党支部“三会一课”记录不规范"),
    ("纪检组", "廉政风险防控手册未及时更新"),
    ("纪检组", "对新中标企业的廉政教育覆盖不全"),
    ("纪检组", "重点项目廉政回访未形成闭环"),
    ("纪检组", "干部因私出国（境）证照管理不规范"),
    ("前期处", "部分项目前期手续办理滞后，未制定倒排计划"),
    ("前期处", "可研和概算编制深度不足，概算调整较多"),
    ("前期处", "前期咨询单位考核结果运用不充分"),
    ("前期处", "用地报批进度跟踪机制不健全"),
    ("工程管理处", "部分项目变更签证审批不及时，存在先实施后审批现象"),
    ("工程管理处", "个别项目未按合同约定考核项目经理到岗情况"),
    ("工程管理处", "对监理单位履职情况检查不到位"),
    ("工程管理处", "部分项目工期延误原因分析不深入，纠偏措施不力"),
    ("工程管理处", "代建项目管理职责划分不清晰"),
    ("工程管理处", "竣工项目移交使用单位不及时"),
    ("造价处", "结算审核周期偏长，部分项目超过规定时限"),
    ("造价处", "造价咨询单位考核标准不细化"),
    ("造价处", "材料价格调差依据不充分"),
    ("造价处", "变更估价审核资料不完整"),
    ("招标合同处", "个别项目招标文件设置不合理的资格条件"),
    ("招标合同处", "合同履约评价未按季度开展"),
    ("招标合同处", "合同台账更新不及时，与支付台账不一致"),
    ("招标合同处", "中介机构库动态管理不到位"),
    ("财务处", "工程款支付台账不完整，支付审核留痕不足"),
    ("财务处", "农民工工资专户监管不到位"),
    ("财务处", "预算执行进度偏慢，资金使用效率不高"),
    ("质量安全处", "安全生产检查发现问题整改复查不及时"),
    ("质量安全处", "危大工程专项方案论证管理不规范"),
]
RESPONSES: dict[str, list[str]] = {
    sources.MEETING: [
        "已按会议要求落实，相关材料已报送。",
        "已完成，详见附件说明及现场照片。",
        "已协调相关单位落实，后续纳入周调度跟踪。",
        "已召开专题会研究落实，事项已办结。",
    ],
    sources.TOUR: [
        "已制定整改方案并落实，相关制度已修订印发。",
        "已完成整改，建立长效机制，整改材料已归档。",
        "已逐项对照整改到位，并开展举一反三自查。",
    ],
    sources.RULE: [
        "已约谈相关单位，倒排计划，预计下月办结。",
        "已报请主管部门加快审批，正在跟进。",
    ],
}
SEND_BACK_REASONS = ["整改材料不完整，请补充佐证材料。", "回复未说明具体措施和完成时间，请补充。"]
FEEDBACK = ["整改情况已通报，材料已归档。", "事项已办结，经复核无遗留问题。", "已纳入年度考核，材料归档备查。"]


# ---- the simulated year ---------------------------------------------------------------------------


def workday(day: Day) -> Day:
    return day if is_working_day(day) else add_working_days(day, 1)


def moment(day: Day, minutes: int) -> datetime.datetime:
    base = datetime.datetime.combine(day, datetime.time(9, 0)) + datetime.timedelta(minutes=minutes)
    return timezone.make_aware(base)


@dataclass
class Plan:
    """One case and how its year goes: `fate` is on_time, late, sent_back, overdue or open."""

    case: Case
    opener: User
    doer: User | None
    fate: str
    archive: bool = False
    steps: list[tuple[Day, str]] = field(default_factory=list)


class Year:
    def __init__(self, orgs: dict[str, Any], actor: User, progress: Progress) -> None:
        self.orgs, self.actor, self.progress = orgs, actor, progress
        self.rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
        self.queue: list[tuple[Day, int, int, Callable[[], None]]] = []
        self.counter = itertools.count()
        self.real_today = timezone.localdate()
        self.agencies = [orgs["city"].pk, orgs["east"].pk, orgs["west"].pk]
        self.minutes: dict[Day, int] = {}
        self.event_mark = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        self.note_mark = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        self.case_mark = Case.objects.aggregate(m=Max("pk"))["m"] or 0
        self.users = {u.username: u for u in User.objects.filter(is_active=True)}
        self.contacts()
        project = apps.get_model("projects", "Project") if apps.is_installed("gongwu.projects") else None
        city_projects = project.objects.filter(agency=orgs["city"]).order_by("code") if project else []
        self.building = [p for p in city_projects if p.stage == "construction"]
        self.preparing = [p for p in city_projects if p.stage in ("reserve", "preparation")] or self.building
        self.district_projects = {
            key: list(project.objects.filter(agency=orgs[key]).order_by("code")) if project else []
            for key in ("east", "west")
        }

    # -- people --

    def contacts(self) -> None:
        contractors = list(Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).order_by("name"))
        company_id = self.users["company"].organization_id
        others = [c for c in contractors if c.pk != company_id]
        self.orgs = {**self.orgs, "contractor2": others[0], "contractor3": others[1]}
        for username, name, key, role in CONTACTS:
            user = self.users.get(username)
            if user is None:
                user = User(username=username, display_name=name, role=role, organization=self.orgs[key])
                user.set_unusable_password()
                user.save()
                self.users[username] = user
        self.doers = {
            "工程管理处": self.users["director"],
            "前期处": self.users["qianqi"],
            "造价处": self.users["zaojia"],
            "招标合同处": self.users["zhaobiao"],
            "质量安全处": self.users["inspector"],
            "财务处": self.users["caiwu"],
            "综合处": self.users["zonghe"],
            "纪检组": self.users["integrity"],
        }

    # -- the clock --

    def at(self, day: Day, step: Callable[[], None], order: int = 1) -> None:
        """Do `step` on `day` (order 0: the 06:00 scheduled job, before people act)."""
        if day <= AS_OF:
            heapq.heappush(self.queue, (day, order, next(self.counter), step))

    def run(self) -> None:
        day = START
        while day <= AS_OF:
            if day.day <= 7:
                self.at(day, functools.partial(self.job, day, scan=day >= RULES_FROM), order=0)
            day += datetime.timedelta(days=7)
        self.at(AS_OF, lambda: self.job(AS_OF, scan=True), order=0)
        done = 0
        while self.queue:
            day, _order, _n, step = heapq.heappop(self.queue)
            step()
            self.settle(day)
            done += 1
            if done % 50 == 0:
                self.progress(done, done + len(self.queue), "督办")
        self.progress(done, done, "督办")

    def settle(self, day: Day) -> None:
        """Move what the last step wrote to the simulated `day` (the services stamp "now")."""
        minutes = self.minutes.get(day, 0)
        self.minutes[day] = minutes + 3
        when = moment(day, minutes)
        if CaseEvent.objects.filter(pk__gt=self.event_mark).update(time=when):
            self.event_mark = CaseEvent.objects.aggregate(m=Max("pk"))["m"]
        if Notification.objects.filter(pk__gt=self.note_mark).update(created=when):
            self.note_mark = Notification.objects.aggregate(m=Max("pk"))["m"]
        mine = Case.objects.filter(agency_id__in=self.agencies)
        mine.filter(responded_on=self.real_today).update(responded_on=day)
        mine.filter(closed_on=self.real_today).update(closed_on=day)

    # -- the scheduled job and the rule cases --

    def job(self, day: Day, *, scan: bool) -> None:
        if scan:
            services.scan(today=day, agency_ids=self.agencies)
            self.settle(day)
            for case in Case.objects.filter(pk__gt=self.case_mark, agency=self.orgs["city"], source=sources.RULE):
                self.follow_rule_case(case)
            self.case_mark = Case.objects.aggregate(m=Max("pk"))["m"] or 0
        services.escalate(today=day, agency_ids=self.agencies)

    def follow_rule_case(self, case: Case) -> None:
        """The staff give a new rule case a deadline (整改时限) and someone responsible, who starts on it."""
        department = case.department.name if case.department else "前期处"
        doer = case.responsible_person or self.doers.get(department, self.doers["前期处"])
        assign_on = add_working_days(case.opened_on, self.rng.randint(1, 2))
        deadline = add_working_days(case.opened_on, self.rng.choice([20, 30, 40, 60]))
        staff = self.users["staff"]
        reason = "明确整改时限和责任人"  # the rule's deadline moves: an owner's step with its reason
        self.at(
            assign_on,
            lambda: self.act(case, "assign", staff, responsible_person=doer, deadline=deadline, text=reason),
        )
        if self.rng.random() < 0.7:
            start_on = add_working_days(assign_on, self.rng.randint(1, 4))
            self.at(start_on, lambda: self.act(case, "start", doer))
            if self.rng.random() < 0.25:
                text = self.rng.choice(RESPONSES[sources.RULE])
                answer_on = add_working_days(start_on, self.rng.randint(5, 20))
                self.at(answer_on, lambda: self.act(case, "respond", doer, text=text))

    def act(self, case: Case, name: str, user: User, **kwargs: Any) -> None:
        fresh = Case.objects.get(pk=case.pk)
        if name == "start" and fresh.status != Status.ASSIGNED:
            return
        if fresh.status in (Status.CLOSED, Status.ARCHIVED) and name != "archive":
            return  # the scan cleared it meanwhile
        if name == "assign" and not services.may_reschedule(user, fresh):
            user = self.users["leader"]  # a 督办's terms are the leadership's to set
        services.transition(fresh, name, user, **kwargs)

    # -- meetings and their cases --

    def meeting(self, kind: str, title: str, day: Day, chair: str, participants: str, minutes: str) -> Meeting:
        meeting = Meeting(
            agency=self.orgs["city"],
            kind=kind,
            title=title,
            date=day,
            chair=chair,
            participants=participants,
            minutes=minutes,
        )
        return core_services.create_object(instance=meeting, actor=self.users["staff"])

    def plan(self, plan: Plan) -> None:
        """Schedule the case's opening and the steps of its fate."""
        rng, case = self.rng, plan.case
        opened, deadline = case.opened_on, case.deadline
        self.at(opened, lambda: self.open(plan))
        if plan.doer is None or deadline is None:  # (every planned case has its deadline)
            return
        start = add_working_days(opened, rng.randint(1, 3))
        plan.steps.append((start, "start"))
        if plan.fate in ("on_time", "sent_back"):
            span = max(1, (deadline - start).days - 3)
            answer = workday(start + datetime.timedelta(days=rng.randint(1, span)))
        elif plan.fate == "late":
            answer = workday(deadline + datetime.timedelta(days=rng.randint(6, 40)))
        elif plan.fate == "overdue" and rng.random() < 0.3:
            plan.steps.append((workday(deadline + datetime.timedelta(days=rng.randint(3, 20))), "respond"))
            answer = None
        else:
            answer = None
        if answer is not None:
            plan.steps.append((answer, "respond"))
            if plan.fate == "sent_back":
                back = add_working_days(answer, rng.randint(1, 2))
                answer = add_working_days(back, rng.randint(2, 5))
                plan.steps += [(back, "send_back"), (answer, "respond")]
            closed = add_working_days(answer, rng.randint(1, 2))
            if plan.fate != "late" and closed > deadline:
                closed = answer
            plan.steps.append((closed, "close"))
            if plan.archive:
                plan.steps.append((add_working_days(closed, rng.randint(5, 20)), "archive"))
        source = case.source
        for day, name in plan.steps:
            user = plan.doer if name in ("start", "respond") else plan.opener
            text = {
                "respond": rng.choice(RESPONSES[source]),
                "send_back": rng.choice(SEND_BACK_REASONS),
                "close": "经核查，已落实到位。",
                "archive": rng.choice(FEEDBACK),
            }.get(name, "")
            self.at(day, functools.partial(self.act, case, name, user, text=text))

    def open(self, plan: Plan) -> None:
        services.open_case(plan.case, plan.opener, notify_people=False)
        services.notify_responsible(plan.case, _("New case for you: %(case)s") % {"case": plan.case})

    def new_case(self, *, meeting: Meeting, source: str, kind: str, title: str, level: str, **fields: Any) -> Case:
        return Case(
            agency=self.orgs["city"],
            meeting=meeting,
            source=source,
            kind=kind,
            title=title[:200],
            level=level,
            opened_on=meeting.date,
            **fields,
        )

    def fate(self, deadline: Day) -> str:
        if deadline >= AS_OF:
            return "on_time" if self.rng.random() < 0.5 else "open"
        return self.rng.choices(["on_time", "late", "sent_back", "overdue"], weights=[60, 20, 8, 12])[0]

    def project_words(self, projects: list[Any]) -> tuple[Any, str]:
        if not projects:
            return None, "重点项目"
        project = self.rng.choice(projects)
        return project, project.name.removeprefix("示范市")

    def action_item(self, meeting: Meeting, who: str) -> None:
        """One 交办事项: `who` is a department name, "district" or "contractor"."""
        rng = self.rng
        deadline = workday(add_working_days(meeting.date, rng.choice([10, 15, 20, 30, 40])))
        fields: dict[str, Any] = {"department": self.orgs["工程管理处"]}
        doer: User | None
        if who == "district":
            key = rng.choice(["east", "west"])
            projects = self.district_projects[key] or self.building
            fields["responsible_org"] = self.orgs[key]
            doer = None  # a district agency's staff cannot see the city's cases, so none acts on them
        elif who == "contractor":
            company = rng.choice(["company", "company", "shigong2", "shigong3"])
            projects, doer = self.building, self.users[company]
            fields["responsible_org"] = doer.organization
        else:
            projects = self.preparing if who == "前期处" else self.building
            doer = self.doers[who]
            fields |= {"responsible_org": self.orgs[who], "responsible_person": doer}
            fields["department"] = self.orgs[who]
        project, words = self.project_words(projects)
        title = rng.choice(ACTION_ITEMS[who]).format(p=words, m=deadline.month)
        level = Level.ORANGE if meeting.kind == MeetingKind.TASK_FORCE and rng.random() < 0.3 else Level.YELLOW
        case = self.new_case(
            meeting=meeting,
            source=sources.MEETING,
            kind=Kind.ACTION_ITEM,
            title=title,
            level=level,
            deadline=deadline,
            measures="按会议纪要要求落实，按期反馈办理情况。",
            **fields,
        )
        if project is not None:
            case.set_subject(project)
        fate = self.fate(deadline) if doer is not None else "open"
        self.plan(Plan(case, self.users["staff"], doer, fate, archive=rng.random() < 0.35))

    def coordination_issue(self, meeting: Meeting, index: int) -> None:
        rng = self.rng
        deadline = workday(add_working_days(meeting.date, rng.choice([15, 20, 30])))
        project, words = self.project_words(self.preparing if index % 2 else self.building)
        template = COORDINATION_ISSUES[0] if index == 0 else rng.choice(COORDINATION_ISSUES)
        title = template.format(p=words, road=ROADS[index % len(ROADS)])
        who = rng.choice(["前期处", "工程管理处", "工程管理处", "district"])
        if who == "district":
            key = rng.choice(["east", "west"])
            fields: dict[str, Any] = {"responsible_org": self.orgs[key], "department": self.orgs["前期处"]}
            doer = None
        else:
            doer = self.doers[who]
            fields = {"responsible_org": self.orgs[who], "responsible_person": doer, "department": self.orgs[who]}
        case = self.new_case(
            meeting=meeting,
            source=sources.MEETING,
            kind=Kind.ATTENTION,
            title=title,
            level=rng.choice([Level.BLUE, Level.YELLOW, Level.YELLOW]),
            deadline=deadline,
            description="会议协调事项，由责任单位牵头协调相关部门办理。",
            **fields,
        )
        if project is not None:
            case.set_subject(project)
        fate = self.fate(deadline) if doer is not None else "open"
        self.plan(Plan(case, self.users["staff"], doer, fate, archive=rng.random() < 0.3))

    def meetings(self) -> None:
        """The year's meetings and the cases they assign (47 交办事项, 21 协调问题)."""
        departments = ["工程管理处", "前期处", "造价处", "招标合同处", "质量安全处", "财务处"]
        who = itertools.cycle(ROTATION)
        regular = [2, 3, 2, 2, 3, 2, 2, 3, 2, 2, 2]  # 25
        task_force = [(Day(2026, 2, 26), 4), (Day(2026, 4, 16), 4), (Day(2026, 6, 11), 3)]
        task_force += [(Day(2026, 8, 13), 4), (Day(2026, 9, 24), 4), (Day(2026, 11, 5), 3)]  # 22
        coordination = [(Day(2026, 3, 26), 3), (Day(2026, 5, 21), 2), (Day(2026, 7, 9), 2), (Day(2026, 10, 22), 2)]
        issue = itertools.count()
        for month, items in enumerate(regular, start=1):
            day = workday(Day(YEAR, month, 10))
            meeting = self.meeting(
                MeetingKind.REGULAR,
                f"{YEAR}年{month}月工程建设调度例会",
                day,
                "王署长",
                "署领导、" + "、".join(departments) + "负责人",
                f"通报{month}月重点项目进度、投资完成和安全生产情况，研究部署下阶段工作，形成交办事项{items}项。",
            )
            for _n in range(items):
                self.action_item(meeting, next(who))
        for number, (day, items) in enumerate(task_force, start=1):
            meeting = self.meeting(
                MeetingKind.TASK_FORCE,
                f"科学城重大项目建设专责小组{YEAR}年第{number}次会议",
                day,
                "王署长",
                "专责小组成员单位、东城区建筑工务署、西城区建设事务中心、各参建单位",
                f"协调解决项目建设问题2个，形成交办事项{items}项。",
            )
            for _n in range(items):
                self.action_item(meeting, next(who))
            for _n in range(2):
                self.coordination_issue(meeting, next(issue))
        for day, issues in coordination:
            meeting = self.meeting(
                MeetingKind.COORDINATION,
                f"{day.month}月重点项目建设协调会",
                day,
                "分管副署长",
                "前期处、工程管理处、东城区建筑工务署、西城区建设事务中心、管线产权单位",
                f"研究项目建设中的征拆、管线迁改和用地问题，协调问题{issues}个。",
            )
            for _n in range(issues):
                self.coordination_issue(meeting, next(issue))

    def tour(self) -> None:
        """One 巡察 tour: 33 findings, 32 rectified (two of them late, one after being sent back), one open."""
        day, deadline = Day(2026, 3, 16), Day(2026, 6, 15)
        meeting = self.meeting(
            MeetingKind.TOUR,
            TOUR_TITLE,
            day,
            "市委第三巡察组",
            "署领导班子、各处室主要负责人",
            "巡察组反馈问题33个，要求集中整改期3个月，逐项建立整改台账，明确责任单位、责任人和整改时限。",
        )
        fates = ["on_time"] * 29 + ["late", "late", "sent_back", "overdue"]
        self.rng.shuffle(fates)
        for (department, title), fate in zip(TOUR_FINDINGS, fates, strict=True):
            doer = self.doers[department]
            case = Case(
                agency=self.orgs["city"],
                meeting=meeting,
                source=sources.TOUR,
                kind=Kind.RECTIFICATION,
                level=Level.YELLOW,
                title=title,
                opened_on=day,
                deadline=deadline,
                department=self.orgs["综合处"],
                responsible_org=self.orgs[department],
                responsible_person=doer,
                measures="对照问题清单逐项整改，健全制度，举一反三。",
            )
            self.plan(Plan(case, self.users["leader"], doer, fate, archive=self.rng.random() < 0.6))

    def escalation_steps(self) -> None:
        for order, days, action in ESCALATION:
            step = EscalationStep(agency=self.orgs["city"], order=order, days_overdue=days, action=action)
            core_services.create_object(instance=step, actor=self.users["leader"])


def settle_notifications() -> None:
    """After the commit: the scan's own word to the responsible (sent on commit) dated by its case; what
    is more than ten days older than AS_OF counts as read."""
    today = timezone.localdate()
    for note in Notification.objects.filter(created__date__gte=today - datetime.timedelta(days=1), case__isnull=False):
        if note.case.opened_on < today:
            Notification.objects.filter(pk=note.pk).update(created=moment(note.case.opened_on, 0))
    cutoff = moment(AS_OF - datetime.timedelta(days=10), 0)
    Notification.objects.filter(created__lt=cutoff, read_at__isnull=True).update(read_at=cutoff)


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    """Load the demo year of cases and meetings. Writes nothing when the tour is already there."""
    if Meeting.objects.filter(agency=orgs["city"], kind=MeetingKind.TOUR, title=TOUR_TITLE).exists():
        progress(1, 1, "督办")
        return
    with transaction.atomic():
        year = Year(orgs, actor, progress)
        year.escalation_steps()
        year.meetings()
        year.tour()
        year.run()
        transaction.on_commit(settle_notifications)
