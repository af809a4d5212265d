"""Evaluation on an annotated factual-consistency set: documents, summaries and their labels.

Public sets such as SummEdits, XSumFaith, FRANK and CLIFF pair a document with a summary that
annotators labelled consistent with it or not. A JSONL file of them (``tests/data/factual`` holds
the project's, made by ``scripts/make_factual_fixture.py``) has one object a line:

    {"id": "...", "label": 1, "doc": "...", "summary": "...",        # required
     "domain": "podcast", "edit_types": ["antonym_swap"]}            # optional

``label`` is 1 for a consistent summary and 0 for one with a factual fault; ``edit_types`` names
the fault (SummEdits' names: ``entity_modification``, ``antonym_swap``,
``negation_insertion_removal``, ``hallucinated_fact_insertion``; or the set's own). The document is
checked as the story and the summary as the section; a summary is flagged when a check that
judges content against the story reports an error. `evaluate_factual` gives recall by fault
type, specificity, balanced accuracy, the same per domain, the checks that fired, and the time
per ``check`` call with the story warm.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize import _strict_json as strict_json
from localize._reading import MAX_FILE_BYTES, read_limited
from localize.errors import InputError
from localize.evaluation._timing import cpu_seconds, mean_and_p95_ms
from localize.grounding import check
from localize.regions._profiles import RegionProfile, get_region
from localize.story import parse_story

__all__ = [
    "CONTENT_CHECKS",
    "FactualEvaluation",
    "FactualRow",
    "Tally",
    "balanced",
    "evaluate_factual",
    "load_factual",
]

# The checks that judge what a section says against its story. The region checks (mention,
# length, region fit, spelling) say nothing about consistency with a document, and ``meta`` is
# not one either: "The article discusses ..." is an error in a published section but consistent
# in a summary.
CONTENT_CHECKS = frozenset({"quote", "number", "institution", "attribution", "claim", "paraphrase"})
# The sets' documents are not about a region; a profile is still needed to run the checks.
DEFAULT_REGION = "us"
_UNTYPED = "untyped"


@dataclass(frozen=True)
class FactualRow:
    """One labelled (document, summary) pair."""

    id: str
    where: str  # "FILE line N"
    consistent: bool
    doc: str
    summary: str
    domain: str = "-"
    fault_types: tuple[str, ...] = ()


def _field(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InputError(f"{where}: field '{key}' is missing")
    return data[key]


def _row(data: object, where: str) -> FactualRow:
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a JSON object")
    row_id = _field(data, "id", where)
    if isinstance(row_id, int) and not isinstance(row_id, bool):
        row_id = str(row_id)
    if not isinstance(row_id, str) or not row_id.strip():
        raise InputError(f"{where}: field 'id' must be a non-empty string")
    label = _field(data, "label", where)
    if isinstance(label, bool | float) or label not in (0, 1):
        raise InputError(f"{where}: field 'label' must be 1 (consistent) or 0 (not)")
    texts = {}
    for key in ("doc", "summary"):
        value = _field(data, key, where)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: field '{key}' must be a non-empty string")
        texts[key] = value
    domain = data.get("domain", "-")
    if not isinstance(domain, str) or not domain.strip():
        raise InputError(f"{where}: field 'domain' must be a non-empty string")
    types = data.get("edit_types")
    types = [] if types is None else types  # absent or null: no type given
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        raise InputError(f"{where}: field 'edit_types' must be a list of names")
    return FactualRow(
        id=row_id.strip(),
        where=where,
        consistent=label == 1,
        doc=texts["doc"],
        summary=texts["summary"],
        domain=domain.strip(),
        fault_types=tuple(types),
    )


def load_factual(path: str | Path) -> list[FactualRow]:
    """Every row of a JSONL file of labelled (document, summary) pairs, in file order."""
    path = Path(path)

    def error(message: str) -> InputError:
        return InputError(f"{path}: {message}")

    raw = read_limited(path, MAX_FILE_BYTES, error, what="JSONL file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text (bad byte at offset {exc.start})") from None
    rows: list[FactualRow] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        try:
            data = strict_json.loads(line)
        except strict_json.JSONProblem as exc:
            raise InputError(f"{where}: invalid JSON: {exc.detail}") from None
        row = _row(data, where)
        if row.id in seen:
            raise InputError(f"{where}: id '{row.id}' is used twice (first on line {seen[row.id]})")
        seen[row.id] = n
        rows.append(row)
    if not rows:
        raise error("holds no labelled rows")
    return rows


@dataclass(frozen=True)
class Tally:
    """How many of ``total`` summaries were flagged."""

    flagged: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.flagged / self.total if self.total else None

    def add(self, flagged: bool) -> Tally:
        return Tally(self.flagged + flagged, self.total + 1)

    def to_dict(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "total": self.total, "rate": _round(self.rate)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def balanced(faulty: Tally, consistent: Tally) -> tuple[float | None, float | None, float | None]:
    """(recall, specificity, balanced accuracy); None where a side has no rows."""
    recall = faulty.rate
    specificity = None if consistent.rate is None else 1 - consistent.rate
    if recall is None or specificity is None:
        return recall, specificity, None
    return recall, specificity, (recall + specificity) / 2


@dataclass(frozen=True)
class FactualEvaluation:
    """The checks' figures on one annotated set."""

    source: str
    region: str
    faulty: Tally  # summaries with a fault: how many were flagged
    consistent: Tally  # consistent summaries: how many were wrongly flagged
    by_type: dict[str, Tally]  # per fault type (a summary with two types counts in both)
    by_domain: dict[str, tuple[Tally, Tally]]  # domain -> (faulty, consistent)
    fired_on_faulty: dict[str, int]  # check -> faulty summaries it flagged
    fired_on_consistent: dict[str, int]  # check -> consistent summaries it flagged
    ms_per_check: float  # mean CPU time of one check() call, story warm
    ms_p95: float
    misses: list[str] = field(default_factory=list)  # "id [types]: summary"
    false_flags: list[str] = field(default_factory=list)  # "id: check message"

    @property
    def recall(self) -> float | None:
        return balanced(self.faulty, self.consistent)[0]

    @property
    def specificity(self) -> float | None:
        return balanced(self.faulty, self.consistent)[1]

    @property
    def balanced_accuracy(self) -> float | None:
        return balanced(self.faulty, self.consistent)[2]

    def to_dict(self) -> dict[str, Any]:
        def scores(faulty: Tally, consistent: Tally) -> dict[str, Any]:
            recall, specificity, both = balanced(faulty, consistent)
            return {
                "faulty": faulty.to_dict(),
                "consistent": consistent.to_dict(),
                "recall": _round(recall),
                "specificity": _round(specificity),
                "balanced_accuracy": _round(both),
            }

        return {
            "source": self.source,
            "region": self.region,
            "content_checks": sorted(CONTENT_CHECKS),
            **scores(self.faulty, self.consistent),
            "by_type": {k: v.to_dict() for k, v in self.by_type.items()},
            "by_domain": {k: scores(*v) for k, v in self.by_domain.items()},
            "fired_on_faulty": self.fired_on_faulty,
            "fired_on_consistent": self.fired_on_consistent,
            "ms_per_check": round(self.ms_per_check, 3),
            "ms_p95": round(self.ms_p95, 3),
            "misses": self.misses,
            "false_flags": self.false_flags,
        }


def evaluate_factual(
    rows: Iterable[FactualRow],
    *,
    source: str = "",
    region: str | RegionProfile = DEFAULT_REGION,
    repeat: int = 1,
    severities: Mapping[str, str] | None = None,
) -> FactualEvaluation:
    """Check every summary against its document, then time ``repeat`` more checks of it.

    ``severities`` turns checks off or changes their severity, as ``--check`` does: a summary is
    flagged by an error from the content checks (`CONTENT_CHECKS`) the run leaves on.

    The first check gives the verdict and warms the story's cached analysis, so the timed ones
    measure what a section costs once its story has been read. The time is the thread's CPU
    time, which other work on a shared machine does not inflate.
    """
    rows = list(rows)
    profile = get_region(region)
    stories = [parse_story(row.doc, id=row.id, source=row.where) for row in rows]
    faulty = consistent = Tally()
    by_type: dict[str, Tally] = {}
    by_domain: dict[str, tuple[Tally, Tally]] = {}
    fired_faulty: Counter[str] = Counter()
    fired_consistent: Counter[str] = Counter()
    misses: list[str] = []
    false_flags: list[str] = []
    times: list[float] = []
    for row, story in zip(rows, stories, strict=True):
        report = check(row.summary, story, profile, severities=severities)
        # Timed right after: the story's analysis is cached for a limited number of stories,
        # so a later pass over a large set would time stories read again.
        for _ in range(repeat):
            t0 = cpu_seconds()
            check(row.summary, story, profile, severities=severities)
            times.append(cpu_seconds() - t0)
        errors = [f for f in report.errors if f.check in CONTENT_CHECKS]
        flagged = bool(errors)
        d_faulty, d_consistent = by_domain.get(row.domain, (Tally(), Tally()))
        if row.consistent:
            consistent = consistent.add(flagged)
            by_domain[row.domain] = (d_faulty, d_consistent.add(flagged))
            fired_consistent.update({f.check for f in errors})
            if flagged:
                false_flags.append(f"{row.id}: {errors[0].check} {errors[0].message}")
            continue
        faulty = faulty.add(flagged)
        by_domain[row.domain] = (d_faulty.add(flagged), d_consistent)
        fired_faulty.update({f.check for f in errors})
        for kind in row.fault_types or (_UNTYPED,):
            by_type[kind] = by_type.get(kind, Tally()).add(flagged)
        if not flagged:
            misses.append(f"{row.id} {list(row.fault_types)}: {row.summary}")
    mean_ms, p95_ms = mean_and_p95_ms(times)
    return FactualEvaluation(
        source=source,
        region=profile.id,
        faulty=faulty,
        consistent=consistent,
        by_type=dict(sorted(by_type.items())),
        by_domain=dict(sorted(by_domain.items())),
        fired_on_faulty=dict(fired_faulty.most_common()),
        fired_on_consistent=dict(fired_consistent.most_common()),
        ms_per_check=mean_ms,
        ms_p95=p95_ms,
        misses=misses,
        false_flags=false_flags,
    )
