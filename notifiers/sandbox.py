"""The sandbox uploaded templates render in, and what one render may spend.

Jinja's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` keeps a template
away from Python's internals; it does not keep it from spending. Two nested
``range(100000)`` loops are ten billion steps, ``"x" * 10**9`` is a gigabyte,
and Jinja folds constant expressions while compiling, so ``{{ 9**9**9 }}``
would hang before any render. Here every render of an uploaded template has a
budget:

- time: :data:`RENDER_SECONDS`, checked at every loop step and every call (a
  template that recurses through macros calls);
- size: no text or list it makes, and no part it renders, may pass
  :data:`MAX_CHARS`; no number may pass :data:`MAX_INT_BITS` bits;
- nothing is computed while compiling: the operators that can grow a value
  (``*``, ``**``, ``+``, ``%``) go through :meth:`BoundedSandbox.call_binop`,
  and the filters through a checking wrapper, neither of which Jinja folds.

Past its budget a render raises :class:`RenderLimit`, a ``SecurityError``, so
a template is refused for it like for reaching too far. Loops and ``~`` are
made to pass through the budget by the code they compile to (a code generator
that wraps each loop's iterable and each concatenation in a checking filter).
This bounds the common ways to spend; the hard limit is the process a render
runs in (``monitor.jobs`` kills it, and caps its memory).
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer

RENDER_SECONDS = 2.0
MAX_CHARS = 200_000  # in any text or list a template makes, and in each rendered part
MAX_INT_BITS = 1024
LOOP_FILTER = "_closewatch_budgeted_loop"
TEXT_FILTER = "_closewatch_budgeted_text"
# Widths and precisions in %-formats and {}-formats: "%9999999s", "{:>9999999}".
_PERCENT_WIDTHS = re.compile(r"%[-#0 +]*(\d+)?(?:\.(\d+))?")
_BRACE_WIDTHS = re.compile(r"\{[^{}]*:[^{}\d]*(\d+)?(?:\.(\d+))?[^{}]*\}")


class RenderLimit(SecurityError):
    """A render that went past its budget of time or size."""


# The deadline of the render under way, and the seconds it was given.
_budget: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "closewatch_render_budget", default=None
)


@contextmanager
def budget(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """Renders inside this block stop with RenderLimit once ``seconds`` have passed."""
    token = _budget.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def check_time() -> None:
    current = _budget.get()
    if current is not None and time.monotonic() > current[0]:
        raise RenderLimit(f"rendering took longer than the limit of {current[1]:g} s")


def check_size(value: Any) -> Any:
    """``value``, unless it is text, a list or a number past the limits."""
    if isinstance(value, str | list | tuple | dict | set | bytes) and len(value) > MAX_CHARS:
        raise RenderLimit(
            f"it makes a text or list of {len(value):,} items, over the limit of {MAX_CHARS:,}"
        )
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"it makes a number of over {MAX_INT_BITS} bits, the limit")
    return value


def render_within_budget(template: jinja2.Template, context: dict[str, Any]) -> str:
    """``template`` rendered, stopping once its output passes MAX_CHARS; call it inside
    :func:`budget`, which sets the time it may take."""
    size, pieces = 0, []
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_CHARS:
            raise RenderLimit(f"the output is longer than the limit of {MAX_CHARS:,} characters")
        pieces.append(piece)
    return "".join(pieces)


def _budgeted_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    check_time()
    for item in iterable:
        check_time()
        yield item


def _check_width(text: str) -> None:
    for pattern in (_PERCENT_WIDTHS, _BRACE_WIDTHS):
        for match in pattern.finditer(text):
            if any(group and int(group) > MAX_CHARS for group in match.groups()):
                raise RenderLimit(f"a format wider than {MAX_CHARS:,} characters")


def _check_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_CHARS:
            raise RenderLimit(f"the number {arg} is too large an argument (over {MAX_CHARS:,})")


def _product_size(left: Any, right: Any) -> int:
    """How many items ``left * right`` makes when one side is a sequence and the other a count."""
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, Sized) and isinstance(count, int) and not isinstance(count, str):
            return len(sequence) * max(count, 0)
    return 0


def _check_growth(name: str, subject: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse, before it runs, a filter or text method that would make far more than it was given."""
    text = subject if isinstance(subject, str) else str(subject)
    if name in ("format", "format_map"):
        _check_width(text)
    elif name == "replace" and args and isinstance(args[0], str) and len(args) > 1:
        times = text.count(args[0]) if args[0] else len(text) + 1
        _check_total(len(text) + times * len(str(args[1])), "replacing")
    elif name == "expandtabs":
        width = args[0] if args else kwargs.get("tabsize", 8)
        _check_total(len(text) + text.count("\t") * _number(width), "expanding tabs")
    elif name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        _check_total(
            len(text) + (text.count("\n") + 1) * len(str(width)) * _number(width), "indenting"
        )
    elif name == "join" and isinstance(subject, str) and args and isinstance(args[0], Sized):
        _check_total(len(subject) * len(args[0]), "joining")


def _check_total(size: int, what: str) -> None:
    if size > MAX_CHARS:
        raise RenderLimit(f"{what} makes over {MAX_CHARS:,} characters")


def _number(value: Any) -> int:
    return value if isinstance(value, int) else 1


def _bounded_filter(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``function``, checking its arguments and its result; never run while compiling."""
    passes = _PassArg.from_obj(function)

    @jinja2.pass_context
    def bounded(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
        check_time()
        _check_arguments([*args[1:], *kwargs.values()])
        if args:
            if name == "join":  # the list is the subject, the separator the argument
                separator = args[1] if len(args) > 1 else kwargs.get("d", "")
                if isinstance(args[0], Sized):
                    _check_total(len(str(separator)) * len(args[0]), "joining")
            else:
                _check_growth(name, args[0], args[1:], kwargs)
        if passes is _PassArg.context:
            return check_size(function(context, *args, **kwargs))
        if passes is _PassArg.eval_context:
            return check_size(function(context.eval_ctx, *args, **kwargs))
        if passes is _PassArg.environment:
            return check_size(function(context.environment, *args, **kwargs))
        return check_size(function(*args, **kwargs))

    return bounded


class _ThroughTheBudget(NodeTransformer):
    """Every loop's iterable and every ``~`` pass through a filter that checks the budget."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # Jinja's visitor names
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, LOOP_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, TEXT_FILTER, [], [], None, None, lineno=node.lineno)


class _BudgetedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        _ThroughTheBudget().visit(node)
        super().visit_Template(node, frame)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every render under :func:`budget`'s limits."""

    code_generator_class = _BudgetedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, filters: dict[str, Callable[..., Any]], **options: Any) -> None:
        super().__init__(**options)
        self.filters.update(filters)
        self.filters = {name: _bounded_filter(f, name) for name, f in self.filters.items()}
        self.filters[LOOP_FILTER] = _budgeted_loop
        self.filters[TEXT_FILTER] = _bounded_filter(str, TEXT_FILTER)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        check_time()
        _check_binop(operator, left, right)
        return check_size(super().call_binop(context, operator, left, right))

    def call(
        __self,  # Jinja's signature: keeps "self" free as a keyword argument
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        check_time()
        _check_arguments([*args, *kwargs.values()])
        # The sandbox hands out str.format wrapped; the wrapper keeps the method as __wrapped__.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str):
            _check_growth(getattr(__obj, "__name__", ""), owner, args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left operator right`` before it runs when its result would pass the limits."""
    too_big = False
    if operator == "*":
        too_big = _product_size(left, right) > MAX_CHARS or (
            _both_ints(left, right) and left.bit_length() + right.bit_length() > MAX_INT_BITS
        )
    elif operator == "**" and _both_ints(left, right) and right > 0 and abs(left) > 1:
        too_big = right * math.log2(abs(left)) > MAX_INT_BITS
    elif operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
        too_big = len(left) + len(right) > MAX_CHARS
    elif operator == "%" and isinstance(left, str):
        _check_width(left)
    if too_big:
        raise RenderLimit(f"{left!r:.20} {operator} {right!r:.20} makes too large a value")


def _both_ints(left: Any, right: Any) -> bool:
    return all(isinstance(side, int) and not isinstance(side, bool) for side in (left, right))
