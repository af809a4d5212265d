"""`localize eval`: the checks' figures on a labelled folder, and a model's with --generate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from localize.cli._group import (
    format_option,
    generation_options,
    json_errors,
    response_cache,
    settings_from,
)
from localize.evaluation._evaluation import (
    CheckEvaluation,
    GenerationEvaluation,
    embedded_baseline,
    evaluate_checks,
    evaluate_model,
    load_cases,
)

__all__ = ["eval_cmd"]


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
        f"  time per section: {ev.ms_per_section:.2f} ms mean, {ev.ms_p95:.2f} ms p95 "
        "(story data warm)"
    )
    for line in ev.missed:
        click.echo(f"  MISSED  {line}")
    for line in ev.flagged:
        click.echo(f"  FLAGGED {line}")
    for line in ev.extra:
        click.echo(f"  extra   {line}")


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


@click.command(name="eval")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
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
    default=20,
    show_default=True,
    help="Timing passes over the folder.",
)
@generation_options
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    /,
    folder: Path,
    generate_sections: bool,
    fmt: str,
    repeat: int,
    strict: bool,
    no_cache: bool,
    cache_dir: Path | None,
    **options: Any,
) -> None:
    """Evaluate the checks on a labelled FOLDER: per check, faults caught and clean sections
    wrongly flagged (exit 1 if any fault is missed or clean section flagged). The folder's
    format is in the README ("Reviewing and measuring")."""
    json_errors(ctx, fmt == "json")
    settings = settings_from(options)
    cases = load_cases(folder, profiles=settings.profiles)
    checks = evaluate_checks(cases, repeat=repeat)
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
