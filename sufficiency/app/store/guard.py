"""Text the store refuses, the same way on SQLite and PostgreSQL: the NUL character.

PostgreSQL cannot hold a NUL (``\\x00``) in a text value, nor ``\\u0000`` in JSON, and psycopg fails
the statement, which a service would answer with a 500; SQLite stores it silently, and an export then
carries it. Every statement the store runs is checked before it reaches the database (a
``before_cursor_execute`` hook, so no route, present or future, can miss it): a text parameter holding
a NUL, or JSON holding its escape, raises :class:`NulInText`, which the service answers with 422 and
which a run records as its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, event

__all__ = ["NulInText", "install_text_guard"]

_ESCAPED = "\\u0000"  # how json.dumps writes a NUL inside a JSON column's text


class NulInText(ValueError):
    """A value to be stored holds the NUL character."""

    def __init__(self) -> None:
        super().__init__("text may not contain the NUL character (\\u0000 or %00); remove it and send again")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or _ESCAPED in value
    if isinstance(value, (dict, list, tuple)) or hasattr(value, "obj"):
        # JSON on PostgreSQL reaches the driver as psycopg's Json wrapper around the data, not as text
        return _walk_has_nul(getattr(value, "obj", value))
    return False


def _walk_has_nul(data: Any) -> bool:
    stack = [data]
    while stack:  # no recursion: the data may nest deeply
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _check(parameters: Any) -> None:
    if parameters is None:
        return
    groups = parameters if isinstance(parameters, list) else [parameters]
    for group in groups:
        values = group.values() if isinstance(group, Mapping) else group if isinstance(group, (tuple, list)) else ()
        if any(_has_nul(v) for v in values):
            raise NulInText


def _before_cursor_execute(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
                           _executemany: bool) -> None:
    _check(parameters)


def install_text_guard(engine: Engine) -> Engine:
    """Make ``engine`` refuse NUL characters in text parameters (:class:`NulInText`)."""
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    return engine
