"""The standard contract text: 人民币大写, a contract rendered to Word with its fields filled, user templates
uploaded, checked and rendered in a sandbox (a hostile or broken template is refused with a message)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from gongwu.contracts import documents
from gongwu.contracts.models import ContractTemplate
from gongwu.contracts.testing import ContractFactory
from gongwu.core.models import ChangeLogEntry
from gongwu.core.testing import CompanyFactory, api_client, english_client
from gongwu.projects.models import Section
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders.models import SubjectKind

# ---- 人民币大写 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "capital"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.5", "伍角"),
        ("0.55", "伍角伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("10.05", "壹拾元零伍分"),
        ("101", "壹佰零壹元整"),
        ("100000", "壹拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("20001.10", "贰万零壹元壹角"),
        ("110000000", "壹亿壹仟万元整"),
        ("123456789", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整"),
        ("100000001", "壹亿零壹元整"),
        ("1000000010.5", "壹拾亿零壹拾元伍角"),
        ("1000100000", "壹拾亿零壹拾万元整"),
        ("1000000000000", "壹万亿元整"),
        ("86000000.00", "捌仟陆佰万元整"),
        ("0.004", "零元整"),
        ("0.005", "壹分"),
        ("-3", "负叁元整"),
    ],
)
def test_rmb_capital_writes_amounts_as_contracts_do(amount: str, capital: str) -> None:
    assert documents.rmb_capital(Decimal(amount)) == capital


@pytest.mark.parametrize("bad", ["abc", "1e20"])
def test_rmb_capital_refuses_what_is_not_an_amount_it_can_write(bad: str) -> None:
    with pytest.raises(ValueError):
        documents.rmb_capital(bad)


# ---- rendering ----------------------------------------------------------------------------------------


def text_of(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def docx_with(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


@pytest.fixture
def contract(agency: Any, contractor: Any) -> Any:
    project = ProjectFactory(agency=agency, name="鼓楼实验小学新建工程", code="GL-2026-007")
    contract = ContractFactory(
        agency=agency,
        project=project,
        contractor=contractor,
        number="GL-2026-SG-0001",
        name="鼓楼实验小学施工总承包合同",
        amount=Decimal("123456789.00"),
        provisional_sum=Decimal("1000000"),
        advance_percent=Decimal("10.00"),
        retention_percent=Decimal("3.00"),
        payment_terms="按月计量，支付已完工程款的80%",
        third_party=CompanyFactory(name="闽建造价咨询 & 管理有限公司"),
    )
    contract.sections.set([Section.objects.create(project=project, name="一标段")])
    return contract


@pytest.mark.django_db
def test_the_built_in_template_is_filled_with_the_contracts_fields(contract: Any) -> None:
    text = text_of(documents.render_contract(contract))
    for expected in (
        "鼓楼实验小学施工总承包合同",
        "合同编号：GL-2026-SG-0001",
        "发包人（甲方）：鼓楼区建设工务署",
        "承包人（乙方）：闽江建设工程有限公司（统一社会信用代码：",
        "丙方：闽建造价咨询 & 管理有限公司",  # escaped in the XML, shown as typed
        "工程名称：鼓楼实验小学新建工程（项目编号：GL-2026-007）",
        "标段：一标段",
        "人民币 123,456,789.00 元（12,345.6789 万元）",
        "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整",
        "人民币 1,000,000.00 元（大写：壹佰万元整）",
        "预付款为签约合同价的 10%；质量保证金为 3%。",
        "按月计量，支付已完工程款的80%",
        "签订日期：2026年3月2日",
        "计划竣工日期：2027年12月31日",
        "工期总日历天数：662 天",
    ):
        assert expected in text
    assert "{{" not in text


def test_every_field_of_the_context_is_named_and_documented() -> None:
    assert {name for name, _label in documents.FIELDS} <= set(documents.CONTEXT_NAMES)


@pytest.mark.django_db
def test_the_contract_page_downloads_its_word_document_from_its_standard_text(
    contract: Any, people: dict[str, Any]
) -> None:
    contract.text_template = ContractTemplate.objects.create(
        agency=contract.agency,
        kind=SubjectKind.WORKS,
        name="施工合同示范文本",
        file=SimpleUploadedFile("t.docx", docx_with("本合同 {{ number }} 金额 {{ amount_capital }}")),
    )
    contract.save()
    client = english_client(people["staff"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert f'href="/contracts/contracts/{contract.pk}/word/"' in page
    response = client.get(f"/contracts/contracts/{contract.pk}/word/")
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_MIME
    assert "GL-2026-SG-0001.docx" in response["Content-Disposition"]
    assert "本合同 GL-2026-SG-0001 金额 壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整" in text_of(response.content)
    api = api_client(people["staff"]).get(f"/api/contracts/{contract.pk}/word/")
    assert api.status_code == 200 and text_of(api.content) == text_of(response.content)


# ---- templates written by users --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ number.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
@pytest.mark.django_db
def test_a_hostile_template_is_refused_and_reaches_nothing(contract: Any, hostile: str) -> None:
    with pytest.raises(documents.TemplateProblem) as refused:
        documents.render(io.BytesIO(docx_with("合同 {{ number }}", hostile)), documents.contract_context(contract))
    assert "uid=" not in str(refused.value) and "class" not in str(refused.value).lower()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (docx_with("{{ number "), "not well formed"),
        (docx_with("{{ contract_no }}"), "a field that does not exist"),
        (b"PK\x03\x04 not a zip", "not a Word document"),
        (b"%PDF-1.7", "not a Word document"),
    ],
)
@pytest.mark.django_db
def test_a_broken_template_gives_a_clear_message(contract: Any, content: bytes, message: str) -> None:
    with pytest.raises(documents.TemplateProblem) as refused:
        documents.render(io.BytesIO(content), documents.contract_context(contract))
    assert message in str(refused.value)


@pytest.mark.django_db
def test_a_broken_standard_text_on_a_contract_shows_a_message_not_an_error_page(
    contract: Any, people: dict[str, Any]
) -> None:
    contract.text_template = ContractTemplate.objects.create(
        agency=contract.agency,
        kind=SubjectKind.WORKS,
        name="坏模板",
        file=SimpleUploadedFile("bad.docx", docx_with("{{ ''.__class__.__mro__ }}")),
    )
    contract.save()
    response = english_client(people["staff"]).get(f"/contracts/contracts/{contract.pk}/word/", follow=True)
    assert response.status_code == 200
    assert "tries to reach something other than the contract&#x27;s fields" in response.content.decode()
    api = api_client(people["staff"]).get(f"/api/contracts/{contract.pk}/word/")
    assert api.status_code == 422


@pytest.mark.django_db
def test_uploading_a_standard_text_checks_its_fields(agency: Any, people: dict[str, Any]) -> None:
    client = english_client(people["staff"])
    base = {"kind": SubjectKind.WORKS, "version": "1", "is_active": "on"}
    bad = client.post(
        "/contracts/templates/add/",
        {**base, "name": "错字模板", "file": SimpleUploadedFile("t.docx", docx_with("{{ contract_no }}"))},
    )
    assert bad.status_code == 422 and "fields that do not exist: contract_no" in bad.content.decode()
    hostile = client.post(
        "/contracts/templates/add/",
        {**base, "name": "恶意模板", "file": SimpleUploadedFile("t.docx", docx_with("{{ ''.__class__ }}"))},
    )
    assert hostile.status_code == 422
    not_word = client.post(
        "/contracts/templates/add/", {**base, "name": "PDF", "file": SimpleUploadedFile("t.pdf", b"%PDF-1.7")}
    )
    assert not_word.status_code == 422 and "Choose a Word document (.docx)." in not_word.content.decode()
    assert not ContractTemplate.objects.exists()
    good = client.post(
        "/contracts/templates/add/",
        {**base, "name": "施工合同示范文本", "file": SimpleUploadedFile("t.docx", documents.default_template())},
    )
    assert good.status_code == 302
    template = ContractTemplate.objects.get()
    assert template.agency == agency and template.file.name.endswith(".docx")
    page = client.get(template.get_absolute_url()).content.decode()
    assert "<code>{{ amount_capital }}</code>" in page
    assert ChangeLogEntry.objects.filter(object_id=str(template.pk), action="create").exists()

    api = api_client(people["staff"]).post(
        "/api/contract-templates/",
        {
            **base,
            "name": "监理合同示范文本",
            "kind": SubjectKind.SUPERVISION,
            "file": SimpleUploadedFile("j.docx", docx_with("{{ name }}")),
        },
    )
    assert api.status_code == 201, api.content
    assert api.json()["name"] == "监理合同示范文本"
    refused = api_client(people["staff"]).post(
        "/api/contract-templates/",
        {**base, "name": "x", "file": SimpleUploadedFile("j.docx", docx_with("{{ x.__class__ }}"))},
    )
    assert refused.status_code == 422
