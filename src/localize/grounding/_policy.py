"""`CheckPolicy`: how a run weighs the checks' findings, and what ``strict`` means.

The checks report what they find; the policy decides what counts. It is applied to every report
a run makes (each attempt, so the re-ask sees it too), which is why the report, the result's
``status``, the audit log and the review page all agree on one verdict.

``strict`` means one thing everywhere (Python, ``rewrite``, ``check``, ``batch``, ``eval``,
``review``): warnings count as errors, so a section with any finding left is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from localize.grounding._findings import Finding

if TYPE_CHECKING:
    from localize.grounding._checks import CheckReport

__all__ = ["CheckPolicy"]


@dataclass(frozen=True)
class CheckPolicy:
    """What counts as an error in a run's check reports."""

    strict: bool = False

    def apply(self, report: CheckReport) -> CheckReport:
        """The report as this policy weighs it (the same report when nothing changes)."""
        if not self.strict or not report.warnings:
            return report
        return replace(report, findings=tuple(map(_as_error, report.findings)))


def _as_error(finding: Finding) -> Finding:
    return finding if finding.severity == "error" else replace(finding, severity="error")
