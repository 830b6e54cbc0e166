"""YAML (and JSON) documents that remember where each value was written.

Validation errors from pydantic name a path such as ``periods.0.rule``;
people want the line. :func:`load_document` returns the data and a map from
each path to its line, and :func:`first_problem` turns a ValidationError into
the path, a plain message and that line.

A YAML alias names a value written once, and everything that reads the data
afterwards (validation, the line map, ``json.dumps``) meets it once per
alias: nine anchors of nine aliases each make 400 bytes read as 387 million
values. Before anything else reads it, the document's shape is measured
once per node: aliases (and ``<<`` merges) may add at most
:data:`MAX_ALIAS_EXPANSION` values, no alias may contain itself, and nothing
may nest deeper than :data:`MAX_DEPTH`. Anchors that save typing, such as
shared check defaults, stay far below that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # only for annotations: reading a mapping file needs no pydantic
    from pydantic import ValidationError

Path = tuple[str | int, ...]
MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add to a document, in all
# Levels of nesting: a calendar or site file needs fewer than ten, and the composer
# recurses once per level.
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
    """PyYAML's safe loader, refusing deep nesting as soon as it is met.

    PyYAML's scanner does work for every open bracket at every token (2,000
    nested ``[`` take seconds) and its composer recurses once per level.
    """

    _depth = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # PyYAML names it so
        if self.flow_level >= MAX_DEPTH:
            raise DocumentError(f"nested more than {MAX_DEPTH} levels deep", self.line + 1)
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
                raise DocumentError(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_document(text: str) -> Document:
    """Parse YAML (JSON is YAML too), keeping the line of every mapping key and list item."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            _check_shape(node)
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


def load_data(text: str) -> Any:
    """The data of a YAML or JSON document, shape checked as in :func:`load_document`."""
    return load_document(text).data


def _check_shape(root: yaml.Node) -> None:
    """Refuse aliases that multiply the document, contain themselves, or nest too deep.

    One pass over the distinct nodes, children before parents, so a node
    reached through a thousand aliases is still measured once. (An alias is
    the anchored node itself, met again: PyYAML keeps no mark of the alias.)
    """
    size: dict[int, int] = {}  # values a node stands for, aliases followed
    depth: dict[int, int] = {}
    uses: dict[int, int] = {}  # times a node is met: more than once means aliases
    nodes: dict[int, yaml.Node] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if depth[key] > MAX_DEPTH:
                raise DocumentError(f"nested more than {MAX_DEPTH} levels deep", _line(node))
            continue
        uses[key] = uses.get(key, 0) + 1
        if key in size:
            continue
        if key in open_nodes:
            raise DocumentError(
                "an alias refers to the value that contains it (anchored here)", _line(node)
            )
        open_nodes.add(key)
        nodes[key] = node
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_EXPANSION:
        repeated = max((key for key in uses if uses[key] > 1), key=lambda key: size[key])
        raise DocumentError(
            f"aliases repeat the value anchored here until the document holds "
            f"{size[id(root)]:,} values, more than {MAX_ALIAS_EXPANSION:,} over what is written; "
            "write the values out, or use fewer aliases",
            _line(nodes[repeated]),
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


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
