"""Where cases come from. Each app that opens cases registers its sources from its `AppConfig.ready()`:

    register_case_source("inspection", _("Inspection notice"), app_label="inspections")

alerts registers its own (rules, meeting decisions, inspection tours, by hand) and knows no other: a
source is listed by the app that opens its cases (smart-site monitoring will register its sensor alarms,
the integrity rules theirs). `Case.source` takes its choices from here when asked (a callable: registering
needs no migration), so the case list's filter, a case's page, the ledger, the board, the API's schema and
any form or admin page built on the field offer exactly the registered sources, and a case from a source
no app registers is refused.

A registry rather than a list of choices, because alerts imports no domain app (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.api import schema_changed

# alerts' own sources
RULE = "rule"
MEETING = "meeting"
TOUR = "tour"
MANUAL = "manual"

MAX_LENGTH = 12  # Case.source's column
UNKNOWN = _("“%(value)s” is not a source of cases: no installed app registers it.")


@dataclass(frozen=True)
class CaseSource:
    code: str
    label: Any  # lazily translated
    app_label: str  # the app that opens its cases
    # A person may open a case of this source in the case ledger; the others are opened by their app's
    # own code (a rule's scan, an inspection's notice).
    imported: bool = False
    kind: str = ""  # the kind of an imported case that names none ("" : a warning)


SOURCES: dict[str, CaseSource] = {}


def register_case_source(
    code: str, label: Any, *, app_label: str, imported: bool = False, kind: str = ""
) -> CaseSource:
    """Called from the `ready()` of the app that opens cases from `code`; again with the same app, it replaces
    the registration (ready() may run twice in tests)."""
    if not code or len(code) > MAX_LENGTH:
        raise ImproperlyConfigured(f"A case source's code has 1 to {MAX_LENGTH} characters: {code!r}.")
    known = SOURCES.get(code)
    if known is not None and known.app_label != app_label:
        raise ImproperlyConfigured(f"The case source {code!r} is already registered by {known.app_label}.")
    source = CaseSource(code, label, app_label, imported, kind)
    if SOURCES.get(code) != source:
        SOURCES[code] = source
        schema_changed()
    return source


def unregister_case_source(code: str) -> None:
    """For tests that register a source of their own."""
    if SOURCES.pop(code, None) is not None:
        schema_changed()


def case_source_choices() -> list[tuple[str, Any]]:
    """`Case.source`'s choices: the registered sources, in the order they were registered."""
    return [(source.code, source.label) for source in SOURCES.values()]


def label(code: str) -> str:
    """The source's name, or the code itself for a source no app registers (any more)."""
    source = SOURCES.get(code)
    return force_str(source.label) if source is not None else code


def check(code: str) -> None:
    """Refuse a case from a source no installed app registers (as `Case.full_clean` does)."""
    if code not in SOURCES:
        raise ValidationError({"source": ValidationError(UNKNOWN, code="invalid_choice", params={"value": code})})


def openapi_enum(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of the API's `source` fields: the registered codes, read when the schema is served."""
    target = next((branch for branch in schema.get("anyOf", ()) if branch.get("type") == "string"), schema)
    target["enum"] = list(SOURCES)
    with translation.override("en"):  # as the schema's other descriptions
        names = ", ".join(f"`{source.code}` ({force_str(source.label)})" for source in SOURCES.values())
    schema["description"] = f"Where the case comes from, one of the sources the installed apps register: {names}."
