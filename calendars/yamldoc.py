"""YAML (and JSON) documents that remember where each value was written.

Validation errors from pydantic name a path such as ``periods.0.rule``;
people want the line. :func:`load_document` returns the data and a map from
each path to its line, and :func:`first_problem` turns a ValidationError into
the path, a plain message and that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # only for annotations: reading a mapping file needs no pydantic
    from pydantic import ValidationError

Path = tuple[str | int, ...]
# Real documents nest a handful of levels; the composer recurses once per level.
MAX_DEPTH = 64


class DocumentError(ValueError):
    """Text that is not a YAML or JSON document; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Document:
    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a document nested deeper than :data:`MAX_DEPTH` before
    Python's recursion limit turns it into a crash."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise DocumentError(f"nested more than {MAX_DEPTH} levels deep", line)
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self.depth -= 1


def load_document(text: str) -> Document:
    """Parse YAML (JSON is YAML too), keeping the line of every mapping key and list item."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(
            f"not valid YAML or JSON: {problem}", mark.line + 1 if mark else None
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return Document(data, lines)


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    message: str
    line: int | None

    @property
    def where(self) -> str:
        """``periods[0].rule.last_working_days``."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
        return text or "document"


def first_problem(error: ValidationError, document: Document, *, root: Path = ()) -> Problem:
    """The first validation error with its path, a plain message and its line."""
    errors = error.errors()
    # A misspelt key also makes the real one "missing"; the misspelling is the news.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    path = _document_path((*root, *first["loc"]), document, keep_last=first["type"] == "missing")
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "is required"
    elif first["type"] == "union_tag_invalid":
        context = first.get("ctx", {})
        message = f"unknown {context.get('discriminator', 'kind').strip(chr(39))} {context.get('tag')!r} (expected {context.get('expected_tags')})"
    return Problem(tuple(path), message, document.line_of(tuple(path)))


def _document_path(loc: tuple[str | int, ...], document: Document, *, keep_last: bool) -> Path:
    """pydantic's error location without the union members it adds (``http``,
    ``function-after[...]``): a name that is not a key at that place in the
    document is one of those, unless it is the missing key being reported."""
    path: list[str | int] = []
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if (
            isinstance(part, str)
            and not (last and keep_last)
            and (*path, part) not in document.lines
        ):
            continue
        path.append(part)
    return tuple(path)
