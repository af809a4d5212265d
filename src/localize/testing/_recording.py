"""Record localize's LLM traffic to a cassette file once, then replay it offline.

Built on vcrpy (``pip install 'localize[testing]'``: vcrpy 8.2 or later, the first to intercept
the httpx2 transport openai 3.x sends through). The pytest plugin
(`localize.testing.pytest_plugin`) and
``localize rewrite|batch --cassette FILE`` both use `use_cassette`.

- Recording sends the requests to the configured endpoint and writes them with their answers.
  With none configured, the embedded model is started for the recording, before the recorder
  is on (its start-up checks are not LLM traffic), and the settings point at it. Secrets never
  reach the file: authorization, API-key, organisation, project and cookie headers, credentials
  in URLs and in query strings, and cookies or request ids in responses are all left out.
- Replaying answers every request from the file. The recording's endpoint, model and output mode
  are put in the environment (``LOCALIZE_BASE_URL``, ``LOCALIZE_MODEL``, ``LOCALIZE_STRUCTURED``)
  for the duration, and ``LOCALIZE_NO_DEMO_MODEL=1``, so a replay needs no key and never
  starts the embedded model; arguments passed explicitly still win, and a difference they make
  shows as a mismatch. A replay writes nothing to the audit log (``LOCALIZE_LOGS=off``): it
  generates nothing; a recording is logged, as the real generation it is.
- In both, the response cache is off (`localize.backends._cache.cache_suspended`): a cassette
  holds every request its replay will make, repeated identical ones included, whatever
  ``--no-cache`` says, and no cache answers in the cassette's place.

Requests match on method, path, query and body, so a changed prompt is noticed. A request the
recording does not have is explained by `localize.testing._mismatch`: which template (name and
version), story, profile, model or message changed, and how to re-record.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit, urlunsplit

from localize._reading import read_limited
from localize._redact import SecretFilter, filter_loggers, mask_secrets
from localize.backends._cache import cache_suspended
from localize.backends._local import LOCAL_MODEL, LocalServer
from localize.config import Settings
from localize.errors import CassetteError, CassetteMismatchError, ConfigError, LocalModelError
from localize.testing._mismatch import describe_mismatch

__all__ = [
    "RECORD_MODES",
    "SECRET_HEADERS",
    "SECRET_QUERY_PARAMETERS",
    "RecordMode",
    "Recording",
    "replay_environment",
    "scrub_request",
    "scrub_response",
    "use_cassette",
    "vcr_config",
]

RecordMode = Literal["once", "none", "new_episodes", "rewrite"]
RECORD_MODES: tuple[str, ...] = get_args(RecordMode)

SECRET_HEADERS = (
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
)
SECRET_QUERY_PARAMETERS = (
    "api-key",
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "sig",
)
# Response headers that are secrets (cookies, account ids) or change on every call.
_DROP_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "openai-organization", "openai-project", "x-request-id", "date"}
)
MATCH_ON = ("method", "path", "query", "body")
_CHAT_PATH = "/chat/completions"
# vcrpy's modes; "rewrite" records afresh into a new file that replaces the old one at the end.
_VCR_MODE: dict[str, str] = {
    "once": "once",
    "none": "none",
    "new_episodes": "new_episodes",
    "rewrite": "all",
}


def scrub_request(request: Any) -> Any:
    """Drop user:password@ from the recorded URL (headers and query are filtered by vcrpy)."""
    parts = urlsplit(request.uri)
    if "@" in parts.netloc:
        request.uri = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return request


def _masked(value: Any) -> Any:
    """A recorded body or header value (text or bytes) with the credentials in it masked."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, bytes):
        try:
            return mask_secrets(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return value  # not text (an image, a compressed body): no key to find as text
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop cookies, account ids and per-call ids from a recorded response, and mask the
    credentials the request carried (and key-shaped tokens) where the server echoed them, in
    its body or its headers."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _DROP_RESPONSE_HEADERS:
            del headers[name]
        else:
            headers[name] = _masked(headers[name])
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        masked = _masked(body["string"])
        if masked != body["string"]:
            body["string"] = masked
            # A replay sends the length recorded: it must be the masked body's.
            size = len(masked.encode("utf-8") if isinstance(masked, str) else masked)
            for name in headers:
                if name.lower() == "content-length":
                    headers[name] = [str(size)]
    return response


# vcrpy's loggers (a filter on a logger sees only the records logged on it, not its children's).
# At DEBUG they log each request's URL (query keys included) and each response recorded as it
# arrived, before scrub_response: what a server echoed of the credentials too.
_VCR_LOGGERS = (
    "vcr",
    "vcr.cassette",
    "vcr.config",
    "vcr.matchers",
    "vcr.patch",
    "vcr.request",
    "vcr.stubs",
    "vcr.stubs.httpx_stubs",
    "vcr.stubs.aiohttp_stubs",
)
_VCR_FILTER = SecretFilter()


def _redact_vcr_logs() -> None:
    """Make vcrpy's loggers mask credentials, as the HTTP libraries' are (idempotent)."""
    filter_loggers(_VCR_LOGGERS, _VCR_FILTER)


def vcr_config() -> dict[str, Any]:
    """The vcrpy settings localize records and replays with."""
    return {
        "filter_headers": list(SECRET_HEADERS),
        "filter_query_parameters": list(SECRET_QUERY_PARAMETERS),
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": list(MATCH_ON),
    }


def replay_environment(requests: Sequence[Any]) -> dict[str, str]:
    """Settings that make a client send what the first recorded chat request was sent with."""
    for request in requests:
        base, sep, _ = request.uri.partition(_CHAT_PATH)
        if not sep:
            continue
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            continue
        env = {"LOCALIZE_BASE_URL": base}
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            env["LOCALIZE_MODEL"] = body["model"]
        fmt = body.get("response_format") if isinstance(body, dict) else None
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        # Negotiation starts at json_schema, so a first json_schema request means "auto"; a first
        # json_object request was made with that mode set (or by the embedded model).
        env["LOCALIZE_STRUCTURED"] = {"json_schema": "auto", "json_object": "json_object"}.get(
            kind or "", "text"
        )
        return env
    return {}


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class Recording:
    """One cassette in use: whether it replays, and the requests it could not answer."""

    path: Path
    mode: RecordMode
    rerecord: str
    replaying: bool
    environment: dict[str, str] = field(default_factory=dict)
    unmatched: list[Any] = field(default_factory=list)
    _cassette: Any = field(default=None, repr=False)

    @property
    def requests(self) -> list[Any]:
        """The requests in the cassette (vcrpy ``Request`` objects): recorded, or being recorded."""
        return list(self._cassette.requests) if self._cassette is not None else []

    def _note_unmatched(self, request: Any) -> None:
        key = (request.method, request.uri, request.body)
        if all((r.method, r.uri, r.body) != key for r in self.unmatched):
            self.unmatched.append(request)

    def mismatch(self, requests: Sequence[Any] | None = None) -> CassetteMismatchError | None:
        """The error describing the requests the recording did not have (by default all of
        them, if there were any)."""
        requests = self.unmatched if requests is None else requests
        if not requests:
            return None
        played = set(self._cassette.play_counts) if self._cassette is not None else set()
        explained = [describe_mismatch(r, self.requests, played) for r in requests]
        return CassetteMismatchError(
            self.path,
            [m.summary for m in explained],
            details="\n\n".join(m.report() for m in explained),
            rerecord=self.rerecord,
        )


# A cassette holds a test's few requests; hundreds of megabytes is not one.
_MAX_CASSETTE_BYTES = 64 * 1024 * 1024


def _interaction_problem(item: Any) -> str | None:
    """What is wrong with one recorded interaction, as vcrpy would trip over it later."""
    if not isinstance(item, dict):
        return "is not a mapping"
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not all(
        isinstance(request.get(k), str) for k in ("method", "uri")
    ):
        return "has no request with a method and a uri"
    status = response.get("status") if isinstance(response, dict) else None
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        return f"has a response status code that is not an HTTP status ({str(code)[:20]!r})"
    return None


def _check_cassette(path: Path) -> None:
    """Refuse a file that is not a cassette, saying what it is, before vcrpy reads it."""
    import yaml

    def error(message: str) -> CassetteError:
        return CassetteError(message, path=path)

    raw = read_limited(path, _MAX_CASSETTE_BYTES, error, what="cassette file")
    if not raw.strip():
        raise error("is empty, not a cassette; record it again or delete it")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text (bad byte at offset {exc.start}), not a cassette") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(f"is not a cassette (not valid YAML: {problem})") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list):
        raise error("is not a cassette (no 'interactions' list)")
    for n, item in enumerate(interactions, start=1):
        problem = _interaction_problem(item)
        if problem:
            raise error(f"is not a valid cassette: interaction {n} {problem}")


def _check_recordable(path: Path) -> None:
    """vcrpy writes a recording when the run ends: a file it cannot write must stop the run
    before it is paid for. Its folder is made, as vcrpy would make it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise CassetteError(
            f"cannot record to it: {path.parent}: {exc.strerror or exc}", path=path
        ) from None


def _load_vcr() -> Any:
    try:
        import vcr
    except ImportError:
        raise ConfigError(
            "recording and replaying need vcrpy: pip install 'localize[testing]'",
            option="--cassette",
        ) from None
    return vcr


@contextlib.contextmanager
def use_cassette(
    path: str | Path, mode: RecordMode = "once", *, rerecord: str
) -> Iterator[Recording]:
    """Record localize's requests to ``path``, or replay them from it (see the module doc).

    ``mode``: ``once`` records when the file does not exist and replays it when it does; ``none``
    only replays (a missing file is an error); ``new_episodes`` replays what matches and records
    the rest; ``rewrite`` records everything afresh, replacing the file only when the block ends
    without an error. ``rerecord`` is the command that re-records, quoted in error messages.
    Raises `CassetteMismatchError` at the end when a request was not in the recording. The
    settings go through ``os.environ``, so one cassette is in use at a time in a process.
    """
    if mode not in RECORD_MODES:
        raise ConfigError(f"must be one of {', '.join(RECORD_MODES)}", option="--record-mode")
    vcr = _load_vcr()
    _redact_vcr_logs()
    path = Path(path)
    exists = path.exists() or path.is_symlink()
    if exists:
        _check_cassette(path)  # a folder, a device, an empty or foreign file: said as such
    if mode == "none" and not exists:
        raise CassetteError(f"no such cassette; record it with {rerecord}", path=path)
    replaying = exists and mode in ("once", "none")
    if not replaying:
        _check_recordable(path)
    with tempfile.TemporaryDirectory(prefix="localize-") as scratch:
        target = Path(scratch, path.name) if mode == "rewrite" else path
        with contextlib.ExitStack() as stack:
            if not replaying:
                # Started before the recorder is on, so its start-up checks stay out of the file.
                stack.enter_context(_environment(_embedded_endpoint(stack)))
            recorder = vcr.VCR(record_mode=_VCR_MODE[mode], **vcr_config())
            try:
                cassette = stack.enter_context(recorder.use_cassette(str(target)))
            except Exception as exc:  # a corrupt file: vcrpy's or yaml's own errors
                raise CassetteError(f"cannot read cassette: {exc}", path=path) from None
            recording = Recording(path, mode, rerecord, replaying, _cassette=cassette)
            if replaying:
                # A replay never starts the embedded model, even for a request never recorded.
                recording.environment = {
                    **replay_environment(cassette.requests),
                    "LOCALIZE_NO_DEMO_MODEL": "1",
                    # A replay generates nothing: the audit log is for real generations.
                    "LOCALIZE_LOGS": "off",
                }
            cache_dir = str(Path(scratch, "cache"))
            stack.enter_context(
                _environment({**recording.environment, "LOCALIZE_CACHE_DIR": cache_dir})
            )
            # The cassette is the cache: a repeated request is recorded (and replayed) each time
            # it is sent, whatever --no-cache says, so a replay with or without it matches.
            stack.enter_context(cache_suspended())
            _watch_unmatched(cassette, recording)
            try:
                yield recording
            except (Exception, SystemExit) as exc:
                # The run failed because a request was not in the recording: say that, not the
                # error it became on the way (a failed job, a batch's exit code).
                if isinstance(exc, SystemExit) and not exc.code:
                    raise
                mismatch = recording.mismatch()
                if mismatch is not None:
                    raise mismatch from exc
                raise
            mismatch = recording.mismatch()
            if mismatch is not None:
                raise mismatch
        # vcrpy has written the cassette on leaving the block above.
        if mode == "rewrite" and target.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(target, path)


def _embedded_endpoint(stack: contextlib.ExitStack) -> dict[str, str]:
    """With no endpoint configured, start the embedded model for the recording and point the
    settings at it, as a replay will point them at the recorded address.

    Recording and replay then build their clients the same way (an endpoint, a model, a mode),
    and one server serves every ``connect()`` of the run.
    """
    settings = Settings.resolve()
    if not settings.use_local_model or not settings.allow_demo_model:
        return {}
    try:
        server = stack.enter_context(LocalServer())
    except LocalModelError:
        return {}  # not installed, or it failed: connect() reports it if the run needs it
    return {
        "LOCALIZE_BASE_URL": server.base_url,
        "LOCALIZE_MODEL": settings.model or LOCAL_MODEL,
        # What the pipeline asks of the embedded server: llama.cpp rejects json_schema.
        "LOCALIZE_STRUCTURED": "json_object"
        if settings.structured == "auto"
        else settings.structured,
    }


def _watch_unmatched(cassette: Any, recording: Recording) -> None:
    """Note every request a write-protected cassette cannot answer, and fail it as a
    `CassetteMismatchError` that says what changed.

    vcrpy would raise its own exception from inside the HTTP transport, which reaches a batch
    job as an "internal error"; a localize error there is the job's error line instead, and the
    run ends with the mismatch (exit 2).
    """
    can_play = cassette.can_play_response_for

    def noting(request: Any) -> bool:
        playable = bool(can_play(request))
        if not playable and cassette.write_protected:
            recording._note_unmatched(request)
            raise recording.mismatch([request]) or AssertionError("a request is unmatched")
        return playable

    cassette.can_play_response_for = noting
