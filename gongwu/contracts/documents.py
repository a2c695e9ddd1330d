"""The standard contract text (标准合同文本) as a Word document: a template (.docx with {{ placeholders }}) filled
with a contract's fields by docxtpl.

Templates are written by users, so they are rendered in a sandboxed Jinja environment with autoescaping: a
template reaches the fields given here and nothing of Python's internals, and a value never breaks the
document's XML. A template that does not render gives `TemplateProblem` with a message for the user.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from gongwu.core.money import WAN

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# ---- 人民币大写 -----------------------------------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万")  # 万亿 is the fourth group: its 亿 comes with the third
FEN = Decimal("0.01")


def rmb_capital(amount: Decimal | int | str) -> str:
    """An amount in 元 as written on contracts and cheques (人民币大写): 123456789 → 壹亿贰仟叁佰肆拾伍万陆仟柒佰
    捌拾玖元整, 0.05 → 伍分, 1000000010.5 → 壹拾亿零壹拾元伍角. Rounded to the 分; a negative amount starts with 负."""
    try:
        value = Decimal(str(amount)).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if value.copy_abs() >= Decimal(10) ** 16:
        raise ValueError(f"too large for 大写: {amount!r}")
    sign = "负" if value < 0 else ""
    fen_total = int(value.copy_abs() * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    text = _integer_capital(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan and fen:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    elif not jiao:
        text += "整"
    return sign + text


def _integer_capital(number: int) -> str:
    digits = str(number)
    out: list[str] = []
    zero = False
    group_has_digit = False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        group, place = divmod(position, 4)
        digit = int(char)
        if digit:
            if zero:
                out.append("零")
            out.append(DIGITS[digit] + PLACES[place])
            zero = False
            group_has_digit = True
        else:
            zero = True
        if place == 0:
            if group_has_digit:
                out.append(GROUPS[group])
            elif group == 2 and number >= 10**12:
                out.append("亿")  # 壹万亿: the 亿 of an empty third group
            group_has_digit = False
    return "".join(out)


# ---- what a template may use --------------------------------------------------------------------


def _day(value: datetime.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def contract_context(contract: Any) -> dict[str, Any]:
    """The fields a contract template may use (see `FIELDS`), all strings (empty when not set)."""
    amount = contract.amount or Decimal(0)
    sections = list(contract.sections.all()) if contract.pk else []
    consortium = list(contract.consortium.all()) if contract.pk else []
    third = contract.third_party if contract.third_party_id else None
    agency = contract.agency
    return {
        "number": contract.number or "",
        "name": contract.name or "",
        "kind": str(contract.get_kind_display()) if contract.kind else "",
        "agency": agency.name if agency else "",
        "agency_address": getattr(agency, "address", "") or "",
        "contractor": contract.contractor.name if contract.contractor_id else "",
        "contractor_credit_code": contract.contractor.credit_code if contract.contractor_id else "",
        "contractor_address": (contract.contractor.address or "") if contract.contractor_id else "",
        "third_party": third.name if third else "",
        "consortium": "、".join(org.name for org in consortium),
        "project": contract.project.name if contract.project_id else "",
        "project_code": contract.project.code if contract.project_id else "",
        "project_address": (getattr(contract.project, "address", "") or "") if contract.project_id else "",
        "sections": "、".join(section.name for section in sections),
        "tender": str(contract.tender) if contract.tender_id else "",
        "amount": _plain(amount),
        "amount_wan": f"{amount / WAN:,.4f}".rstrip("0").rstrip("."),
        "amount_capital": rmb_capital(amount),
        "provisional_sum": _plain(contract.provisional_sum),
        "provisional_sum_capital": rmb_capital(contract.provisional_sum or 0),
        "advance_percent": _percent(contract.advance_percent),
        "retention_percent": _percent(contract.retention_percent),
        "payment_terms": contract.payment_terms or "",
        "signed_on": _day(contract.signed_on),
        "start_on": _day(contract.start_on),
        "end_on": _day(contract.end_on),
        "duration_days": str((contract.end_on - contract.start_on).days + 1)
        if contract.start_on and contract.end_on
        else "",
        "note": contract.note or "",
    }


CONTEXT_NAMES: tuple[str, ...] = (
    "number",
    "name",
    "kind",
    "agency",
    "agency_address",
    "contractor",
    "contractor_credit_code",
    "contractor_address",
    "third_party",
    "consortium",
    "project",
    "project_code",
    "project_address",
    "sections",
    "tender",
    "amount",
    "amount_wan",
    "amount_capital",
    "provisional_sum",
    "provisional_sum_capital",
    "advance_percent",
    "retention_percent",
    "payment_terms",
    "signed_on",
    "start_on",
    "end_on",
    "duration_days",
    "note",
)

# The fields, for the template library's help text: name → what it holds.
FIELDS: tuple[tuple[str, str], ...] = (
    ("number", "合同编号"),
    ("name", "合同名称"),
    ("kind", "合同类别"),
    ("agency", "发包人（甲方）"),
    ("contractor", "承包人（乙方）"),
    ("contractor_credit_code", "乙方统一社会信用代码"),
    ("third_party", "丙方"),
    ("consortium", "联合体成员"),
    ("project", "项目名称"),
    ("project_code", "项目编号"),
    ("sections", "标段"),
    ("tender", "招标"),
    ("amount", "签约合同价（元）"),
    ("amount_wan", "签约合同价（万元）"),
    ("amount_capital", "签约合同价（大写）"),
    ("provisional_sum", "暂列金额（元）"),
    ("advance_percent", "预付款比例（%）"),
    ("retention_percent", "质量保证金比例（%）"),
    ("payment_terms", "付款方式"),
    ("signed_on", "签订日期"),
    ("start_on", "开工日期"),
    ("end_on", "竣工日期"),
    ("duration_days", "工期（日历天）"),
)


# ---- rendering ---------------------------------------------------------------------------------


class TemplateProblem(Exception):
    """A template that cannot be used, with the reason for the user."""


def sandbox() -> SandboxedEnvironment:
    """The environment user templates run in: no Python internals, values escaped, unknown names refused."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def _explain(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return _("The template tries to reach something other than the contract's fields; it was not used.")
    if isinstance(exc, UndefinedError):
        return _("The template uses a field that does not exist: %(error)s.") % {"error": exc.message}
    if isinstance(exc, TemplateSyntaxError):
        return _("The template's placeholders are not well formed (line %(line)s): %(error)s.") % {
            "line": exc.lineno,
            "error": exc.message,
        }
    return _("The template cannot be filled: %(error)s.") % {"error": exc}


def check_docx(stream: IO[bytes]) -> None:
    """Refuse what is not a Word document, or one that unpacks to more than the upload limit allows."""
    limit = settings.GONGWU_IMPORT_MAX_UNPACKED_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TemplateProblem(_("The file is not a Word document (.docx).")) from exc
    finally:
        stream.seek(0)
    if "word/document.xml" not in names:
        raise TemplateProblem(_("The file is not a Word document (.docx)."))
    if unpacked > limit:
        raise TemplateProblem(_("The document unpacks to more than %(mb)d MB.") % {"mb": limit // (1024 * 1024)})


def template_fields(stream: IO[bytes]) -> set[str]:
    """The names a template uses; `TemplateProblem` when it is not a usable template."""
    check_docx(stream)
    try:
        names = DocxTemplate(stream).get_undeclared_template_variables(sandbox())
    except (TemplateError, SecurityError) as exc:
        raise TemplateProblem(_explain(exc)) from exc
    except Exception as exc:  # python-docx / lxml on a damaged document
        raise TemplateProblem(_("The Word document cannot be read: %(error)s.") % {"error": exc}) from exc
    finally:
        stream.seek(0)
    known = set(names) & set(CONTEXT_NAMES)
    if known == set(names):  # a trial fill with sample values finds what parsing cannot (a reach for internals)
        render(stream, dict.fromkeys(CONTEXT_NAMES, "示例"))
        stream.seek(0)
    return set(names)


def render(stream: IO[bytes], context: dict[str, Any]) -> bytes:
    """Fill the template read from `stream` with `context`; the .docx as bytes."""
    check_docx(stream)
    try:
        document = DocxTemplate(stream)
        document.render(context, jinja_env=sandbox(), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except (TemplateError, SecurityError) as exc:
        raise TemplateProblem(_explain(exc)) from exc
    except Exception as exc:  # python-docx / lxml on a damaged document
        raise TemplateProblem(_("The Word document cannot be read: %(error)s.") % {"error": exc}) from exc
    return out.getvalue()


def render_contract(contract: Any, stream: IO[bytes] | None = None) -> bytes:
    """The contract's Word document from `stream`, else its standard text, else the built-in template."""
    if stream is None:
        template = contract.text_template
        if template is not None and template.file:
            with template.file.open("rb") as handle:
                return render(io.BytesIO(handle.read()), contract_context(contract))
        stream = io.BytesIO(default_template())
    return render(stream, contract_context(contract))


# ---- the built-in 施工合同 template ---------------------------------------------------------------------


def default_template() -> bytes:
    """A plain 施工合同 (协议书) with the contract's fields as placeholders: the library's starting point,
    the demo's template and the tests'. Each placeholder sits in one run, as docxtpl needs."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "SimSun")

    def paragraph(text: str, *, bold: bool = False, size: int | None = None, center: bool = False) -> None:
        para = document.add_paragraph()
        run = para.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER

    paragraph("{{ name }}", bold=True, size=18, center=True)
    paragraph("合同协议书", bold=True, size=16, center=True)
    paragraph("合同编号：{{ number }}", center=True)
    paragraph("发包人（甲方）：{{ agency }}")
    paragraph("承包人（乙方）：{{ contractor }}（统一社会信用代码：{{ contractor_credit_code }}）")
    for name, label in (("third_party", "丙方"), ("consortium", "联合体成员")):  # paragraphs only when named
        paragraph(f"{{%p if {name} %}}")
        paragraph(f"{label}：{{{{ {name} }}}}")
        paragraph("{%p endif %}")
    paragraph(
        "根据《中华人民共和国民法典》《中华人民共和国建筑法》及有关法律规定，遵循平等、自愿、公平和诚实信用的原则，"
        "双方就下述工程施工及有关事项协商一致，共同达成如下协议："
    )
    paragraph("一、工程概况", bold=True)
    paragraph("工程名称：{{ project }}（项目编号：{{ project_code }}）")
    paragraph("标段：{{ sections }}")
    paragraph("二、合同工期", bold=True)
    paragraph("计划开工日期：{{ start_on }}；计划竣工日期：{{ end_on }}；工期总日历天数：{{ duration_days }} 天。")
    paragraph("三、签约合同价与合同价格形式", bold=True)
    table = document.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    rows = (
        ("签约合同价（小写）", "人民币 {{ amount }} 元（{{ amount_wan }} 万元）"),
        ("签约合同价（大写）", "人民币{{ amount_capital }}"),
        ("其中：暂列金额", "人民币 {{ provisional_sum }} 元（大写：{{ provisional_sum_capital }}）"),
        ("预付款 / 质量保证金", "预付款为签约合同价的 {{ advance_percent }}%；质量保证金为 {{ retention_percent }}%。"),
    )
    for cells, (label, value) in zip(table.rows, rows, strict=True):
        cells.cells[0].text = label
        cells.cells[1].text = value
    paragraph("四、付款方式", bold=True)
    paragraph("{{ payment_terms }}")
    paragraph("五、合同生效", bold=True)
    paragraph("本协议书自双方签字盖章之日起生效。签订日期：{{ signed_on }}")
    paragraph("")
    paragraph("发包人（盖章）：{{ agency }}")
    paragraph("承包人（盖章）：{{ contractor }}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
