"""Prompt templates, the sandbox they render in, and neutralising story text."""

from __future__ import annotations

from localize.prompting._neutralise import find_markers, neutralise, template_tags
from localize.prompting._origin import ORIGIN_HEADER, RequestOrigin
from localize.prompting._sandbox import (
    MAX_OUTPUT_CHARS,
    MAX_RANGE_TOTAL,
    MAX_RENDER_SECONDS,
    BoundedSandbox,
    file_loading_tag,
    join_bounded,
    render_budget,
)
from localize.prompting._templates import (
    AnswerFormat,
    PromptTemplate,
    list_templates,
    load_template,
)

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RANGE_TOTAL",
    "MAX_RENDER_SECONDS",
    "ORIGIN_HEADER",
    "AnswerFormat",
    "BoundedSandbox",
    "PromptTemplate",
    "RequestOrigin",
    "file_loading_tag",
    "find_markers",
    "join_bounded",
    "list_templates",
    "load_template",
    "neutralise",
    "render_budget",
    "template_tags",
]
