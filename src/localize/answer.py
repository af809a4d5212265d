"""A model's answer read as a section: JSON with a "body", or prose (in text mode).

`parse_section` is the one reader, for the attempt loop and for Batch API output alike; a
ValueError says what is wrong, and is sent back to the model in a re-ask.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from localize import _strict_json as strict_json
from localize.prompting import AnswerFormat
from localize.section import SectionOutput
from localize.text import split_sentences

__all__ = ["parse_section", "salvage", "salvage_json"]

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
# A whole answer inside one code fence (```text ... ```).
_FENCED = re.compile(r"\A```[\w-]*[ \t]*\n(.*?)\n?```\Z", re.DOTALL)
# Lines a model puts above prose: a Markdown heading, a bold or underlined title, a bare tag
# echoing the prompt's delimiters (<section>, <story>).
_TITLE_LINE = re.compile(r"\A(#{1,6}\s.*|\*\*[^*]+\*\*:?|__[^_]+__:?|</?[A-Za-z_]+>)\Z")
# A label before the text on its first line ("Section: ...").
_LABEL = re.compile(r"\A(?:section|body|answer|text)\s*:\s*", re.IGNORECASE)
_PREAMBLE_MAX_WORDS = 12


def parse_section(
    content: str, answer: AnswerFormat = "json", heading: str | None = None
) -> SectionOutput:
    """Parse a model answer into `SectionOutput`; ValueError says what is wrong with it.

    A ``"text"`` answer is the section as prose: a code fence around it, title lines above it
    (Markdown, bold, or the section ``heading``), a one-line preamble ending in a colon and a
    label such as "Section:" are dropped; a JSON object with "body" is taken as JSON. Inline
    markers such as ``[3]`` are left in place.
    """
    if answer == "text":
        return _parse_prose(content, heading)
    return _parse_json(content)


def _parse_prose(content: str, heading: str | None) -> SectionOutput:
    text = content.strip()
    if (fenced := _FENCED.match(text)) is not None:
        text = fenced.group(1).strip()
    if text.startswith("{"):
        return _parse_json(text)  # asked for prose, a model may still answer in JSON
    lines = text.splitlines()
    while lines and (not lines[0].strip() or _is_title(lines[0], heading)):
        lines.pop(0)
    rest = [line for line in lines[1:] if line.strip()]
    if rest and lines[0].rstrip().endswith(":") and len(lines[0].split()) <= _PREAMBLE_MAX_WORDS:
        lines.pop(0)  # "Here is the section:"
    body = _LABEL.sub("", "\n".join(lines).strip(), count=1).strip()
    if not body:
        raise ValueError("the answer is empty")
    return _validated({"body": body})


def _is_title(line: str, heading: str | None) -> bool:
    bare = line.strip()
    if _TITLE_LINE.match(bare):
        return True
    bare = bare.strip("#*_ ").rstrip(":").strip()
    return heading is not None and bare.casefold() == heading.strip().casefold()


def _parse_json(content: str) -> SectionOutput:
    text = content.strip()
    # strict_json: an answer nested thousands deep, or holding 1e400, is a bad answer (re-asked),
    # never a RecursionError or an Infinity in the output.
    try:
        data = strict_json.loads(text)
    except strict_json.JSONProblem as first:
        if first.line is None:  # parsed, but refused: deep nesting, a huge number
            raise ValueError(f"the answer is not valid JSON: {first.detail}") from None
        # Plain-text mode: models often wrap the object in prose or a code fence.
        found = _JSON_OBJECT.search(text)
        if not found:
            raise ValueError("the answer is not a JSON object") from None
        try:
            data = strict_json.loads(found.group(0))
        except strict_json.JSONProblem as exc:
            raise ValueError(f"the answer is not valid JSON: {exc.detail}") from None
    if not isinstance(data, dict):
        raise ValueError('the answer must be a JSON object with the key "body"')
    out = _validated(data)
    if not out.body.strip():
        raise ValueError('"body" is empty')
    return out


def _validated(data: dict[str, object]) -> SectionOutput:
    """The section an answer's fields make, or a one-line ValueError saying what is wrong with
    them (a prose answer of citation markers only, "[1]", has no body left either)."""
    try:
        return SectionOutput.model_validate(data)
    except ValidationError as exc:
        raise ValueError(
            "; ".join(
                f"'{'.'.join(map(str, e['loc'])) or 'answer'}' {e['msg'].lower()}"
                for e in exc.errors()
            )
        ) from None


def salvage(content: str, answer: AnswerFormat) -> str:
    """The complete sentences of an answer cut off at the length limit ("" if none): prose cut
    after its last whole sentence, JSON after its last whole sentence object."""
    return _salvage_prose(content) if answer == "text" else salvage_json(content)


# The end of a complete sentence in a cut-off answer: terminal punctuation, closing quotes or
# brackets, then any citation markers ("... businesses. [3]").
_COMPLETE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)]*(?:\s*\[[^\[\]\n]{1,24}\])*\Z")
_LEADING_MARKERS = re.compile(r"(?:\s*\[[^\[\]\n]{1,24}\])+")


def _salvage_prose(content: str) -> str:
    """The complete sentences of an answer cut off at the length limit ("" if none).

    The last sentence is dropped unless it ends as a sentence does; the citation markers that
    follow the last kept sentence stay with it.
    """
    sentences = split_sentences(content)
    while sentences and not _COMPLETE_END.search(sentences[-1].text):
        sentences.pop()
    if not sentences:
        return ""
    end = sentences[-1].end
    if (markers := _LEADING_MARKERS.match(content, end)) is not None:
        end = markers.end()
    return content[:end].strip()


# The most cut points tried, last first, when salvaging a cut-off JSON answer.
_SALVAGE_TRIES = 8
_CLOSERS = {"[": "]", "{": "}"}


def salvage_json(content: str) -> str:
    """The complete sentence objects of a JSON answer cut off at the length limit ("" if none).

    The answer is cut after the last object that closed inside an array (a whole sentence with
    its sources) and its open brackets are closed; what parses as a section is kept.
    """
    cuts: list[tuple[int, str]] = []
    stack: list[str] = []
    in_string = escaped = False
    for i, ch in enumerate(content):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in _CLOSERS:
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
            if ch == "}" and stack and stack[-1] == "[":
                cuts.append((i + 1, "".join(_CLOSERS[b] for b in reversed(stack))))
    for end, closers in reversed(cuts[-_SALVAGE_TRIES:]):
        candidate = content[:end] + closers
        try:
            _parse_json(candidate)
        except ValueError:
            continue
        return candidate
    return ""
