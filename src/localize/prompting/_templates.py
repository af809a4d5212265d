"""Prompt templates: YAML front matter plus a sandboxed Jinja2 body.

A template file defines ``{% block system %}`` and ``{% block user %}`` (and optionally
``{% block reask %}``, rendered with ``problems`` when an answer is sent back). Every block also
gets ``answer``: "json" when the answer is a JSON object, "text" when it is the section as plain
prose (see `localize.pipeline.answer_format`). Each block is
rendered on its own, so story text is only ever data: it cannot open a new message or run as
template source. Every value a template prints is neutralised first
(`localize.prompting._neutralise`): a
``</story>`` or ``<|im_start|>`` inside a story or profile cannot close its block or forge a turn.
Templates run in `localize.prompting._sandbox`: no file loading, bounded work; whatever goes wrong
while
loading or rendering one is a `TemplateError`, raised before any request is sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from jinja2 import meta
from jinja2.exceptions import SecurityError

from localize._reading import read_limited
from localize._types import ChatMessage
from localize.errors import TemplateError
from localize.prompting._neutralise import find_markers, neutralise, template_tags
from localize.prompting._sandbox import (
    BoundedSandbox,
    file_loading_tag,
    join_bounded,
    render_budget,
)
from localize.regions import select_entries
from localize.text._sentences import story_paragraph_sentences

__all__ = ["AnswerFormat", "PromptTemplate", "list_templates", "load_template"]

AnswerFormat = Literal["json", "text"]

DEFAULT_TEMPLATE = "section"
_SUFFIX = ".jinja"
# Variables the pipeline supplies itself at re-ask time, not the caller.
_RUNTIME_VARIABLES = frozenset({"problems", "answer"})
_REASK_FALLBACK = "Your previous answer cannot be published as it is.\n{problems}\n{again}"
_AGAIN: dict[AnswerFormat, str] = {
    "json": 'Write the whole section again, as a JSON object with the key "body".',
    "text": "Write the whole section again, as the section text only.",
}

_env = BoundedSandbox(
    undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False
)
# `story | numbered_sentences`: the story's blocks (headline first) as numbered sentences, the
# numbering a model cites and the checks verify.
# Remembered per story: a batch renders each story once for every one of its regions (the
# sentences are frozen records, so the regions share them).
_env.filters["numbered_sentences"] = lru_cache(maxsize=16)(story_paragraph_sentences)
# `region | relevant(story)`: the beats the story is on and the profile entries that fit it
# (`localize.regions.select_entries`), so a prompt carries the relevant part of a large profile.
_env.filters["relevant"] = lambda region, story: select_entries(story.text, region)


@dataclass(frozen=True)
class PromptTemplate:
    """A loaded template: metadata from the front matter and the compiled body."""

    name: str
    version: str
    source: str
    sha256: str
    body: str
    description: str = ""
    inputs: tuple[str, ...] = ("story", "region")
    defaults: dict[str, Any] = field(default_factory=dict)
    # The length check's bounds: ``words: {min, max}`` in the front matter; None checks nothing.
    min_words: int | None = None
    max_words: int | None = None
    text: str = field(default="", repr=False)  # the whole file, as hashed
    _line_offset: int = 0

    @classmethod
    def from_string(cls, text: str, *, source: str = "<string>") -> PromptTemplate:
        """Parse a template file's text: ``---`` front matter, then the Jinja2 body."""
        front: dict[str, Any] = {}
        body, offset = text, 0
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end < 0:
                raise TemplateError("front matter has no closing '---' line", template=source)
            try:
                loaded = yaml.safe_load(text[4:end])
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise TemplateError(
                    f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}",
                    template=source,
                    line=mark.line + 2 if mark is not None else None,  # +1 for the '---' line
                ) from None
            if not isinstance(loaded, dict):
                raise TemplateError("front matter must be a mapping", template=source)
            front = loaded
            body = text[end + 5 :]
            offset = text[: end + 5].count("\n")
        unknown = set(front) - {"name", "version", "description", "inputs", "defaults", "words"}
        if unknown:
            raise TemplateError(
                f"unknown front matter key(s): {', '.join(sorted(unknown))}", template=source
            )
        words = front.get("words") or {}
        defaults = front.get("defaults") or {}
        inputs = front.get("inputs") or ("story", "region")
        if not isinstance(words, dict) or not isinstance(defaults, dict):
            raise TemplateError(
                "front matter 'words' and 'defaults' must be mappings", template=source
            )
        if not isinstance(inputs, list | tuple) or not all(isinstance(i, str) for i in inputs):
            raise TemplateError("front matter 'inputs' must be a list of names", template=source)
        template = cls(
            name=str(front.get("name") or Path(source).stem),
            version=str(front.get("version", "0")),
            source=source,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            body=body,
            description=str(front.get("description", "")),
            inputs=tuple(inputs),
            defaults=_generation_defaults(defaults, source),
            min_words=_word_bound(words, "min", source),
            max_words=_word_bound(words, "max", source),
            text=text,
            _line_offset=offset,
        )
        template._compiled()  # fail on syntax errors at load time, not mid-run
        return template

    def _compiled(self) -> jinja2.Template:
        try:
            return _compile(self.body, self.source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"syntax error: {exc.message}",
                template=self.source,
                line=(exc.lineno or 0) + self._line_offset,
            ) from None
        except _FileLoadingError as exc:
            raise TemplateError(
                f"{{% {exc.tag} %}} is not allowed: a template is one file, it loads no others",
                template=self.source,
                line=exc.line + self._line_offset,
            ) from None
        except RecursionError:
            raise TemplateError("nested too deeply to parse", template=self.source) from None

    def _render_block(self, block: str, variables: dict[str, Any]) -> str:
        compiled = self._compiled()
        try:
            with render_budget():
                render = compiled.blocks[block]
                return join_bounded(render(compiled.new_context(variables))).strip()
        except jinja2.UndefinedError as exc:
            line = _template_line(compiled, exc)
            raise TemplateError(
                f"undefined value while rendering: {exc.message}",
                template=self.source,
                line=None if line is None else line + self._line_offset,
            ) from None
        except SecurityError as exc:
            raise TemplateError(f"refused by the sandbox: {exc}", template=self.source) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"render failed: {exc}", template=self.source) from None
        except Exception as exc:  # a template is code: what it raises is its own error
            raise TemplateError(
                f"render failed: {type(exc).__name__}: {exc}", template=self.source
            ) from None

    def render(self, *, answer: AnswerFormat = "json", **variables: Any) -> list[ChatMessage]:
        """Render the system and user messages; every missing variable is named at once."""
        needed = (_undeclared(self.body) | set(self.inputs)) - _RUNTIME_VARIABLES
        missing = sorted(needed - set(variables))
        if missing:
            raise TemplateError(
                f"missing variable(s): {', '.join(missing)}", template=self.source, missing=missing
            )
        blocks = self._compiled().blocks
        if "user" not in blocks:
            raise TemplateError("defines no {% block user %}", template=self.source)
        variables = {**variables, "answer": answer}
        messages: list[ChatMessage] = []
        if "system" in blocks:
            messages.append({"role": "system", "content": self._render_block("system", variables)})
        messages.append({"role": "user", "content": self._render_block("user", variables)})
        return messages

    def markers_in(self, *texts: str) -> list[str]:
        """The delimiters and control tokens rendering would neutralise in these texts."""
        tags = template_tags(self.body)
        return [m for text in texts for m in find_markers(text, tags)]

    def render_reask(self, problems: str, *, answer: AnswerFormat = "json") -> str:
        """The user message that sends an answer back with what was wrong with it."""
        if "reask" in self._compiled().blocks:
            return self._render_block("reask", {"problems": problems, "answer": answer})
        return _REASK_FALLBACK.format(problems=neutralise(problems), again=_AGAIN[answer])


class _FileLoadingError(Exception):
    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line


# The generation parameters localize itself reads or that every endpoint types the same way:
# (kind, low, high). Others (top_k, repeat_penalty...) go to the endpoint as written.
_NUMBER, _WHOLE = "a number", "a whole number"
_DEFAULT_TYPES: dict[str, tuple[str, float | None, float | None]] = {
    "max_tokens": (_WHOLE, 1, 1_000_000),
    "temperature": (_NUMBER, 0, 2),
    "top_p": (_NUMBER, 0, 1),
    "seed": (_WHOLE, None, None),
    "presence_penalty": (_NUMBER, -2, 2),
    "frequency_penalty": (_NUMBER, -2, 2),
}


def _generation_defaults(defaults: dict[str, Any], source: str) -> dict[str, Any]:
    """The front matter's ``defaults``, each known parameter of its type and range: a wrong one
    ended a dry run in a traceback (``max_tokens: abc``) or a run in the endpoint's HTTP 400."""
    for key, value in defaults.items():
        if key == "stop":
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list) or not all(isinstance(v, str) for v in stops):
                raise TemplateError(
                    "front matter 'defaults.stop' must be a string or a list of strings",
                    template=source,
                )
            continue
        if key not in _DEFAULT_TYPES:
            continue
        kind, low, high = _DEFAULT_TYPES[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not number
            or (kind == _WHOLE and not isinstance(value, int))
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            bounds = f" from {low:,} to {high:,}" if low is not None else ""
            raise TemplateError(
                f"front matter 'defaults.{key}' must be {kind}{bounds}, got {value!r}",
                template=source,
            )
    return dict(defaults)


def _word_bound(words: dict[str, Any], key: str, source: str) -> int | None:
    value = words.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TemplateError(f"front matter 'words.{key}' must be a whole number", template=source)
    return value


_compile_cache: dict[tuple[str, str], jinja2.Template] = {}


def _finalizer(tags: frozenset[str]) -> Any:
    # One story's sentences are printed again for each of its regions, and a profile's names for
    # each of its stories: each distinct value is neutralised once.
    @lru_cache(maxsize=8192)
    def neutralised(value: str) -> str:
        return neutralise(value, tags)

    def finalize(value: Any) -> str:
        return neutralised(value if isinstance(value, str) else str(value))

    return finalize


def _template_line(compiled: jinja2.Template, exc: BaseException) -> int | None:
    """The template line an error was raised on: the innermost frame of the template's compiled
    code ("<template>"), its Python line mapped back to the template's by jinja's debug info."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = compiled.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _compile(body: str, source: str) -> jinja2.Template:
    key = (source, body)
    if key not in _compile_cache:
        parsed = _env.parse(body)
        found = file_loading_tag(parsed)
        if found is not None:
            raise _FileLoadingError(*found)
        # Each template neutralises its own delimiter tags in the values it prints.
        env = _env.overlay(finalize=_finalizer(template_tags(body)))
        _compile_cache[key] = env.from_string(parsed)
    return _compile_cache[key]


@lru_cache(maxsize=64)
def _undeclared(body: str) -> frozenset[str]:
    # Parsing costs milliseconds; a batch renders the same template thousands of times.
    return frozenset(meta.find_undeclared_variables(_env.parse(body)))


def _builtin_dirs() -> list[Path]:
    # Bundled data has one home: the package's own templates/ folder, in a wheel as in a checkout.
    return [Path(str(resources.files("localize.prompting"))) / "templates"]


def list_templates() -> dict[str, Path]:
    """Built-in template names and their files."""
    found: dict[str, Path] = {}
    for folder in reversed(_builtin_dirs()):
        found.update({p.stem: p for p in folder.glob(f"*{_SUFFIX}")})
    return dict(sorted(found.items()))


def load_template(
    template: str | Path | PromptTemplate | None = None, folder: str | Path | None = None
) -> PromptTemplate:
    """Load a template by name, by file path, or pass an object through.

    A name is looked up in ``folder`` first (the user templates folder: ``--templates DIR``,
    ``LOCALIZE_TEMPLATES``, ``templates`` in the config file), as ``NAME.jinja``, so a desk's
    own template of a built-in's name replaces it; then among the built-in templates.
    """
    if isinstance(template, PromptTemplate):
        return template
    if folder is not None and not Path(folder).is_dir():
        # A mistyped folder would pass silently: the built-in template of the name would run.
        raise TemplateError(
            "no such templates folder (--templates, LOCALIZE_TEMPLATES or the config file's "
            "templates)",
            template=str(folder),
        )
    name = str(template or DEFAULT_TEMPLATE)
    builtin = list_templates()
    own = Path(folder) / f"{name}.jinja" if folder is not None and "/" not in name else None
    path = own if own is not None and own.is_file() else builtin.get(name)
    if path is None:
        path = Path(name)
        if not path.exists():
            known = ", ".join(builtin) or "none"
            where = f"{folder} or " if folder is not None else ""
            raise TemplateError(
                f"no such template file, or template in {where}the built-in ones "
                f"(built-in: {known})",
                template=name,
            )
    raw = read_limited(
        path,
        _MAX_TEMPLATE_BYTES,
        lambda message: TemplateError(message, template=str(path)),
        what="template file",
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"cannot read: {exc}", template=str(path)) from None
    return _parse_file(text, str(path))


# A prompt template is a page or two; past this it is not one (and never a device or FIFO).
_MAX_TEMPLATE_BYTES = 1024 * 1024


@lru_cache(maxsize=64)
def _parse_file(text: str, source: str) -> PromptTemplate:
    # Keyed on the file's text, so an edited template is parsed again; a batch loads the same
    # template for every job, and YAML front matter costs about a millisecond.
    return PromptTemplate.from_string(text, source=source)
