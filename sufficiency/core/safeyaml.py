"""YAML written by users, read safely: every YAML file or body the product reads goes through :func:`load_yaml`.

``yaml.safe_load`` constructs no objects, but it still expands aliases: a few hundred bytes of
nested ``*alias`` references become gigabytes in memory (the "billion laughs"), and deep nesting
exhausts the recursion of PyYAML's composer (a ``RecursionError``, not a ``YAMLError``). Settings
files never need either, so :func:`load_yaml` is PyYAML's safe loader refusing any alias (and the
``<<`` merge key, which needs one) and any nesting deeper than :data:`MAX_DEPTH`, before building
anything. PyYAML has no option for either, hence this small subclass of its own loader.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import Node

__all__ = ["MAX_DEPTH", "YAMLRefused", "excerpt", "load_yaml", "yaml_problem"]

#: Deepest nesting of mappings and lists accepted; a scenario needs four.
MAX_DEPTH = 32


def excerpt(value: object, limit: int = 80) -> str:
    """``value`` as text, cut to ``limit`` characters (with an ellipsis) and on one line: what a message
    may quote of a user's input."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class YAMLRefused(yaml.YAMLError):
    """The YAML uses a feature refused for safety (an alias) or nests deeper than :data:`MAX_DEPTH`."""


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases and deep nesting while composing, before any node is built."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YAMLRefused(f"line {event.start_mark.line + 1}: the alias '*{excerpt(event.anchor, 40)}' is not "
                              "accepted (aliases can expand a small file into gigabytes); write the values out "
                              "in full")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YAMLRefused(f"line {mark.line + 1}: the values nest more than {MAX_DEPTH} levels deep; "
                                  "settings never need that many, so write them flatter")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str | bytes) -> Any:
    """The YAML document in ``text`` as plain Python data, refusing aliases and deep nesting.

    Raises
    ------
    yaml.YAMLError
        For invalid YAML, and :class:`YAMLRefused` for an alias or nesting deeper than :data:`MAX_DEPTH`.
    """
    return yaml.load(text, Loader=_SafeLoader)  # a SafeLoader subclass: safe


def yaml_problem(exc: yaml.YAMLError, limit: int = 300) -> str:
    """A YAML error as one bounded line (PyYAML's own message quotes a snippet of the input)."""
    return excerpt(exc, limit)
