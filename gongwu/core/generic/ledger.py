"""Ledgers (台账): one declaration of a model's Excel columns serves both export and import.

An export re-imports unchanged: choice fields are written as their labels, related objects as the
value of a lookup field (a name or a code), many-to-many relations as those values joined with 、,
and import reads them back the same way, in either UI language. A column may also be a field the
form adds of its own (a project's key dates): the ledger reads it with `form_value` and the form
stores it. Import validates every row with the model's own form (the same rules as the page and the
API), shows a preview, and writes nothing unless every row passes.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.forms.models import model_to_dict
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from gongwu.core import context, services
from gongwu.core.generic import writes
from gongwu.core.models import Action, user_may
from gongwu.core.spreadsheets import write_only_row

if TYPE_CHECKING:
    from gongwu.core.generic.forms import ScopedModelForm
    from gongwu.core.models import User
    from gongwu.core.models.scoping import ScopedRow

YES_WORDS = {"是", "yes", "true", "1", "y", "√", "✓"}
NO_WORDS = {"否", "no", "false", "0", "n", "", "×"}
MANY_SEPARATOR = "、"  # between the names of a many-to-many cell; import also takes , ， ; ；
MANY_SPLIT = re.compile(r"[、,，;；\n]")
EXPORT_BATCH = 500


CHINESE_DATE = re.compile(r"^(\d{4})\s*[./年-]\s*(\d{1,2})\s*[./月-]\s*(\d{1,2})\s*日?$")


def date_text(text: str) -> str:
    """A date typed as ledgers write it (2024.3.1, 2024/03/01, 2024年3月1日) as YYYY-MM-DD; other text as is,
    for the form to reject with its own message."""
    match = CHINESE_DATE.match(text)
    if match is None:
        return text
    try:
        return datetime.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return text


def local_naive(moment: datetime.datetime) -> datetime.datetime:
    """A moment as Excel keeps it: local time, to the second, without a time zone (openpyxl cannot write one)."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    """An Excel date-time cell to the nearest second (Excel stores fractions of a day)."""
    return (moment + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)


class LedgerFileError(Exception):
    """The file as a whole cannot be read (wrong type, missing columns, too many rows, too large unpacked)."""


READ_ERROR = "__read_error__"  # the key of a row that could not be read, with the message as its value
BLANK_ROWS_ALLOWED = 1000  # blank rows read past the row limit before a file counts as too long


def check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose members unpack to more than GONGWU_IMPORT_MAX_UNPACKED_MB, before opening it.

    An .xlsx is a zip: a few hundred KB can unpack to gigabytes of sheet XML (a zip bomb). The sizes come from
    the zip's directory, which costs nothing to read; Python's zipfile never unpacks a member past the size
    its directory gives, so a forged directory cannot sneak more through."""
    limit_mb = settings.GONGWU_IMPORT_MAX_UNPACKED_MB
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LedgerFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit_mb * 1024 * 1024:
        raise LedgerFileError(
            _("The workbook unpacks to %(size)d MB; at most %(max)d MB can be imported. Split it into smaller files.")
            % {"size": unpacked // (1024 * 1024), "max": limit_mb}
        )


@dataclass(frozen=True)
class Column:
    field: str
    header: Any  # a lazy translation: the header in the user's language
    lookup: str | None = None  # for a related object: the field that names it (name, code …)
    width: int = 16
    # For a related object: a field of the row whose value narrows the lookup (tags within the row's agency).
    within: str | None = None


@dataclass
class RowResult:
    number: int
    action: str  # create, update, unchanged, error
    label: str = ""
    errors: list[str] = field(default_factory=list)
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.action == "error" for r in self.rows)

    @property
    def summary(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}


class Ledger:
    model: type[ScopedRow]
    form: type[ScopedModelForm]
    columns: tuple[Column, ...] = ()
    keys: tuple[tuple[str, ...], ...] = ()  # natural keys that find an existing row, tried in order
    sheet_title: Any = None
    export_only: tuple[str, ...] = ()  # columns written on export and ignored on import (a score, a status)

    # ---- export ---------------------------------------------------------------------------------
    def headers(self) -> list[str]:
        return [force_str(c.header) for c in self.columns]

    def _model_field(self, name: str) -> models.Field:
        field = self.model._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise FieldDoesNotExist(name)  # a reverse relation is no column
        return field

    def _field_or_none(self, name: str) -> models.Field | None:
        """The model field of a column; None for a field only the form has."""
        try:
            return self._model_field(name)
        except FieldDoesNotExist:
            return None

    def form_value(self, obj: models.Model, name: str) -> Any:
        """The value of a form-only column for `obj` (override; `prepare_export` may load it per batch)."""
        return getattr(obj, name, None)

    def prepare_export(self, objects: list[models.Model]) -> None:
        """Load what the columns need for a batch of objects in a few queries. Override to add more."""
        many = [c.field for c in self.columns if (f := self._field_or_none(c.field)) is not None and f.many_to_many]
        if many:
            prefetch_related_objects(objects, *many)

    def export_form_value(self, obj: models.Model, column: Column) -> Any:
        value = self.form_value(obj, column.field)
        form_field = self.form.base_fields[column.field]
        if isinstance(form_field, forms.BooleanField):
            return _("Yes") if value else _("No")
        if value in (None, ""):
            return ""
        if isinstance(form_field, forms.ChoiceField) and not isinstance(form_field, forms.ModelChoiceField):
            return force_str(dict(form_field.choices).get(value, value))  # type: ignore[arg-type]  # (normalised to pairs)
        return value

    def export_value(self, obj: models.Model, column: Column) -> Any:
        model_field = self._field_or_none(column.field)
        if model_field is None:
            return self.export_form_value(obj, column)
        if model_field.many_to_many:
            names = sorted(force_str(getattr(o, column.lookup or "pk")) for o in getattr(obj, column.field).all())
            return MANY_SEPARATOR.join(names)
        if model_field.is_relation:
            related = getattr(obj, column.field)
            return "" if related is None else getattr(related, column.lookup or "pk")
        value = getattr(obj, column.field)
        if model_field.choices:
            return force_str(dict(model_field.flatchoices).get(value, value)) if value not in (None, "") else ""
        if isinstance(model_field, models.BooleanField):
            return _("Yes") if value else _("No")
        if value is None:
            return ""
        if isinstance(model_field, models.DateTimeField):
            return local_naive(value)
        return value

    def export_rows(self, queryset: Iterable[models.Model]) -> Iterator[list[Any]]:
        batch: list[models.Model] = []
        for obj in queryset:
            batch.append(obj)
            if len(batch) == EXPORT_BATCH:
                yield from self._export_batch(batch)
                batch = []
        if batch:
            yield from self._export_batch(batch)

    def _export_batch(self, batch: list[models.Model]) -> Iterator[list[Any]]:
        self.prepare_export(batch)
        for obj in batch:
            yield [self.export_value(obj, c) for c in self.columns]

    def write_xlsx(self, queryset: Iterable[models.Model], stream: io.BufferedIOBase | io.BytesIO) -> int:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(force_str(self.sheet_title or self.model._meta.verbose_name_plural)[:31])
        for index, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        header_cells = []
        for text in self.headers():
            cell = WriteOnlyCell(sheet, value=text)
            cell.font, cell.fill = header_font, header_fill
            header_cells.append(cell)
        sheet.append(header_cells)
        count = 0
        for row in self.export_rows(queryset):
            sheet.append(write_only_row(sheet, row))
            count += 1
        workbook.save(stream)
        return count

    # ---- reading a file -------------------------------------------------------------------------
    def header_aliases(self) -> dict[str, Column]:
        """Each column's header in every UI language, so a file made in either imports."""
        aliases: dict[str, Column] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for column in self.columns:
                    aliases[force_str(column.header).strip()] = column
        for column in self.columns:
            aliases.setdefault(column.field, column)
        return aliases

    def read(self, data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
        """Rows of the file as (row number in the sheet, {field: cell value}). The file is streamed and
        reading stops at the row limit, so a huge file is refused after reading only what the limit allows;
        a row that cannot be read comes back as {READ_ERROR: message}, for the preview to show."""
        name = filename.lower()
        if name.endswith(".csv"):
            grid = self._read_csv(data)
        elif name.endswith((".xlsx", ".xlsm")):
            grid = self._read_xlsx(data)
        else:
            raise LedgerFileError(_("Choose an Excel (.xlsx) or CSV (.csv) file."))
        try:
            return self._rows(grid)
        finally:
            grid.close()

    def _rows(self, grid: Iterator[tuple[int, list[Any] | str]]) -> list[tuple[int, dict[str, Any]]]:
        aliases = self.header_aliases()
        positions: dict[str, int] | None = None
        rows: list[tuple[int, dict[str, Any]]] = []
        limit = settings.GONGWU_IMPORT_MAX_ROWS
        scanned = 0
        for number, cells in grid:
            if positions is None:
                if isinstance(cells, list) and self._is_header(cells, aliases):
                    positions = self._positions(cells, aliases)
                elif number >= 10:
                    break
                continue
            scanned += 1
            if isinstance(cells, str):
                rows.append((number, {READ_ERROR: cells}))
            else:
                values = {f: (cells[p] if p < len(cells) else None) for f, p in positions.items()}
                if all(v is None or force_str(v).strip() == "" for v in values.values()):
                    continue
                rows.append((number, values))
            # Blank rows count towards a bound as well: a sheet of a million empty rows is not read to its end.
            if len(rows) > limit or scanned > limit + BLANK_ROWS_ALLOWED:
                raise LedgerFileError(
                    _("The file has more than %(max)d rows; at most %(max)d can be imported at once.") % {"max": limit}
                )
        if positions is None:
            raise LedgerFileError(
                _("No header row found. The first row must hold column names such as: %(headers)s.")
                % {"headers": "、".join(self.headers()[:6])}
            )
        if not rows:
            raise LedgerFileError(_("The file has a header row but no data rows."))
        return rows

    def _is_header(self, cells: list[Any], aliases: dict[str, Column]) -> bool:
        return sum(1 for c in cells if force_str(c or "").strip() in aliases) >= min(2, len(self.columns))

    def _positions(self, cells: list[Any], aliases: dict[str, Column]) -> dict[str, int]:
        """Where each column is in the header row; a missing required column refuses the file."""
        positions: dict[str, int] = {}
        for position, text in enumerate(force_str(c or "").strip() for c in cells):
            if text in aliases:
                positions[aliases[text].field] = position
        missing = [force_str(c.header) for c in self.columns if c.field not in positions and self._required(c)]
        if missing:
            raise LedgerFileError(_("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
        return positions

    def _required(self, column: Column) -> bool:
        if column.field in self.export_only:
            return False
        form_field = self.form.base_fields.get(column.field)
        return bool(form_field and form_field.required)

    def _read_xlsx(self, data: bytes) -> Generator[tuple[int, list[Any] | str], None, None]:
        check_unpacked_size(data)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise LedgerFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
        return self._xlsx_rows(workbook)

    def _xlsx_rows(self, workbook: Any) -> Generator[tuple[int, list[Any] | str], None, None]:
        try:
            sheet = workbook.worksheets[0]
            # Read the rows the sheet holds, not the range its <dimension> claims (a writer may get it wrong);
            # the row limit in `_rows` is what bounds the reading.
            sheet.reset_dimensions()
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(row)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
            # A broken sheet (XML cut short, a forged zip member) is met while streaming, not on opening.
            raise LedgerFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
        finally:
            workbook.close()

    def _read_csv(self, data: bytes) -> Generator[tuple[int, list[Any] | str], None, None]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise LedgerFileError(_("The CSV file is neither UTF-8 nor GBK encoded."))
        return self._csv_rows(text)

    def _csv_rows(self, text: str) -> Generator[tuple[int, list[Any] | str], None, None]:
        reader = csv.reader(io.StringIO(text))
        number = 0
        while True:
            number += 1
            try:
                yield number, next(reader)
            except StopIteration:
                return
            except csv.Error:
                # Python's csv module refuses a cell over its field limit (or a stray quote): a row error,
                # and the reader goes on with the next row.
                yield (
                    number,
                    _("This row cannot be read: a cell is longer than %(max)d characters or a quote is not closed.")
                    % {"max": csv.field_size_limit()},
                )

    # ---- turning cells into form data -----------------------------------------------------------
    def _choice_map(self, model_field: models.Field) -> dict[str, str]:
        """Labels (in every UI language) and raw values of a choice field; built once per ledger."""
        cache = self.__dict__.setdefault("_choice_maps", {})
        if model_field.name in cache:
            return cache[model_field.name]
        mapping: dict[str, str] = {}
        cache[model_field.name] = mapping
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for value, label in model_field.flatchoices:
                    mapping[force_str(label).strip().lower()] = value
        for value, _label in model_field.flatchoices:
            mapping[str(value).lower()] = value
        return mapping

    def form_data(self, values: dict[str, Any], user: User, cache: dict) -> tuple[dict[str, Any], list[str]]:
        data: dict[str, Any] = {}
        errors: list[str] = []
        for column in self.columns:
            if column.field not in values or column.field in self.export_only:
                continue
            raw = values[column.field]
            text = "" if raw is None else (raw if isinstance(raw, str) else None)
            model_field = self._field_or_none(column.field)
            header = force_str(column.header)
            if model_field is None:
                self._form_only_data(column, raw, data, errors)
            elif model_field.many_to_many:
                names = [n.strip() for n in MANY_SPLIT.split(force_str(raw) if raw is not None else "")]
                found_pks = []
                for name in dict.fromkeys(n for n in names if n):
                    pk = self._related_pk(column, model_field, name, data, user, cache, errors)
                    if pk is not None:
                        found_pks.append(pk)
                data[column.field] = found_pks
            elif model_field.is_relation:
                name = force_str(raw).strip() if raw is not None else ""
                if isinstance(raw, float) and raw.is_integer():
                    name = str(int(raw))
                if not name:
                    data[column.field] = ""
                    continue
                pk = self._related_pk(column, model_field, name, data, user, cache, errors)
                if pk is not None:
                    data[column.field] = pk
            elif model_field.choices:
                word = force_str(raw).strip() if raw is not None else ""
                value = self._choice_map(model_field).get(word.lower())
                if word and value is None:
                    errors.append(
                        _("%(column)s: “%(value)s” is not one of the choices.") % {"column": header, "value": word}
                    )
                data[column.field] = value if value is not None else ""
            elif isinstance(model_field, models.BooleanField):
                word = force_str(raw if raw is not None else "").strip().lower()
                if raw is True or word in YES_WORDS:
                    data[column.field] = "on"
                elif raw is False or word in NO_WORDS:
                    data[column.field] = ""
                else:
                    errors.append(_("%(column)s: write 是 or 否.") % {"column": header})
            elif isinstance(raw, datetime.datetime):
                data[column.field] = (
                    raw.date().isoformat()
                    if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField)
                    else whole_seconds(raw).isoformat()
                )
            elif isinstance(raw, datetime.date):
                data[column.field] = raw.isoformat()
            elif isinstance(raw, float):
                data[column.field] = str(int(raw)) if raw.is_integer() else repr(raw)
            elif isinstance(raw, int | Decimal):
                data[column.field] = str(raw)
            elif isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
                data[column.field] = date_text((text or "").strip())
            else:
                data[column.field] = (text or "").strip()
        return data, errors

    def _related_pk(
        self,
        column: Column,
        model_field: models.Field,
        name: str,
        data: dict[str, Any],
        user: User,
        cache: dict,
        errors: list[str],
    ) -> Any:
        """The id of the related object a cell names, or None after adding the error."""
        within = data.get(column.within) if column.within else None
        key = (column.field, name, within)
        if key not in cache:
            related: Any = model_field.related_model  # a model class by now ("self" is resolved as models load)
            queryset = (
                related.objects.for_user(user, Action.VIEW)
                if hasattr(related.objects, "for_user")
                else related.objects.all()
            )
            if within not in (None, ""):
                queryset = queryset.filter(**{column.within: within})
            cache[key] = list(queryset.filter(**{column.lookup or "pk": name}).values_list("pk", flat=True)[:2])
        found = cache[key]
        if len(found) == 1:
            return found[0]
        errors.append(
            (
                _("%(column)s: no “%(value)s” found.")
                if not found
                else _("%(column)s: “%(value)s” matches more than one record.")
            )
            % {"column": force_str(column.header), "value": name}
        )
        return None

    def _form_only_data(self, column: Column, raw: Any, data: dict[str, Any], errors: list[str]) -> None:
        """A cell of a field only the form has: a date, a number, a yes/no or text; the form validates it."""
        form_field = self.form.base_fields[column.field]
        if isinstance(form_field, forms.BooleanField):
            word = force_str(raw if raw is not None else "").strip().lower()
            if raw is True or word in YES_WORDS:
                data[column.field] = "on"
            elif raw is False or word in NO_WORDS:
                data[column.field] = ""
            else:
                errors.append(_("%(column)s: write 是 or 否.") % {"column": force_str(column.header)})
        elif isinstance(raw, datetime.datetime):
            date_only = isinstance(form_field, forms.DateField)
            data[column.field] = raw.date().isoformat() if date_only else raw.isoformat()
        elif isinstance(raw, datetime.date):
            data[column.field] = raw.isoformat()
        elif isinstance(raw, float):
            data[column.field] = str(int(raw)) if raw.is_integer() else repr(raw)
        elif isinstance(raw, int | Decimal):
            data[column.field] = str(raw)
        elif isinstance(form_field, forms.DateField):
            data[column.field] = date_text(force_str(raw if raw is not None else "").strip())
        else:
            data[column.field] = force_str(raw if raw is not None else "").strip()

    def key_lookup(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The lookup of the first natural key the row fills in. An empty optional foreign key in a
        key means "none" (a top-level organization is found by its name and no parent), not "unknown"."""
        for key in self.keys:
            lookup: dict[str, Any] = {}
            for name in key:
                value = data.get(name)
                if value not in (None, ""):
                    lookup[name] = value
                elif self._model_field(name).is_relation and self._model_field(name).null:
                    lookup[f"{name}__isnull"] = True
                else:
                    break
            else:
                if any(not name.endswith("__isnull") for name in lookup):
                    return lookup
        return None

    def find_existing(self, data: dict[str, Any], user: User) -> models.Model | None:
        lookup = self.key_lookup(data)
        if lookup is None:
            return None
        found = self.model.objects.for_user(user, Action.VIEW).filter(**lookup)
        if hasattr(self.model, "voided_at"):
            found = found.filter(voided_at__isnull=True)  # a voided record is not the one a row corrects
        return found.first()

    # ---- preview and apply ----------------------------------------------------------------------
    def _build_form(self, data: dict[str, Any], instance: models.Model | None, user: User) -> Any:
        if instance is not None:
            # Columns absent from the file keep their stored values.
            merged = {k: v for k, v in model_to_dict(instance).items() if v is not None}
            for k, v in list(merged.items()):
                if isinstance(v, list):
                    merged[k] = [getattr(x, "pk", x) for x in v]
            merged.update(data)
            data = merged
        if instance is not None:
            # A field with a callable default (a time defaulting to now) is compared with a hidden initial
            # value the page renders; a file has none, so give the stored value, as the ledger writes it.
            for name, field in self.form.base_fields.items():
                if field.show_hidden_initial and name in data:
                    stored = getattr(instance, name, None)
                    if isinstance(stored, datetime.datetime):
                        stored = local_naive(stored).isoformat()
                    data = {**data, f"initial-{name}": stored}
        form = self.form(data=data, instance=instance, user=user)
        if instance is not None:
            # Form-only columns absent from the file keep what the form shows for the object. The form
            # reads `data` only when it validates, so filling it in here is still in time.
            for name in form.fields:
                if name not in data and self._field_or_none(name) is None and form.initial.get(name) is not None:
                    data[name] = form.initial[name]
        return form

    def check_rows(
        self,
        rows: list[tuple[int, dict[str, Any]]],
        user: User,
        *,
        write: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        result = ImportResult()
        cache: dict = {}
        seen: dict[tuple, int] = {}
        may_add, may_change = (
            user_may(user, self.model, Action.ADD),
            user_may(user, self.model, Action.CHANGE),
        )
        for index, (number, values) in enumerate(rows, start=1):
            row = RowResult(number=number, action="error")
            result.rows.append(row)
            if progress is not None:
                progress(index - 1)
            if READ_ERROR in values:
                row.errors.append(values[READ_ERROR])
                continue
            data, errors = self.form_data(values, user, cache)
            row.errors.extend(errors)
            lookup = self.key_lookup(data)
            key_values = tuple(sorted(lookup.items())) if lookup is not None else None
            if key_values is not None and key_values in seen:
                row.errors.append(_("Same record as row %(row)d.") % {"row": seen[key_values]})
            elif key_values is not None:
                seen[key_values] = number
            if row.errors:
                continue
            instance = self.find_existing(data, user)
            if (
                instance is not None
                and not self.model.objects.for_user(user, Action.CHANGE).filter(pk=instance.pk).exists()
            ):
                row.errors.append(_("“%(object)s” exists and you may not change it.") % {"object": instance})
                continue
            if (instance is None and not may_add) or (instance is not None and not may_change):
                row.errors.append(
                    _("You may not import into %(things)s.") % {"things": self.model._meta.verbose_name_plural}
                )
                continue
            form = self._build_form(data, instance, user)
            if not form.is_valid():
                row.errors.extend(self._form_errors(form))
                continue
            row.label = str(form.instance)[:120]
            if instance is None:
                row.action = "create"
            elif form.has_changed():
                row.action = "update"
                row.changes = [
                    (force_str(form.fields[f].label), form.initial.get(f), form.cleaned_data.get(f))
                    for f in form.changed_data
                ]
            else:
                row.action = "unchanged"
            if write and row.action in ("create", "update"):
                try:
                    writes.write_form(form, user)
                except ValidationError as exc:
                    row.action = "error"
                    row.errors.extend(exc.messages)
                except PermissionDenied as exc:
                    row.action = "error"
                    row.errors.append(str(exc))
        if progress is not None:
            progress(len(rows))
        return result

    def _form_errors(self, form: Any) -> list[str]:
        headers = {c.field: force_str(c.header) for c in self.columns}
        messages = []
        for name, errors in form.errors.items():
            label = headers.get(name) or (force_str(form.fields[name].label) if name in form.fields else "")
            for error in errors:
                messages.append(f"{label}: {error}" if label else error)
        return messages

    def preview(
        self, rows: list[tuple[int, dict[str, Any]]], user: User, progress: Callable[[int], None] | None = None
    ) -> ImportResult:
        return self.check_rows(rows, user, progress=progress)

    def apply(
        self, rows: list[tuple[int, dict[str, Any]]], user: User, progress: Callable[[int], None] | None = None
    ) -> ImportResult:
        """Write every row in one transaction; if any row fails, nothing is written."""

        class Rollback(Exception):
            pass

        result = ImportResult()
        try:
            with context.change_source("import"), services.files_removed_on_failure():
                result = self.check_rows(rows, user, write=True, progress=progress)
                if not result.ok:
                    raise Rollback
        except Rollback:
            pass
        return result
