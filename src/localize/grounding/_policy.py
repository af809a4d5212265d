"""`CheckPolicy`: which checks a run uses and how it weighs their findings.

The checks report what they find; the policy decides what runs and what counts: a run's own
checks (a newsroom's callables), each check's severity (the profile's ``checks:`` block, then the
run's ``--check NAME=SETTING``, the last one winning) and ``strict``. It makes every report of a
run (each attempt, so the re-ask sees it too), which is why the report, the result's ``status``,
the audit log and the review page all agree on one verdict.

``strict`` means one thing everywhere (Python, ``rewrite``, ``check``, ``batch``, ``eval``,
``review``): warnings count as errors, so a section with any finding left is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from localize.errors import ConfigError, ProfileError
from localize.grounding._checks import CheckReport, check
from localize.grounding._findings import Finding
from localize.grounding._plugins import as_checks, load_plugin_checks
from localize.grounding._registry import CheckFunction, RegisteredCheck, resolve_severities
from localize.grounding._verifier import VERIFIED, Verification, verified_findings
from localize.regions._profiles import RegionProfile
from localize.section import LocalizedSection
from localize.story import Story

__all__ = ["CheckPolicy"]


@dataclass(frozen=True)
class CheckPolicy:
    """What a run checks and what counts as an error in its reports.

    ``severities``: the run's settings, (check name, "off" | "warning" | "error"), over the
    profile's ``checks:``. ``checks``: the run's own checks, after the registered ones.
    """

    strict: bool = False
    severities: tuple[tuple[str, str], ...] = ()
    checks: tuple[RegisteredCheck, ...] = ()
    # How an error names where the run's severities came from (``--check`` in the CLI).
    option: str = "checks"

    @classmethod
    def of(
        cls,
        *,
        strict: bool = False,
        severities: Iterable[tuple[str, str]] = (),
        checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
        option: str = "checks",
    ) -> CheckPolicy:
        return cls(strict, tuple(severities), as_checks(checks), option)

    def validate(self, profile: RegionProfile) -> None:
        """Every check the profile and the run name exists, with a known setting; the error
        names the profile file (and its ``checks`` field) or the run's option."""
        load_plugin_checks()
        try:
            resolve_severities(dict(profile.checks), extra=self.checks)
        except ConfigError as exc:
            raise ProfileError(
                str(exc), path=profile.source or profile.id, field="checks"
            ) from None
        try:
            resolve_severities(dict(self.severities), extra=self.checks)
        except ConfigError as exc:
            raise ConfigError(str(exc), option=self.option) from None

    def check(
        self,
        section: LocalizedSection,
        story: Story,
        profile: RegionProfile,
        *,
        min_words: int | None,
        max_words: int | None,
    ) -> CheckReport:
        """The section's report as this run weighs it."""
        settings = {**dict(profile.checks), **dict(self.severities)}
        report = check(
            section,
            story,
            profile,
            min_words=min_words,
            max_words=max_words,
            severities=settings,
            extra=self.checks,
        )
        return self.apply(report)

    def _setting(self, profile: RegionProfile, name: str) -> str:
        overrides = (dict(profile.checks), dict(self.severities))
        return resolve_severities(*overrides, extra=self.checks)[name]

    def verifies(self, profile: RegionProfile) -> bool:
        """Whether the model verifier's findings count at all (``verified`` is not off)."""
        return self._setting(profile, VERIFIED) != "off"

    def verified(
        self, report: CheckReport, verification: Verification, profile: RegionProfile
    ) -> CheckReport:
        """``report`` with the model verifier's verdicts and its findings, weighed as this
        run weighs ``verified`` (and ``strict``), after the deterministic checks' findings."""
        found = verified_findings(verification, report.sentences, self._setting(profile, VERIFIED))
        both = replace(report, findings=report.findings + found, verification=verification)
        return self.apply(both)

    def apply(self, report: CheckReport) -> CheckReport:
        """``strict`` on a report made elsewhere (the same report when nothing changes)."""
        if not self.strict or not report.warnings:
            return report
        return replace(report, findings=tuple(map(_as_error, report.findings)))


def _as_error(finding: Finding) -> Finding:
    return finding if finding.severity == "error" else replace(finding, severity="error")
