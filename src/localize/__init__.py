"""localize: grounded regional editions of news stories.

>>> from pathlib import Path
>>> import localize
>>> result = localize.localize(Path("story.md"), "uk")
>>> print(result.section.body)

A story argument is a `Story`, a ``Path`` to a story file, or the story text (`as_story`); a
region argument is a region id, a profile file or a `RegionProfile` (`get_region`). Every
error is a `LocalizeError`.
"""

from localize._atomic import write_atomic
from localize._checking import check
from localize._types import ChatMessage, StructuredMode
from localize._version import __version__
from localize.audit import AuditLog, AuditWarning, LogEntry, LogQuery
from localize.backends import (
    Completion,
    DiskCache,
    LLMClient,
    LocalServer,
    RequestGate,
    ResponseCache,
    Spend,
    Usage,
)
from localize.batch import (
    BatchStory,
    BatchSummary,
    JobResult,
    RateGate,
    ResultsFile,
    StoryInput,
    alocalize_many,
    collect_results,
    export_batch,
    run_batch,
)
from localize.budget import TokenCount, count_messages, count_text
from localize.config import Settings
from localize.errors import (
    BackendError,
    BatchNotFinishedError,
    BudgetError,
    CassetteError,
    CassetteMismatchError,
    ChecksFailedError,
    ConfigError,
    ContentFilterError,
    DemoModelWarning,
    EndpointAuthError,
    EndpointUnreachableError,
    GenerationError,
    InputError,
    InvalidResponseError,
    LocalizeError,
    LocalizeWarning,
    LocalModelError,
    OutputError,
    ProfileError,
    RefusalError,
    RegionNotFoundError,
    StoryError,
    TemplateError,
)
from localize.events import AttemptStarted, RetryWait, observe
from localize.grounding import CheckContext, CheckReport, Finding, register_check
from localize.pipeline import (
    PreparedPrompt,
    agenerate,
    alocalize,
    connect,
    generate,
    localize,
    prepare,
)
from localize.prompting import PromptTemplate, list_templates, load_template
from localize.regions import (
    Institution,
    Law,
    RegionLike,
    RegionProfile,
    builtin_regions,
    get_region,
    list_regions,
    load_profile,
    load_profiles,
)
from localize.render import OutputFormat, render, render_prompt
from localize.result import LocalizeResult, Provenance
from localize.section import LocalizedSection
from localize.story import (
    STORY_FORMATS,
    STORY_SUFFIXES,
    Story,
    StoryLike,
    as_story,
    load_story,
    parse_document,
    parse_html_story,
    parse_story,
)

__all__ = [
    "STORY_FORMATS",
    "STORY_SUFFIXES",
    "AttemptStarted",
    "AuditLog",
    "AuditWarning",
    "BackendError",
    "BatchNotFinishedError",
    "BatchStory",
    "BatchSummary",
    "BudgetError",
    "CassetteError",
    "CassetteMismatchError",
    "ChatMessage",
    "CheckContext",
    "CheckReport",
    "ChecksFailedError",
    "Completion",
    "ConfigError",
    "ContentFilterError",
    "DemoModelWarning",
    "DiskCache",
    "EndpointAuthError",
    "EndpointUnreachableError",
    "Finding",
    "GenerationError",
    "InputError",
    "Institution",
    "InvalidResponseError",
    "JobResult",
    "LLMClient",
    "Law",
    "LocalModelError",
    "LocalServer",
    "LocalizeError",
    "LocalizeResult",
    "LocalizeWarning",
    "LocalizedSection",
    "LogEntry",
    "LogQuery",
    "OutputError",
    "OutputFormat",
    "PreparedPrompt",
    "ProfileError",
    "PromptTemplate",
    "Provenance",
    "RateGate",
    "RefusalError",
    "RegionLike",
    "RegionNotFoundError",
    "RegionProfile",
    "RequestGate",
    "ResponseCache",
    "ResultsFile",
    "RetryWait",
    "Settings",
    "Spend",
    "Story",
    "StoryError",
    "StoryInput",
    "StoryLike",
    "StructuredMode",
    "TemplateError",
    "TokenCount",
    "Usage",
    "__version__",
    "agenerate",
    "alocalize",
    "alocalize_many",
    "as_story",
    "builtin_regions",
    "check",
    "collect_results",
    "connect",
    "count_messages",
    "count_text",
    "export_batch",
    "generate",
    "get_region",
    "list_regions",
    "list_templates",
    "load_profile",
    "load_profiles",
    "load_story",
    "load_template",
    "localize",
    "observe",
    "parse_document",
    "parse_html_story",
    "parse_story",
    "prepare",
    "register_check",
    "render",
    "render_prompt",
    "run_batch",
    "write_atomic",
]
