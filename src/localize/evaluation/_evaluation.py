"""Evaluation on a labelled folder: how well the checks do, and how well a model does.

A labelled folder holds YAML files of cases (``tests/data/checks`` is the project's own):

    - id: uk-wire                 # unique in the folder
      region: uk                  # region id (built-in or from --profiles) or a profile file
      story: wire                 # see below
      section: |-                 # the section text
        ...
      expect:                     # only for a section with planted faults:
        - {check: attribution, text: "UK government's"}   # check id + part of the span
      min_words: 40               # optional word bounds (default: the template's)

A case without ``expect`` is a clean section: any finding on it is a false flag. ``story`` is a
key of the folder's ``stories.yaml`` (``id: path``, relative to the folder), a path relative to
the folder, or the name of a file in the folder's ``stories/``.

`evaluate_checks` counts, per check, the planted faults caught and the clean sections wrongly
flagged; `evaluate_generation` writes a section for every (story, region) pair of the folder
with a model and a template and counts the share that pass, the attempts per accepted section
and the tokens per section.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from localize._checking import check
from localize.backends import ResponseCache
from localize.config import Settings
from localize.errors import ChecksFailedError, EndpointAuthError, InputError, LocalizeError
from localize.evaluation._timing import cpu_seconds, mean_and_p95_ms
from localize.grounding import CHECK_IDS, CheckReport, registered_checks
from localize.grounding._plugins import load_plugin_checks
from localize.grounding._verifier import VERIFIED
from localize.pipeline import connect, localize
from localize.regions._profiles import RegionProfile, get_region
from localize.result import LocalizeResult
from localize.story import STORY_SUFFIXES, Story, load_story

__all__ = [
    "Case",
    "CheckEvaluation",
    "CheckScore",
    "GenerationEvaluation",
    "embedded_baseline",
    "evaluate_checks",
    "evaluate_generation",
    "evaluate_model",
    "load_cases",
    "pairs_of",
    "run_case",
]


@dataclass(frozen=True)
class Case:
    """One labelled section."""

    id: str
    source: str  # "file.yaml" where it was defined
    region: RegionProfile
    story: Story
    section: str
    expect: tuple[tuple[str, str], ...]  # (check id, text) of planted faults; () when clean
    min_words: int | None = None  # None: the template's bounds
    max_words: int | None = None

    @property
    def clean(self) -> bool:
        return not self.expect


def _load_yaml(path: Path) -> object:
    """A labelled folder's YAML file; what is wrong with it named in one line, as FILE:LINE."""
    try:
        return yaml.safe_load(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (bad byte at offset {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        # PyYAML's own message spans several lines; the problem and the line say enough.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{place}: not valid YAML: {problem}") from None


def _story_resolver(folder: Path) -> Callable[[str, str], Story]:
    index: dict[str, str] = {}
    listing = folder / "stories.yaml"
    if listing.is_file():
        loaded = _load_yaml(listing) or {}
        if not isinstance(loaded, dict):
            raise InputError(f"{listing}: must map story names to files")
        index = {str(k): str(v) for k, v in loaded.items()}
    cache: dict[Path, Story] = {}

    def resolve(name: str, where: str) -> Story:
        path: Path | None
        if name in index:  # listed: that file or an error, never another file of the name
            path = folder / index[name]
            if not path.is_file():
                raise InputError(
                    f"{where}: story '{name}': stories.yaml names {index[name]}, "
                    "which is not a file"
                )
        else:
            candidates = [folder / name]
            candidates.extend(folder / "stories" / f"{name}{s}" for s in STORY_SUFFIXES)
            path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            raise InputError(
                f"{where}: story '{name}' is not in stories.yaml, the folder or stories/"
            )
        path = path.resolve()
        if path not in cache:
            cache[path] = load_story(path)
        return cache[path]

    return resolve


def load_cases(folder: str | Path, *, profiles: str | Path | None = None) -> list[Case]:
    """Every case in a labelled folder's YAML files (``stories.yaml`` aside), in file order."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of labelled sections (nor a .jsonl set)")
    resolve = _story_resolver(root)
    load_plugin_checks()  # a plugin's check may be expected too
    # The checks a case runs (the model verifier is not one: it needs an endpoint).
    known = [c.name for c in registered_checks() if c.name != VERIFIED]
    cases: list[Case] = []
    seen: set[str] = set()
    files = sorted(p for p in root.glob("*.y*ml") if p.name != "stories.yaml")
    if not files:
        raise InputError(f"{root}: holds no .yaml files of labelled sections")
    for path in files:
        loaded = _load_yaml(path) or []
        if not isinstance(loaded, list):
            raise InputError(f"{path}: must be a list of cases")
        for n, raw in enumerate(loaded, 1):
            where = f"{path.name}, case {n}"
            if not isinstance(raw, dict):
                raise InputError(f"{where}: must be a mapping")
            missing = [k for k in ("id", "region", "story", "section") if k not in raw]
            if missing:
                raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
            _check_fields(raw, where)
            case_id = str(raw["id"])
            if case_id in seen:
                raise InputError(f"{where}: id '{case_id}' is used twice")
            seen.add(case_id)
            expect = raw.get("expect") or []
            if not isinstance(expect, list) or not all(
                isinstance(e, dict) and "check" in e for e in expect
            ):
                raise InputError(f"{where}: 'expect' must be a list of {{check, text}}")
            for e in expect:
                if str(e["check"]) not in known:
                    # Counted as a planted fault no check could catch, a typo read as a miss.
                    raise InputError(
                        f"{where}: 'expect' names unknown check {str(e['check'])!r} "
                        f"(checks: {', '.join(known)})"
                    )
            try:
                region = get_region(str(raw["region"]), profiles=profiles)
            except InputError as exc:  # the unknown region's message does not say where
                raise InputError(f"{where}: {exc}") from exc
            cases.append(
                Case(
                    id=case_id,
                    source=path.name,
                    region=region,
                    story=resolve(str(raw["story"]), where),
                    section=str(raw["section"]),
                    expect=tuple((str(e["check"]), str(e.get("text") or "")) for e in expect),
                    min_words=_optional_int(raw.get("min_words"), where, "min_words"),
                    max_words=_optional_int(raw.get("max_words"), where, "max_words"),
                )
            )
    return cases


def _check_fields(raw: dict[str, Any], where: str) -> None:
    """Each field of a case of its kind: a list or a null read as its Python text ("[1, 2]",
    "None") was checked as a section, a region id or an expected span."""
    for key in ("id", "region", "story", "section"):
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise InputError(f"{where}: '{key}' must be non-empty text")
    for e in raw.get("expect") or []:
        text = e.get("text") if isinstance(e, dict) else None
        if text is not None and not isinstance(text, str | int | float):
            raise InputError(f"{where}: 'expect' text must be text, got {type(text).__name__}")
    low = _optional_int(raw.get("min_words"), where, "min_words")
    high = _optional_int(raw.get("max_words"), where, "max_words")
    if low is not None and high is not None and low > high:
        raise InputError(f"{where}: 'min_words' ({low}) is over 'max_words' ({high})")


def _optional_int(value: object, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{where}: '{key}' must be a whole number, 0 or more")
    return value


def run_case(case: Case, severities: Mapping[str, str] | None = None) -> CheckReport:
    """The checks on one case; ``severities`` as in `localize.check` (a run's ``--check``)."""
    return check(
        case.section,
        case.story,
        case.region,
        min_words=case.min_words,
        max_words=case.max_words,
        severities=severities,
    )


@dataclass(frozen=True)
class CheckScore:
    """One check's figures over a folder."""

    planted: int
    caught: int
    clean_flagged: int  # clean sections on which this check reported anything


@dataclass(frozen=True)
class CheckEvaluation:
    """The checks' figures over a labelled folder."""

    per_check: dict[str, CheckScore]
    clean: int
    clean_flagged: int  # clean sections with any finding
    fault_sections: int
    missed: list[str]  # "case-id: check 'text'"
    flagged: list[str]  # "case-id: check message" on clean sections
    extra: list[str]  # findings on fault sections that were not planted
    ms_per_section: float  # mean CPU time of one check() call, story data warm
    ms_p95: float

    @property
    def ok(self) -> bool:
        return not self.missed and not self.flagged

    def to_dict(self) -> dict[str, Any]:
        return {
            "checks": {
                k: {"planted": v.planted, "caught": v.caught, "clean_flagged": v.clean_flagged}
                for k, v in self.per_check.items()
            },
            "clean_sections": self.clean,
            "clean_flagged": self.clean_flagged,
            "fault_sections": self.fault_sections,
            "missed": self.missed,
            "flagged": self.flagged,
            "extra": self.extra,
            "ms_per_section": round(self.ms_per_section, 3),
            "ms_p95": round(self.ms_p95, 3),
        }


def _matches(check_id: str, text: str, expected: tuple[str, str]) -> bool:
    return check_id == expected[0] and expected[1] in text


def evaluate_checks(
    cases: Iterable[Case], *, repeat: int = 20, severities: Mapping[str, str] | None = None
) -> CheckEvaluation:
    """Run the checks on every case; time ``repeat`` further passes (story data warm).

    ``severities`` turns checks off or changes their severity for the whole run, as ``--check``.
    """
    cases = list(cases)
    planted: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    clean_by_check: Counter[str] = Counter()
    missed: list[str] = []
    flagged: list[str] = []
    extra: list[str] = []
    clean_flagged = 0
    for case in cases:
        report = run_case(case, severities)
        got = [(f.check, f.text) for f in report.findings]
        if case.clean:
            if report.findings:
                clean_flagged += 1
            for c in {f.check for f in report.findings}:
                clean_by_check[c] += 1
            flagged.extend(f"{case.id}: {f.check} {f.message}" for f in report.findings)
            continue
        for expected in case.expect:
            planted[expected[0]] += 1
            if any(_matches(c, t, expected) for c, t in got):
                caught[expected[0]] += 1
            else:
                missed.append(f"{case.id}: {expected[0]} {expected[1]!r}")
        extra.extend(
            f"{case.id}: {c} {t!r}"
            for c, t in got
            if not any(_matches(c, t, e) for e in case.expect)
        )
    times: list[float] = []
    for _ in range(repeat):
        for case in cases:
            t0 = cpu_seconds()
            run_case(case, severities)
            times.append(cpu_seconds() - t0)
    mean_ms, p95_ms = mean_and_p95_ms(times)
    ids = list(CHECK_IDS) + sorted(set(planted) - set(CHECK_IDS))
    return CheckEvaluation(
        per_check={k: CheckScore(planted[k], caught[k], clean_by_check[k]) for k in ids},
        clean=sum(1 for c in cases if c.clean),
        clean_flagged=clean_flagged,
        fault_sections=sum(1 for c in cases if not c.clean),
        missed=missed,
        flagged=flagged,
        extra=extra,
        ms_per_section=mean_ms,
        ms_p95=p95_ms,
    )


@dataclass(frozen=True)
class GenerationEvaluation:
    """How a model and template do on a folder's (story, region) pairs."""

    model: str
    template: str
    sections: int  # pairs attempted
    written: int  # pairs that produced a section at all
    passed: int  # sections whose checks found no error
    attempts_passed: list[int] = field(default_factory=list)  # attempts per accepted section
    tokens: list[int] = field(default_factory=list)  # prompt + completion tokens per pair
    failures: list[str] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.sections if self.sections else 0.0

    @property
    def attempts_per_accepted(self) -> float | None:
        return statistics.fmean(self.attempts_passed) if self.attempts_passed else None

    @property
    def tokens_per_section(self) -> float | None:
        return statistics.fmean(self.tokens) if self.tokens else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "template": self.template,
            "sections": self.sections,
            "written": self.written,
            "passed": self.passed,
            "pass_rate": round(self.pass_rate, 3),
            "attempts_per_accepted": _rounded(self.attempts_per_accepted, 2),
            "tokens_per_section": _rounded(self.tokens_per_section, 1),
            "failures": self.failures,
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def evaluate_generation(
    pairs: Iterable[tuple[Story, RegionProfile]],
    write: Callable[[Story, RegionProfile], Any],
    *,
    model: str,
    template: str,
) -> GenerationEvaluation:
    """Generate with ``write`` (a `localize`-like call returning a `LocalizeResult`) per pair."""
    pairs = list(pairs)
    attempts: list[int] = []
    tokens: list[int] = []
    failures: list[str] = []
    written = 0
    for story, region in pairs:
        try:
            result = write(story, region)
        except EndpointAuthError:
            raise  # every pair would fail alike: no measurement of the model, as a batch stops
        except LocalizeError as exc:
            failures.append(f"{story.id}/{region.id}: {exc}")
            continue
        written += 1
        prov = result.provenance
        tokens.append(prov.prompt_tokens + prov.completion_tokens)
        if result.ok:
            attempts.append(prov.attempts)
    return GenerationEvaluation(
        model=model,
        template=template,
        sections=len(pairs),
        written=written,
        passed=len(attempts),
        attempts_passed=attempts,
        tokens=tokens,
        failures=failures,
    )


def evaluate_model(
    cases: Iterable[Case],
    *,
    settings: Settings | None = None,
    cache: ResponseCache | None = None,
    strict: bool = False,
) -> GenerationEvaluation:
    """`evaluate_generation` for the cases' pairs with the configured model and template.

    One client serves every pair (the embedded model is started once when no endpoint is set).
    ``strict`` counts warnings as errors; a section it flags is written, and not passed.
    """
    settings = settings or Settings.resolve()
    if strict:
        settings = replace(settings, strict=True)
    with connect(settings, cache=cache) as client:

        def write(story: Story, region: RegionProfile) -> LocalizeResult:
            try:
                return localize(story, region, client=client, settings=settings)
            except ChecksFailedError as flagged:  # strict refuses it; it was still written
                assert flagged.result is not None
                return flagged.result

        return evaluate_generation(
            pairs_of(cases), write, model=client.model, template=str(settings.template or "section")
        )


def pairs_of(cases: Iterable[Case]) -> list[tuple[Story, RegionProfile]]:
    """The distinct (story, region) pairs a folder's cases are about, in first-seen order."""
    seen: dict[tuple[str, str], tuple[Story, RegionProfile]] = {}
    for case in cases:
        seen.setdefault((case.story.sha256, case.region.id), (case.story, case.region))
    return list(seen.values())


def embedded_baseline() -> dict[str, Any] | None:
    """The embedded model's figures, measured by ``benchmarks/generation_eval.py`` (None if the
    installed package carries none)."""
    path = resources.files("localize.evaluation") / "eval_baseline.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
