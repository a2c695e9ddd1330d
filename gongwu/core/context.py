"""Who and which request a change comes from, for the change log.

The request middleware, API, importer and task runner set these; services read them. Shell edits
leave the defaults ("shell", no request id), which is what the change log then shows.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Iterator

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gongwu_request_id", default="")
source: contextvars.ContextVar[str] = contextvars.ContextVar("gongwu_source", default="shell")


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def change_source(name: str, rid: str | None = None) -> Iterator[None]:
    """Mark the changes made inside the block as coming from `name` (web, api, import, admin, task)."""
    source_token = source.set(name)
    rid_token = request_id.set(rid) if rid is not None else None
    try:
        yield
    finally:
        source.reset(source_token)
        if rid_token is not None:
            request_id.reset(rid_token)
