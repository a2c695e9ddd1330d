"""The Simplified-Chinese catalogue is complete, compiles, and is what a user sees by default.

The message ids are extracted the way gongwu/locale/README.md says, but from a temporary copy of the
source tree: `makemessages` writes helper files next to every template and merges into any `locale/`
directory it finds, so running it on the checkout would touch the working tree.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

REPO = Path(__file__).resolve().parents[3]
CATALOGUE = REPO / "gongwu" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# The directories the refresh command leaves out, plus hidden ones and any virtualenv.
SKIPPED_DIRS = {".venv", "node_modules", "var", "locale", "__pycache__"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}  # what makemessages reads for the "django" domain
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


class Entry:
    def __init__(self) -> None:
        self.msgctxt: str | None = None
        self.msgid: str | None = None
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.flags: set[str] = set()
        self.obsolete = False

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid or "", self.msgid_plural)


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[1]), text.strip()[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Parse a gettext PO file: enough of the format for what xgettext and msgmerge write."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        if not block.strip():
            continue
        entry, target = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].strip()
            elif line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            if not line or line.startswith(("#", "|")):  # comments, and `#~|` previous ids of obsolete entries
                continue
            keyword = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
            if keyword:
                name, index, value = keyword[1], keyword[2], _unquote(keyword[3])
                if name.startswith("msgstr"):
                    target = int(index or 0)
                    entry.msgstr[target] = value
                else:
                    target = name
                    setattr(entry, name, value)
            elif isinstance(target, int):
                entry.msgstr[target] += _unquote(line)
            else:
                setattr(entry, target, getattr(entry, target) + _unquote(line))
        if entry.msgid is not None:
            entries.append(entry)
    return entries


def _copy_sources(destination: Path) -> None:
    for directory, subdirectories, files in os.walk(REPO):
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in SKIPPED_DIRS
            and not name.startswith(".")
            and not (Path(directory, name, "pyvenv.cfg")).exists()
        ]
        for name in files:
            if Path(name).suffix in SOURCE_SUFFIXES:
                source = Path(directory, name)
                target = destination / source.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def extracted_keys(tmp_path_factory: pytest.TempPathFactory) -> set[Key]:
    """Every message id in the code and templates, as `makemessages -l zh_Hans` would extract it."""
    work = tmp_path_factory.mktemp("makemessages")
    source, locale = work / "src", work / "locale"
    _copy_sources(source)
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[str(locale)]):
        patch.chdir(source)
        call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    extracted = {entry.key for entry in read_po(locale / "zh_Hans" / "LC_MESSAGES" / "django.po") if entry.msgid}
    # An extraction that silently found nothing would make the completeness test pass vacuously.
    assert {(None, "Sign in to your account", None), (None, "unified social credit code", None)} <= extracted
    return extracted


@pytest.fixture(scope="module")
def catalogue() -> dict[Key, Entry]:
    return {entry.key: entry for entry in read_po(CATALOGUE) if not entry.obsolete}


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed catalogue compiled outside the checkout (the .mo is not in git)."""
    locale = tmp_path_factory.mktemp("locale")
    target = locale / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    target.parent.mkdir(parents=True)
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is needed to compile the catalogue"
    checked = subprocess.run(  # noqa: S603 (fixed arguments: our own catalogue and a temporary path)
        [msgfmt, "--check", "-o", str(target), str(CATALOGUE)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    return locale


def _is_translated(entry: Entry) -> bool:
    return all(entry.msgstr.values()) and "fuzzy" not in entry.flags


def _describe(key: Key) -> str:
    context, msgid, _plural = key
    return f"{context}|{msgid!r}" if context else repr(msgid)


def test_every_message_in_code_and_templates_has_a_chinese_translation(
    extracted_keys: set[Key], catalogue: dict[Key, Entry]
) -> None:
    untranslated = sorted(
        (key for key in extracted_keys if key not in catalogue or not _is_translated(catalogue[key])),
        key=lambda key: key[1],
    )
    assert not untranslated, (
        f"{len(untranslated)} message(s) have no checked (non-empty, non-fuzzy) Chinese translation in {CATALOGUE.relative_to(REPO)} "
        "(refresh it as gongwu/locale/README.md says, then translate):\n"
        + "\n".join(_describe(key) for key in untranslated)
    )


def test_catalogue_has_no_fuzzy_translations(catalogue: dict[Key, Entry]) -> None:
    fuzzy = [_describe(key) for key, entry in catalogue.items() if entry.msgid and "fuzzy" in entry.flags]
    assert fuzzy == [], "Fuzzy entries need checking, then their `#, fuzzy` flag removed:\n" + "\n".join(fuzzy)


def test_catalogue_header_declares_chinese_with_one_plural_form(catalogue: dict[Key, Entry]) -> None:
    header = catalogue[(None, "", None)].msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header


def test_translations_keep_every_placeholder_of_their_message(catalogue: dict[Key, Entry]) -> None:
    mismatched = []
    for key, entry in catalogue.items():
        expected = set(PLACEHOLDER.findall(entry.msgid or "")) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for translation in entry.msgstr.values():
            if translation and set(PLACEHOLDER.findall(translation)) != expected:
                mismatched.append(f"{_describe(key)} → {translation!r}")
    assert mismatched == [], "Placeholders differ from the message id:\n" + "\n".join(mismatched)


def test_plural_messages_have_exactly_one_chinese_form(catalogue: dict[Key, Entry]) -> None:
    plurals = {_describe(key): sorted(entry.msgstr) for key, entry in catalogue.items() if entry.msgid_plural}
    assert all(forms == [0] for forms in plurals.values()), plurals


@pytest.mark.django_db
def test_sign_in_page_is_in_chinese_by_default(client, compiled_locale: Path) -> None:
    with override_settings(LOCALE_PATHS=[str(compiled_locale)]):
        page = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录您的账号" in page
    assert "用户名" in page
    assert "Sign in to your account" not in page


@pytest.mark.django_db
def test_sign_in_page_is_in_english_when_the_browser_asks_for_it(client, compiled_locale: Path) -> None:
    with override_settings(LOCALE_PATHS=[str(compiled_locale)]):
        page = client.get("/login/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in page
    assert "Sign in to your account" in page
    assert "登录您的账号" not in page
