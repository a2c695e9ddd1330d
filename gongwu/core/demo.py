"""The demo agency: a regulator, a city agency with two district agencies, their departments, companies
of every kind with valid credit codes, and a user for every role. Deterministic; safe to run twice."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from typing import TextIO

from django.db import transaction

from gongwu.core import services
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.validators import CREDIT_CODE_CHARSET, credit_code_check_character

DEMO_PASSWORD = "gongwu-demo-2026"  # noqa: S105 — only ever set by the demo command, which refuses outside demo mode
CITY = "示范市"
DIVISION = "440300"
DEPARTMENTS = ["综合处", "前期处", "工程管理处", "造价处", "招标合同处", "质量安全处", "财务处", "纪检组"]
DISTRICT_DEPARTMENTS = ["前期科", "工程科", "质量安全科", "财务科"]
COMPANY_WORDS = {
    OrganizationKind.CONTRACTOR: (
        ["建工", "城建", "路桥", "市政", "中建", "华建", "鹏程", "安居"],
        "建设工程有限公司",
    ),
    OrganizationKind.SUPERVISOR: (
        ["诚信", "正方", "建科", "中咨", "华诚", "远大", "卓越", "恒信"],
        "工程监理有限公司",
    ),
    OrganizationKind.DESIGNER: (
        ["城市规划", "建筑", "市政", "华南", "天华", "筑博", "同济", "都市"],
        "设计研究院有限公司",
    ),
    OrganizationKind.SURVEYOR: (
        ["勘察", "地质", "岩土", "测绘", "水文", "地基", "工勘", "海洋"],
        "勘察测绘有限公司",
    ),
    OrganizationKind.CONSULTANT: (
        ["造价", "全过程", "工程咨询", "投资", "项目管理", "审计", "评估", "招标"],
        "咨询有限公司",
    ),
    OrganizationKind.AGENT: (
        ["代建", "建设管理", "项目管理", "工程管理", "城投", "基建", "开发", "置业"],
        "管理有限公司",
    ),
    OrganizationKind.SUPPLIER: (
        ["建材", "钢构", "电梯", "机电", "幕墙", "防水", "门窗", "照明"],
        "科技有限公司",
    ),
    OrganizationKind.USER_UNIT: (
        ["第一", "第二", "第三", "实验", "外国语", "科学城", "光明", "东湖"],
        "学校",
    ),
}
PREFIXES = ["深", "广", "粤", "华", "中", "南", "东", "新", "鹏", "安"]
COMPANIES_PER_KIND = 40
USERS = [
    ("admin", "系统管理员", Role.ADMIN, "city", True),
    ("leader", "王署长", Role.LEADER, "city", False),
    ("staff", "李工程师", Role.STAFF, "工程管理处", False),
    ("director", "张项目主任", Role.DIRECTOR, "工程管理处", False),
    ("inspector", "陈巡查员", Role.INSPECTOR, "质量安全处", False),
    ("integrity", "赵纪检员", Role.INTEGRITY, "纪检组", False),
    ("regulator", "周监管员", Role.REGULATOR, "regulator", False),
    ("district", "刘科长", Role.STAFF, "east", False),
    ("company", "黄经理", Role.COMPANY, "contractor", False),
]


# The apps' demo modules, run by `gongwu demo` after the core demo (their contract: the command's docstring)
# in the order registered: their apps' ready(), in INSTALLED_APPS order, so a demo follows those it uses.
DEMOS: list[str] = []


def register_demo(module: str) -> None:
    """Called from an app's `ready()` with the dotted path of its demo module (imported only by `gongwu demo`).
    Registering it again changes nothing (ready() may run twice in tests)."""
    if module not in DEMOS:
        DEMOS.append(module)


def credit_code(rng: random.Random, kind_char: str = "1") -> str:
    body = "9" + kind_char + DIVISION + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_character(body)


def progress_bar(done: int, total: int, label: str, stream: TextIO = sys.stdout) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    stream.write(f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        stream.write("\n")
    stream.flush()


class DemoBuilder:
    actor: User  # the administrator `build` finds or makes first; every demo record is written by them

    def __init__(self, progress: Callable[[int, int, str], None] = progress_bar) -> None:
        self.rng = random.Random(20261122)
        self.progress = progress

    def org(self, **fields: object) -> Organization:
        lookup = {"name": fields["name"], "parent": fields.get("parent")}
        existing = Organization.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        return services.create_object(instance=Organization(**fields), actor=self.actor)

    @transaction.atomic
    def build(self) -> dict[str, Organization]:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User(username="admin", display_name="系统管理员", role=Role.ADMIN, is_staff=True, is_superuser=True)
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self.actor = admin
        orgs: dict[str, Organization] = {}
        orgs["regulator"] = self.org(
            name=f"{CITY}住房和建设局", short_name="市住建局", kind=OrganizationKind.REGULATOR, region=CITY
        )
        orgs["city"] = self.org(
            name=f"{CITY}建筑工务署",
            short_name="市工务署",
            kind=OrganizationKind.AGENCY,
            parent=orgs["regulator"],
            region=CITY,
        )
        orgs["east"] = self.org(
            name=f"{CITY}东城区建筑工务署",
            short_name="东城工务署",
            kind=OrganizationKind.AGENCY,
            parent=orgs["city"],
            region="东城区",
        )
        orgs["west"] = self.org(
            name=f"{CITY}西城区建设事务中心",
            short_name="西城中心",
            kind=OrganizationKind.AGENCY,
            parent=orgs["city"],
            region="西城区",
        )
        steps = [(orgs["city"], d) for d in DEPARTMENTS] + [
            (orgs[a], d) for a in ("east", "west") for d in DISTRICT_DEPARTMENTS
        ]
        for i, (agency, name) in enumerate(steps, start=1):
            orgs[name if agency == orgs["city"] else f"{agency.short_name}{name}"] = self.org(
                name=name, kind=OrganizationKind.DEPARTMENT, parent=agency
            )
            self.progress(i, len(steps), "部门")
        kinds = list(COMPANY_WORDS)
        total = len(kinds) * COMPANIES_PER_KIND
        done = 0
        for kind in kinds:
            words, suffix = COMPANY_WORDS[kind]
            for n in range(COMPANIES_PER_KIND):
                prefix = PREFIXES[n % len(PREFIXES)]
                word = words[(n // len(PREFIXES)) % len(words)]
                if kind == OrganizationKind.USER_UNIT:
                    name = f"{CITY}{word}{['小学', '中学', '高级中学', '人民医院', '文化中心'][n % 5]}{n // 5 + 1 if n >= 5 else ''}"
                else:
                    name = f"{prefix}{word}{suffix}" if n < len(PREFIXES) * len(words) else f"{prefix}{word}{n}{suffix}"
                    name = f"{CITY}{name}" if n >= 10 else name
                org = self.org(
                    name=name,
                    kind=kind,
                    credit_code=credit_code(self.rng, "1" if kind != OrganizationKind.USER_UNIT else "2"),
                    region=self.rng.choice(["东城区", "西城区", "南山区", "北岸区"]),
                    contact_person=self.rng.choice("王李张刘陈杨黄赵周吴") + self.rng.choice(["工", "经理", "总"]),
                    contact_phone=f"13{self.rng.randint(100000000, 999999999)}",
                )
                orgs.setdefault(kind, org)
                done += 1
                self.progress(done, total, "参建单位")
        for i, (username, name, role, org_key, superuser) in enumerate(USERS, start=1):
            user = User.objects.filter(username=username).first() or User(username=username)
            new = user.pk is None
            user.display_name, user.role = name, role
            user.organization = orgs[org_key if org_key in orgs else OrganizationKind.CONTRACTOR]
            user.is_staff = user.is_superuser = superuser
            if new or not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
            user.save()
            self.progress(i, len(USERS), "用户")
        return orgs
