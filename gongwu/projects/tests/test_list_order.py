"""The list page selects a page's ids first and joins afterwards: the same rows in the same order as a plain
queryset, sorted, filtered and paginated, with the joins read once per page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from gongwu.core import testing
from gongwu.core.generic.tables import page_rows, stable_order
from gongwu.core.models import Organization, OrganizationKind, Role
from gongwu.projects.models import Category, Project, Stage


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="鼓楼区建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def portfolio(agency):
    other = testing.AgencyFactory(name="台江区建筑工务署")
    department = Organization.objects.create(name="工程一部", kind=OrganizationKind.DEPARTMENT, parent=agency)
    directors = [
        testing.UserFactory(organization=agency, role=Role.DIRECTOR, display_name=name)
        for name in ("王工", "李工", "陈工")
    ]
    categories = [Category.SCHOOL, Category.ROAD, Category.HOSPITAL]
    stages = [Stage.PREPARATION, Stage.CONSTRUCTION]
    Project.objects.bulk_create(
        [
            Project(
                agency=agency if n % 7 else other,
                code=f"GL-{n:03d}",
                name=f"{'大道' if n % 3 == 0 else '学校'}项目{(n * 37) % 60:02d}",
                category=categories[n % 3],
                stage=stages[n % 2],
                director=directors[n % 3] if n % 4 else None,
                department=department if n % 5 else None,
                approved_investment=Decimal(1_000_000 * (n % 9)),  # many ties: the order falls back to the id
            )
            for n in range(60)
        ]
    )


def listed_codes(client, query: str) -> list[str]:
    response = client.get("/projects/list/?" + query)
    assert response.status_code == 200
    return re.findall(r">(GL-\d{3})<", response.content.decode())


@pytest.mark.parametrize(
    ("query", "ordering", "where"),
    [
        ("", [], {}),
        ("sort=-approved_investment", ["-approved_investment"], {}),
        ("sort=approved_investment&page=2", ["approved_investment"], {}),
        ("sort=director&page=2", ["director"], {}),
        ("sort=-director", ["-director"], {}),
        ("sort=name&q=大道", ["name"], {"name__contains": "大道"}),
        ("sort=-stage&stage=construction&category=road", ["-stage"], {"stage": "construction", "category": "road"}),
        ("sort=code&per_page=50&page=1", ["code"], {}),
    ],
)
def test_a_list_page_shows_the_rows_of_a_plain_queryset_in_its_order(staff, portfolio, query, ordering, where):
    page, per_page = 1, 25
    for part in query.split("&"):
        if part.startswith("page="):
            page = int(part[5:])
        if part.startswith("per_page="):
            per_page = int(part[9:])
    plain = Project.objects.for_user(staff).filter(**where)
    plain = stable_order(plain.order_by(*ordering) if ordering else plain)  # else the model's own order
    expected = [p.code for p in plain[(page - 1) * per_page : page * per_page]]
    assert expected, "the case must show rows"
    assert listed_codes(testing.english_client(staff), query) == expected


def test_a_page_reads_its_ids_then_its_rows_with_their_joins(staff, portfolio, django_assert_num_queries):
    queryset = Project.objects.for_user(staff).select_related("director", "department").order_by("name", "pk")
    expected = list(queryset[5:15])
    with django_assert_num_queries(2) as captured:
        rows = page_rows(queryset[5:15])
        names = [(row.director and row.director.display_name, row.department and row.department.name) for row in rows]
    assert [row.pk for row in rows] == [row.pk for row in expected]
    assert names == [(r.director and r.director.display_name, r.department and r.department.name) for r in expected]
    ids_query, rows_query = (q["sql"] for q in captured.captured_queries)
    assert "JOIN" not in ids_query and "LIMIT" in ids_query  # the sort and the limit without the joins
    assert "JOIN" in rows_query and "LIMIT" not in rows_query


def test_a_page_past_the_end_shows_the_last_page(staff, portfolio):
    codes = listed_codes(testing.english_client(staff), "sort=code&page=99")
    plain = list(Project.objects.for_user(staff).order_by("code").values_list("code", flat=True))
    assert codes == plain[25 * ((len(plain) - 1) // 25) :]
