"""The signature cache core puts into django-tables2: installed on the version it was written for, and right.

When django-tables2 is upgraded these tests fail until the patch is checked against the new version (and
PATCHED_TABLES2_VERSION moved); meanwhile the application runs unpatched, which is slower but correct.
"""

import django_tables2
import django_tables2.utils

from gongwu.core.generic import tables


def test_the_cache_is_installed_on_the_version_it_was_written_for() -> None:
    assert django_tables2.__version__ == tables.PATCHED_TABLES2_VERSION
    assert django_tables2.utils.signature is tables._cached_signature
    # call_with_appropriate still finds `signature` as a module global, which is what the patch replaces
    assert "signature" in django_tables2.utils.call_with_appropriate.__code__.co_names


def test_cached_signatures_are_the_library_s_for_methods_closures_and_catch_alls() -> None:
    class Table:
        def render_name(self, value, record):
            return value

        def render_other(self, value, **kwargs):
            return value

    def make(n):
        def render(value, *args, bound_column=None):
            return n

        return render

    for fn in (Table().render_name, Table().render_other, make(1), make(2), len):
        assert tables._cached_signature(fn) == tables._library_signature(fn)
    assert django_tables2.utils.call_with_appropriate(Table().render_other, {"value": 3, "record": None}) == 3


def test_cell_accessors_are_made_once_per_path_and_resolve_as_the_library_s() -> None:
    import django_tables2.rows

    assert django_tables2.rows.A is tables._cached_accessor
    first, again = tables._cached_accessor("director__display_name"), tables._cached_accessor("director__display_name")
    assert first is again and first == "director__display_name"
    record = {"director": {"display_name": "王工"}}
    assert first.resolve(record) == tables._library_accessor("director__display_name").resolve(record) == "王工"
    with_args = tables._library_accessor("method")
    with_args.callable_args = [1]
    assert tables._cached_accessor(with_args) is not tables._cached_accessor(with_args)


def test_another_version_is_left_unpatched(monkeypatch) -> None:
    monkeypatch.setattr(django_tables2, "__version__", "99.0")
    monkeypatch.setattr(django_tables2.utils, "signature", tables._library_signature)
    assert tables.install_signature_cache() is False
    assert django_tables2.utils.signature is tables._library_signature
