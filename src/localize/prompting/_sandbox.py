"""The Jinja2 sandbox prompt templates run in: no other files, and bounded work.

Jinja's own sandbox stops attribute escapes; this one also refuses what a template could use to
hang or exhaust the process: file loading (``include``, ``extends``, ``import``, refused when the
template is parsed), huge repetitions (``'x' * 10**9``, ``2 ** 10**9``), huge size arguments
(``center(10**9)``, ``ljust``), more than `MAX_RANGE_TOTAL` ``range`` items in one render,
output past `MAX_OUTPUT_CHARS`, and a render running past `MAX_RENDER_SECONDS`. Intermediate
values are capped at `MAX_OUTPUT_CHARS` too, where they are built: a ``~`` or ``+`` of strings,
a value stored in a ``namespace``, a call's string arguments, and a ``replace`` or ``indent``
whose result would be too large (measured before it is built). Doubling a namespace string in a
loop stops at the cap, not at a gigabyte.
Every refusal is a ``jinja2.sandbox.SecurityError``; `prompts` turns it into a `TemplateError`.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RANGE_TOTAL",
    "MAX_RENDER_SECONDS",
    "BoundedSandbox",
    "file_loading_tag",
    "join_bounded",
    "render_budget",
]

# Far past any model's window (about 8M tokens), yet a bounded amount of memory.
MAX_OUTPUT_CHARS = 32_000_000
MAX_RANGE_TOTAL = 1_000_000
MAX_RENDER_SECONDS = 5.0
# The largest number a call or filter may take: sizes, widths, counts.
_MAX_ARGUMENT = 100_000
_MAX_POWER_BITS = 4096
# A number of six or more digits in a format string: a width or precision that could allocate
# gigabytes ("{:>1000000000}", "%1000000000d").
_HUGE_FORMAT_NUMBER = re.compile(r"\d{6,}")

_FILE_LOADING = {
    nodes.Include: "include",
    nodes.Extends: "extends",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
}


class _Budget:
    """What one render may still spend."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS
        self.range_items = MAX_RANGE_TOTAL

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"the template took longer than {MAX_RENDER_SECONDS:g} s to render")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "localize_template_budget", default=None
)


def _tick() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.tick()


def _size(value: object) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_ARGUMENT:
            raise SecurityError(f"the number {value} is too large for a template (limit 100000)")


def _check_format(template: object) -> None:
    if isinstance(template, str) and _HUGE_FORMAT_NUMBER.search(template):
        raise SecurityError("a format string with a width or precision that large is refused")


def _check_result(value: object) -> object:
    size = _size(value)
    if size is not None and size > MAX_OUTPUT_CHARS:
        raise SecurityError(f"a template value grew to {size} items (limit {MAX_OUTPUT_CHARS})")
    return value


def _too_large(size: int) -> SecurityError:
    return SecurityError(
        f"a template value would grow to {size} characters (limit {MAX_OUTPUT_CHARS})"
    )


def _check_growth(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a ``replace`` or ``indent`` whose result would pass the cap, before it is built."""
    if not args or not isinstance(args[0], str):
        return
    text = args[0]
    if name in ("do_replace", "replace") and len(args) >= 3:
        old, new = str(args[1]), str(args[2])
        if len(new) > len(old):
            count = text.count(old) if old else len(text) + 1
            size = len(text) + count * (len(new) - len(old))
            if size > MAX_OUTPUT_CHARS:
                raise _too_large(size)
    elif name == "do_indent":
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else int(width)
        size = len(text) + width * (text.count("\n") + 1)
        if size > MAX_OUTPUT_CHARS:
            raise _too_large(size)


def _check_strings(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        size = _size(value)
        if size is not None and size > MAX_OUTPUT_CHARS:
            raise _too_large(size)


def _bounded_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)  # keeps Jinja's pass_context / pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        _check_arguments(args[1:], kwargs)
        if f.__name__ == "do_format" and args:
            _check_format(args[0])
        # A pass_context / pass_eval_context filter gets the context first: skip it.
        values = args[1:] if args and not isinstance(args[0], str | bytes | list | tuple) else args
        _check_growth(f.__name__, values, kwargs)
        return _check_result(f(*args, **kwargs))

    return bounded


class _BoundedNamespace(Namespace):
    """``namespace()``: the one place a template keeps a value across loop iterations."""

    def __setitem__(self, name: str, value: Any) -> None:
        _tick()
        _check_result(value)
        super().__setitem__(name, value)


class _CodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that measures its parts before joining them."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            super().visit_Concat(node, frame)  # Markup joins: the prompts never autoescape
            return
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _bounded_range(*args: int) -> range:
    _tick()
    r = range(*args)
    budget = _budget.get()
    if budget is not None:
        budget.range_items -= len(r)
        if budget.range_items < 0:
            raise SecurityError(
                f"the template asks for more than {MAX_RANGE_TOTAL} range items in one render"
            )
    if len(r) > _MAX_ARGUMENT:
        raise SecurityError(f"range of {len(r)} items is too large (limit {_MAX_ARGUMENT})")
    return r


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose templates cannot load files or run without limit."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _CodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals["range"] = _bounded_range
        self.globals["namespace"] = _BoundedNamespace
        self.globals.pop("lipsum", None)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A data field of a record (a dataclass or pydantic model: a sentence, a profile) is
        # read directly. Jinja's checks would pass it anyway (no leading underscore, and a
        # record is no function, frame or type), but they cost more than the rest of a render.
        kind = type(obj)
        if attribute in _record_fields(kind):
            return getattr(obj, attribute)
        if _SAFE.get((kind, attribute)):
            # Seen before and judged safe: Jinja's verdict (`is_safe_attribute`) rests on the
            # object's type and the name alone, so only the value's own test is left to run.
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            return self.wrap_str_format(value) or value
        value = super().getattr(obj, attribute)
        if len(_SAFE) < _MAX_SAFE and hasattr(obj, attribute):
            _SAFE[kind, attribute] = self.is_safe_attribute(obj, attribute, None)
        return value

    def bounded_concat(self, values: tuple[Any, ...]) -> str:
        """``a ~ b ~ c``: refused before joining when the result would pass the cap."""
        _tick()
        parts = [str(v) for v in values]
        size = sum(map(len, parts))
        if size > MAX_OUTPUT_CHARS:
            raise _too_large(size)
        return "".join(parts)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        _tick()
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and abs(left) > 1
            and left.bit_length() * right > _MAX_POWER_BITS
        ):
            raise SecurityError(f"{left} ** {right} is too large for a template")
        if operator == "%":
            _check_format(left)
        if operator == "+":
            a, b = _size(left), _size(right)
            if a is not None and b is not None and a + b > MAX_OUTPUT_CHARS:
                raise _too_large(a + b)
        if operator == "*":
            sizes = (_size(left), _size(right))
            counts = (right, left)
            for size, count in zip(sizes, counts, strict=True):
                if size is not None and isinstance(count, int) and size * count > MAX_OUTPUT_CHARS:
                    raise SecurityError(f"repeating {size} items {count} times is too large")
        return super().call_binop(context, operator, left, right)

    def call(
        __self,
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _tick()
        _check_arguments(args, kwargs)
        _check_strings(args, kwargs)
        if getattr(__obj, "__name__", None) == "replace":
            method = getattr(__obj, "__wrapped__", __obj)
            _check_growth("replace", (getattr(method, "__self__", None), *args), kwargs)
        if getattr(__obj, "__name__", None) in ("format", "format_map"):
            # Jinja wraps str.format; the string it formats is the wrapped method's __self__.
            method = getattr(__obj, "__wrapped__", __obj)
            _check_format(getattr(method, "__self__", None))
        return _check_result(super().call(__context, __obj, *args, **kwargs))


_FIELDS: dict[type, frozenset[str]] = {}
# (type, attribute name) -> Jinja's verdict on reading it: `getattr` asks once per pair. A loop's
# ``loop.first`` and a profile's properties are read for every sentence and entry of a prompt,
# and the verdict costs more than the read. Bounded: a template names few attributes.
_SAFE: dict[tuple[type, str], bool] = {}
_MAX_SAFE = 4096


def _record_fields(kind: type) -> frozenset[str]:
    """The public data fields of a dataclass or pydantic model type (none for anything else)."""
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = _find_fields(kind)
    return found


def _find_fields(kind: type) -> frozenset[str]:
    if dataclasses.is_dataclass(kind):
        names: Iterable[str] = (f.name for f in dataclasses.fields(kind))
    else:
        model_fields = getattr(kind, "model_fields", None)
        names = model_fields if isinstance(model_fields, dict) else ()
    return frozenset(n for n in names if not n.startswith("_"))


def file_loading_tag(template: nodes.Template) -> tuple[str, int] | None:
    """The first ``include``/``extends``/``import`` tag in a parsed template, and its line."""
    found = [
        (node.lineno, name)
        for kind, name in _FILE_LOADING.items()
        for node in template.find_all(kind)
    ]
    return (min(found)[1], min(found)[0]) if found else None


@contextmanager
def render_budget() -> Iterator[None]:
    """Limit the renders inside the block (time, range items) as one render."""
    token = _budget.set(_Budget())
    try:
        yield
    finally:
        _budget.reset(token)


# The clock is read once per this many output chunks: a prompt is thousands of small chunks, and
# a template that loops long enough to matter yields far more than this between two readings.
_TICK_EVERY = 64


def join_bounded(chunks: Iterator[str]) -> str:
    """Join a render's output, refusing it once it passes `MAX_OUTPUT_CHARS`."""
    out: list[str] = []
    total = 0
    for n, chunk in enumerate(chunks):
        total += len(chunk)
        if total > MAX_OUTPUT_CHARS:
            raise SecurityError(f"the rendered prompt passed {MAX_OUTPUT_CHARS} characters")
        out.append(chunk)
        if not n % _TICK_EVERY:
            _tick()
    return "".join(out)
