"""The opt-in model verifier: the configured endpoint's verdict on each section sentence.

The deterministic checks are the first line and always run. A run that asks for verification
(``verify=True``, ``--verify``, ``LOCALIZE_VERIFY=1``, ``verify = true``) then sends one more
request per checked section: every section sentence, numbered, with the story sentences the
checks linked it to (`localize.grounding._support`, the same links the report carries; no
second linker) and the profile entries it names, asking for one JSON verdict per sentence. A
sentence the endpoint finds unsupported is a finding of the ``verified`` check, quoting the
sentence and the story sentences it was checked against (or saying none were linked).

``verified`` is a warning by default: its verdicts are a model's, which may be wrong and may
change from run to run, so on their own they do not decide whether a section is published (nor
cost a re-ask); a newsroom that has measured its verifier model makes it an error with
``--check verified=error``, and its findings then feed the re-ask like any other error.

What comes back is read strictly: anything but one JSON object with exactly one verdict per
sentence is unreadable, and that is a warning of its own (never a crash, never a verdict made
up). Nothing here sends anything: this module reads the answer and weighs it;
`localize.prompting._verification` writes the request, and the attempt loop
(`localize.pipeline`) sends it and counts its tokens with the attempts'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from localize._strict_json import JSONProblem, loads
from localize.backends._usage import Completion
from localize.grounding._findings import Finding, shorten
from localize.grounding._support import SentenceLink

__all__ = ["VERIFIED", "Verdict", "Verification", "read_verification", "verified_findings"]

VERIFIED = "verified"

# Characters of a story sentence or a section sentence quoted in a finding, and of the reason.
_QUOTE_LIMIT = 120
_REASON_LIMIT = 160
_FENCE = re.compile(r"\A```(?:json)?\s*\n(.*)\n```\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The endpoint's verdict on one section sentence (numbered as in the report's sentences)."""

    sentence: int
    supported: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "supported": self.supported, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Verification:
    """One section's verification: the verdicts and what the request cost.

    ``problem`` says why the answer could not be read (its verdicts are then empty). The token
    counts are this request's (as the endpoint reported them, also when the response cache
    served the answer: ``from_cache``, no request sent); the result's provenance sums them with
    the attempts' and every earlier attempt's verification. ``estimated_cost_usd`` is None
    without a known price.
    """

    model: str
    verdicts: tuple[Verdict, ...]
    prompt_tokens: int
    completion_tokens: int
    requests: int
    from_cache: bool = False
    estimated_cost_usd: float | None = None
    problem: str | None = None

    @property
    def unsupported(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if not v.supported)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "requests": self.requests,
            "from_cache": self.from_cache,
            "estimated_cost_usd": self.estimated_cost_usd,
            "problem": self.problem,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verification:
        return cls(
            model=str(data["model"]),
            verdicts=tuple(
                Verdict(int(v["sentence"]), bool(v["supported"]), str(v["reason"]))
                for v in data.get("verdicts") or ()
            ),
            prompt_tokens=int(data.get("prompt_tokens", 0)),
            completion_tokens=int(data.get("completion_tokens", 0)),
            requests=int(data.get("requests", 0)),
            from_cache=bool(data.get("from_cache", False)),
            estimated_cost_usd=data.get("estimated_cost_usd"),
            problem=data.get("problem"),
        )


def _verdicts(content: str, count: int) -> tuple[Verdict, ...]:
    """The verdicts in an answer, exactly one per sentence 1..``count``; ValueError if not."""
    text = content.strip()
    fenced = _FENCE.match(text)
    data = loads(fenced.group(1) if fenced else text)
    if not isinstance(data, dict) or not isinstance(data.get("verdicts"), list):
        raise ValueError('not a JSON object with a "verdicts" list')
    found: dict[int, Verdict] = {}
    for item in data["verdicts"]:
        if not isinstance(item, dict):
            raise ValueError("a verdict is not a JSON object")
        number, supported, reason = item.get("sentence"), item.get("supported"), item.get("reason")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
            shown = shorten(repr(number), 20)
            raise ValueError(f"a verdict names sentence {shown}, not one of 1 to {count}")
        if not isinstance(supported, bool):
            raise ValueError(f'the verdict on sentence {number} has no true or false "supported"')
        if not isinstance(reason, str):
            raise ValueError(f'the verdict on sentence {number} has no "reason" text')
        if number in found:
            raise ValueError(f"sentence {number} has two verdicts")
        found[number] = Verdict(number, supported, " ".join(reason.split()))
    missing = [n for n in range(1, count + 1) if n not in found]
    if missing:
        raise ValueError(f"no verdict on sentence(s) {', '.join(map(str, missing))}")
    return tuple(found[n] for n in range(1, count + 1))


def read_verification(completion: Completion, links: Sequence[SentenceLink]) -> Verification:
    """The endpoint's answer as a `Verification`; an unreadable one keeps its cost and says why."""
    problem: str | None = None
    verdicts: tuple[Verdict, ...] = ()
    if completion.finish_reason == "length":
        problem = "it was cut off at the length limit"
    else:
        try:
            verdicts = _verdicts(completion.content, len(links))
        except JSONProblem as exc:
            problem = exc.reason
        except ValueError as exc:
            problem = str(exc)
    return Verification(
        model=completion.model,
        verdicts=verdicts,
        prompt_tokens=completion.usage.prompt_tokens,
        completion_tokens=completion.usage.completion_tokens,
        requests=0 if completion.from_cache else completion.requests,
        from_cache=completion.from_cache,
        problem=problem,
    )


def _checked_against(link: SentenceLink) -> str:
    if not link.sources:
        return "it was linked to no story sentence"
    quoted = "; ".join(
        f'[{n}] "{shorten(t, _QUOTE_LIMIT)}"'
        for n, t in zip(link.sources, link.source_texts, strict=True)
    )
    return f"it was checked against {quoted}"


def verified_findings(
    verification: Verification, links: Sequence[SentenceLink], severity: str
) -> tuple[Finding, ...]:
    """A finding (at ``severity``) for each sentence found unsupported; a warning when the
    answer could not be read, whatever ``severity`` is: it says nothing about the section, and
    a re-ask could not fix it."""
    model = shorten(verification.model, 60)  # as the endpoint named itself
    if verification.problem is not None:
        return (
            Finding(
                VERIFIED,
                "warning",
                f"the verifier's answer ({model}) could not be read: "
                f"{verification.problem}; the section has no verdicts",
            ),
        )
    by_number = {link.number: link for link in links}
    out: list[Finding] = []
    for verdict in verification.unsupported:
        link = by_number[verdict.sentence]
        reason = shorten(verdict.reason, _REASON_LIMIT)
        out.append(
            Finding(
                VERIFIED,
                "error" if severity == "error" else "warning",
                f'the verifier ({model}) found "{shorten(link.text, _QUOTE_LIMIT)}" '
                f"not supported ({reason or 'no reason given'}); {_checked_against(link)}",
                link.text,
            )
        )
    return tuple(out)
