"""localize: grounded regional editions of news stories.

>>> import localize
>>> result = localize.localize(localize.load_story("story.md"), "uk")
>>> print(result.section.body)
"""

from localize._version import __version__
from localize.atomic import write_atomic
from localize.audit import AuditLog, AuditWarning, LogEntry, LogQuery
from localize.batch import BatchSummary, JobResult, RateGate, ResultsFile, localize_many
from localize.budget import TokenCount, count_messages, count_text
from localize.cache import DiskCache
from localize.checks import CheckReport, Finding, check
from localize.config import Settings
from localize.errors import (
    BackendError,
    BudgetError,
    ChecksFailedError,
    ConfigError,
    EndpointAuthError,
    EndpointUnreachableError,
    GenerationError,
    InputError,
    LocalizeError,
    LocalModelError,
    OutputError,
    ProfileError,
    RegionNotFoundError,
    StoryError,
    TemplateError,
)
from localize.events import AttemptStarted, RetryWait, observe
from localize.llm import Completion, LLMClient, Usage
from localize.local import LocalServer
from localize.pipeline import (
    LocalizeResult,
    PreparedPrompt,
    Provenance,
    agenerate,
    alocalize,
    connect,
    generate,
    localize,
    prepare,
)
from localize.prompts import PromptTemplate, list_templates, load_template
from localize.regions import (
    Institution,
    Law,
    RegionProfile,
    builtin_regions,
    get_region,
    load_profile,
    load_profiles,
)
from localize.render import render
from localize.section import LocalizedSection
from localize.story import STORY_SUFFIXES, Story, load_story, parse_html_story, parse_story

__all__ = [
    "STORY_SUFFIXES",
    "AttemptStarted",
    "AuditLog",
    "AuditWarning",
    "BackendError",
    "BatchSummary",
    "BudgetError",
    "CheckReport",
    "ChecksFailedError",
    "Completion",
    "ConfigError",
    "DiskCache",
    "EndpointAuthError",
    "EndpointUnreachableError",
    "Finding",
    "GenerationError",
    "InputError",
    "Institution",
    "JobResult",
    "LLMClient",
    "Law",
    "LocalModelError",
    "LocalServer",
    "LocalizeError",
    "LocalizeResult",
    "LocalizedSection",
    "LogEntry",
    "LogQuery",
    "OutputError",
    "PreparedPrompt",
    "ProfileError",
    "PromptTemplate",
    "Provenance",
    "RateGate",
    "RegionNotFoundError",
    "RegionProfile",
    "ResultsFile",
    "RetryWait",
    "Settings",
    "Story",
    "StoryError",
    "TemplateError",
    "TokenCount",
    "Usage",
    "__version__",
    "agenerate",
    "alocalize",
    "builtin_regions",
    "check",
    "connect",
    "count_messages",
    "count_text",
    "generate",
    "get_region",
    "list_templates",
    "load_profile",
    "load_profiles",
    "load_story",
    "load_template",
    "localize",
    "localize_many",
    "observe",
    "parse_html_story",
    "parse_story",
    "prepare",
    "render",
    "write_atomic",
]
