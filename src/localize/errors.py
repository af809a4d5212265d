"""The error hierarchy: every failure localize raises is a `LocalizeError`.

Each subclass carries the structured facts a caller needs (a path, a field, an HTTP status) and an
``exit_code`` the CLI uses: 1 for a run that wrote no section, 2 for a bad input or option, 3 for
an LLM endpoint that failed, 4 for a section written but flagged (check errors left). 0 is a
section that passed; 130 a command interrupted by Ctrl-C, 143 one stopped by SIGTERM.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localize.backends._usage import Spend, Usage
    from localize.result import LocalizeResult

__all__ = [
    "BackendError",
    "BatchNotFinishedError",
    "BudgetError",
    "CassetteError",
    "CassetteMismatchError",
    "ChecksFailedError",
    "ConfigError",
    "ContentFilterError",
    "DemoModelWarning",
    "EndpointAuthError",
    "EndpointUnreachableError",
    "GenerationError",
    "InputError",
    "InvalidResponseError",
    "LocalModelError",
    "LocalizeError",
    "LocalizeWarning",
    "OutputError",
    "ProfileError",
    "RefusalError",
    "RegionNotFoundError",
    "StoryError",
    "StoryTooLargeError",
    "TemplateError",
]


class LocalizeError(Exception):
    """Root of every error localize raises."""

    exit_code: int = 1


class InputError(LocalizeError):
    """A user-supplied input (file, option, profile, template) is unusable."""

    exit_code = 2


class StoryError(InputError):
    """A story could not be read or holds no text."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class StoryTooLargeError(StoryError):
    """A story is over the maximum story size (``limit`` bytes, see ``MAX_STORY_BYTES``)."""

    def __init__(self, message: str, *, limit: int, path: str | None = None) -> None:
        self.limit = limit
        super().__init__(message, path=path)


class ProfileError(InputError):
    """A region profile file is malformed; names the file, the line and the field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.field = field
        self.line = line
        # FILE:LINE: as compilers write it, so editors and CI logs can jump to the line.
        place = f"{path}:{line}" if path and line is not None else path
        where = ": ".join(p for p in (place, f"field '{field}'" if field else None) if p)
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class RegionNotFoundError(InputError):
    """No profile has the requested region id."""

    def __init__(self, region: str, available: list[str], suggestion: str | None) -> None:
        self.region = region
        self.available = available
        self.suggestion = suggestion
        hint = f" Did you mean '{suggestion}'?" if suggestion else ""
        super().__init__(
            f"unknown region '{region}'.{hint} Available regions: {', '.join(available)}"
        )


class TemplateError(InputError):
    """A prompt template cannot be loaded or rendered."""

    def __init__(
        self,
        message: str,
        *,
        template: str | None = None,
        line: int | None = None,
        missing: list[str] | None = None,
    ) -> None:
        self.template = template
        self.line = line
        self.missing = missing or []
        where = template or "template"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")


class ConfigError(InputError):
    """An option, environment variable or config file entry is invalid."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.option = option
        self.message = message
        super().__init__(f"{option}: {message}" if option else message)


class OutputError(InputError):
    """The requested output file cannot be written."""

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class BudgetError(LocalizeError):
    """The story cannot be made to fit the model's context window: a bad input (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, *, needed: int, window: int) -> None:
        self.needed = needed
        self.window = window
        super().__init__(message)


class BackendError(LocalizeError):
    """The LLM endpoint failed; keeps the HTTP status, request id and attempts when known.

    ``endpoint`` (also ``base_url``) is the endpoint's URL with any credentials removed.
    ``attempts`` counts the HTTP requests sent, retries included.
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        base_url: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        attempts: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.status_code = status_code
        self.request_id = request_id
        self.attempts = attempts
        parts = [message]
        if status_code is not None:
            parts.append(f"HTTP {status_code}")
        if request_id:
            parts.append(f"request id {request_id}")
        if attempts is not None and attempts > 1:
            parts.append(f"after {attempts} attempts")
        super().__init__("; ".join(parts))

    @property
    def endpoint(self) -> str | None:
        return self.base_url


class EndpointUnreachableError(BackendError):
    """The endpoint could not be connected to, or timed out, after all retries."""


class EndpointAuthError(BackendError):
    """The endpoint refused the API key."""


class InvalidResponseError(BackendError):
    """The endpoint answered 200 with something that is not a chat completion.

    A body that is not JSON, or a completion with no ``choices``: the endpoint (or a proxy in
    front of it) is broken, and asking the model again would not help.
    """


class RefusalError(LocalizeError):
    """The model declined to answer (an explicit refusal); asking again would not help."""

    def __init__(
        self, message: str, *, base_url: str | None = None, request_id: str | None = None
    ) -> None:
        self.base_url = base_url
        self.request_id = request_id
        super().__init__(f"{message}; request id {request_id}" if request_id else message)


class ContentFilterError(RefusalError):
    """The provider's content filter withheld the answer (``finish_reason: content_filter``)."""


class LocalModelError(LocalizeError):
    """The embedded llama.cpp model is not installed or failed to start."""

    exit_code = 3


class GenerationError(LocalizeError):
    """No attempt produced output that parsed into a section.

    ``usage`` is what every attempt used; ``spend`` what this run paid for (answers not served
    from the response cache), so a failed job's tokens still reach a batch's summary.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        usage: Usage | None = None,
        spend: Spend | None = None,
    ) -> None:
        self.attempts = attempts
        self.usage = usage
        self.spend = spend
        super().__init__(message)


class BatchNotFinishedError(LocalizeError):
    """A Batch API batch is still running: collect it again later."""

    def __init__(self, message: str, *, batch_id: str, status: str) -> None:
        self.batch_id = batch_id
        self.status = status
        super().__init__(message)


class LocalizeWarning(UserWarning):
    """Root of the warnings localize issues."""


class DemoModelWarning(LocalizeWarning):
    """No key or endpoint is set, so the embedded demo model writes the section.

    Turn the fallback into an error with ``allow_demo_model=False`` or
    ``LOCALIZE_NO_DEMO_MODEL=1``.
    """


class ChecksFailedError(LocalizeError):
    """A section was written but flagged: check errors remain after every attempt.

    Raised by ``localize(strict=True)``, and by the CLI for its exit code 4. ``result`` is the
    flagged section, with its check report.
    """

    exit_code = 4

    def __init__(
        self, message: str, *, findings: int, result: LocalizeResult | None = None
    ) -> None:
        self.findings = findings
        self.result = result
        super().__init__(message)


class CassetteError(InputError):
    """A cassette of recorded LLM traffic is missing or unreadable; names the file."""

    def __init__(self, message: str, *, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(f"{path}: {message}")


class CassetteMismatchError(CassetteError):
    """A replay was asked for requests its recording does not have.

    ``changes`` has one line per request saying what changed since it was recorded (template
    name and version, story, profile, model or messages); ``details`` adds line diffs;
    ``rerecord`` is the command that records it again.
    """

    def __init__(
        self, path: str | Path, changes: Sequence[str], *, details: str, rerecord: str
    ) -> None:
        self.changes = tuple(changes)
        self.details = details
        self.rerecord = rerecord
        more = f" (and {len(changes) - 1} more)" if len(changes) > 1 else ""
        super().__init__(
            f"not in the recording: {changes[0]}{more}; re-record with {rerecord}", path=path
        )
