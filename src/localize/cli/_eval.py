"""`localize eval`: the checks' figures on a labelled folder (a model's with --generate), or on
an annotated factual-consistency set (a JSONL file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from localize.cli._group import (
    WRITING_OPTIONS,
    format_option,
    generation_options,
    json_errors,
    refuse_given,
    response_cache,
    settings_from,
)
from localize.errors import ConfigError
from localize.evaluation._evaluation import (
    CheckEvaluation,
    GenerationEvaluation,
    embedded_baseline,
    evaluate_checks,
    evaluate_model,
    load_cases,
)
from localize.evaluation._factual import (
    CONTENT_CHECKS,
    FactualEvaluation,
    Tally,
    balanced,
    evaluate_factual,
    load_factual,
)

__all__ = ["eval_cmd", "print_factual"]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _print_checks(folder: Path, ev: CheckEvaluation) -> None:
    click.echo(
        f"Checks on {folder} ({ev.clean} clean sections, {ev.fault_sections} with planted faults)"
    )
    click.echo(f"  {'check':<12} {'faults caught':>14}   {'clean wrongly flagged':>21}")
    for check_id, score in ev.per_check.items():
        caught = f"{score.caught} / {score.planted}" if score.planted else "-"
        click.echo(f"  {check_id:<12} {caught:>14}   {score.clean_flagged:>21}")
    total_caught = sum(s.caught for s in ev.per_check.values())
    total_planted = sum(s.planted for s in ev.per_check.values())
    click.echo(
        f"  {'all':<12} {f'{total_caught} / {total_planted}':>14}   "
        f"{f'{ev.clean_flagged} / {ev.clean} sections':>21}"
    )
    click.echo(
        f"  time per section: {ev.ms_per_section:.2f} ms mean, {ev.ms_p95:.2f} ms p95 CPU "
        "(story data warm)"
    )
    for line in ev.missed:
        click.echo(f"  MISSED  {line}")
    for line in ev.flagged:
        click.echo(f"  FLAGGED {line}")
    for line in ev.extra:
        click.echo(f"  extra   {line}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ratio(tally: Tally) -> str:
    return f"{tally.flagged} / {tally.total}"


def print_factual(ev: FactualEvaluation) -> None:
    click.echo(
        f"Checks on {ev.source} ({ev.faulty.total} summaries with a fault, "
        f"{ev.consistent.total} consistent; checked as region {ev.region}; flagged by an error "
        f"from {', '.join(sorted(CONTENT_CHECKS))})"
    )
    click.echo(
        f"  recall {_ratio(ev.faulty)} = {_pct(ev.recall)}; specificity {_pct(ev.specificity)} "
        f"({_ratio(ev.consistent)} consistent flagged); balanced accuracy "
        f"{_pct(ev.balanced_accuracy)}"
    )
    for kind, tally in ev.by_type.items():
        click.echo(f"    {kind:<30} {_ratio(tally):>11} = {_pct(tally.rate)}")
    for domain, (faulty, consistent) in ev.by_domain.items():
        recall, spec, both = balanced(faulty, consistent)
        click.echo(
            f"    domain {domain:<14} recall {_pct(recall):>6}  specificity "
            f"{_pct(spec):>6}  balanced {_pct(both):>6}"
        )
    click.echo(f"  checks firing on faults: {_counts(ev.fired_on_faulty)}")
    click.echo(f"  checks firing on consistent summaries: {_counts(ev.fired_on_consistent)}")
    click.echo(
        f"  time per check: {ev.ms_per_check:.2f} ms mean, {ev.ms_p95:.2f} ms p95 CPU (story warm)"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _print_generation(run: GenerationEvaluation | None, baseline: dict[str, Any] | None) -> None:
    if baseline is None:
        baseline = {"model": "not installed"}
    base_label = f"embedded baseline ({baseline['model']})"
    header = f"  {'':<28} {'this run':>12}   {base_label}" if run else f"  {base_label}"
    click.echo("Generation" + (f": model {run.model}, template {run.template}" if run else ""))
    click.echo(header)
    rows: list[tuple[str, str, float | None, int]] = [
        ("sections that pass", "pass_rate", run.pass_rate if run else None, 2),
        (
            "attempts / accepted section",
            "attempts_per_accepted",
            run.attempts_per_accepted if run else None,
            2,
        ),
        ("tokens / section", "tokens_per_section", run.tokens_per_section if run else None, 0),
    ]
    for label, key, value, digits in rows:
        base = _fmt(baseline.get(key), digits)
        if run:
            click.echo(f"  {label:<28} {_fmt(value, digits):>12}   {base}")
        else:
            click.echo(f"  {label:<28} {base}")
    if run:
        click.echo(f"  sections: {run.passed} passed, {run.written} written, {run.sections} asked")
        for line in run.failures:
            click.echo(f"  FAILED  {line}")
    if "sections" in baseline:
        click.echo(
            f"  (baseline: {baseline['sections']} sections of {baseline['folder']}, template "
            f"{baseline['template']} v{baseline['template_version']}, "
            f"{baseline.get('structured_mode', 'json_object')} answers, up to "
            f"{baseline['max_attempts']} attempts; measured by benchmarks/generation_eval.py)"
        )


def _refuse_generation_only(ctx: click.Context) -> None:
    """An option for --generate given without it: passed over, it looked applied to the
    figures (a --strict evaluation, another --template's word bounds)."""
    refuse_given(
        ctx,
        WRITING_OPTIONS,
        "is for the sections --generate writes; the checks' figures take none of it",
    )


@click.command(name="eval")
@click.argument("path", metavar="FOLDER|FILE.jsonl", type=click.Path(path_type=Path))
@click.option(
    "--generate",
    "generate_sections",
    is_flag=True,
    help="Also write a section for every (story, region) pair with the model and template, "
    "and report the share that pass, attempts per accepted section and tokens per section.",
)
@format_option("Report format.")
@click.option(
    "--repeat",
    type=click.IntRange(min=0),
    default=None,
    help="Timing passes (default: 20 over a folder, 1 over a JSONL set).",
)
@generation_options
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    /,
    path: Path,
    generate_sections: bool,
    fmt: str,
    repeat: int | None,
    strict: bool,
    no_cache: bool,
    cache_dir: Path | None,
    **options: Any,
) -> None:
    """Evaluate the checks on a labelled FOLDER: per check, faults caught and clean sections
    wrongly flagged (exit 1 if any fault is missed or clean section flagged).

    Or on FILE.jsonl, an annotated factual-consistency set (a document and a summary labelled
    consistent or not a line): recall by fault type, specificity, balanced accuracy, the same
    per domain, the checks that fired and the time per check (exit 0; it is a measurement).
    Both formats are in the README ("Reviewing and measuring")."""
    json_errors(ctx, fmt == "json")
    settings = settings_from(options)
    severities = dict(settings.checks)
    if not generate_sections and path.suffix.lower() != ".jsonl":
        _refuse_generation_only(ctx)
    # A JSONL file is a factual-consistency set; anything else must be a labelled folder.
    if path.suffix.lower() == ".jsonl":
        if generate_sections:
            raise ConfigError(
                "needs a folder of labelled sections; a JSONL set has no regions to write for",
                option="--generate",
            )
        # A set is scored by the content checks' errors, each summary checked as region us.
        for flag, given in (
            ("--verify", options.get("verify")),
            ("--strict", strict),
            ("--profiles", options.get("profiles")),
        ):
            if given:
                raise ConfigError(
                    "does not apply to a factual-consistency set (scored by the content "
                    "checks' errors, as region us)",
                    option=flag,
                )
        _refuse_generation_only(ctx)
        rows = load_factual(path)
        factual = evaluate_factual(
            rows,
            source=str(path),
            repeat=1 if repeat is None else repeat,
            severities=severities,
        )
        if fmt == "json":
            click.echo(json.dumps(factual.to_dict(), ensure_ascii=False, indent=2))
        else:
            print_factual(factual)
        return
    folder = path
    if options.get("verify") and not generate_sections:
        raise ConfigError(
            "verifies generated sections: add --generate (a folder's own sections are "
            "checked without a model)",
            option="--verify",
        )
    cases = load_cases(folder, profiles=settings.profiles)
    checks = evaluate_checks(cases, repeat=20 if repeat is None else repeat, severities=severities)
    run = None
    if generate_sections:
        cache = response_cache(no_cache, cache_dir)
        run = evaluate_model(cases, settings=settings, cache=cache, strict=strict)
    baseline = embedded_baseline()
    if fmt == "json":
        data: dict[str, Any] = {"checks": checks.to_dict(), "baseline": baseline}
        if run:
            data["generation"] = run.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_checks(folder, checks)
        _print_generation(run, baseline)
    sys.exit(0 if checks.ok else 1)
