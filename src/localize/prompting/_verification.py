"""The model verifier's request: each section sentence beside the story sentences it is linked
to, asking for one JSON verdict per sentence (`localize.grounding._verifier` reads the answer).

Section, story and profile text is data here as in the section's prompt: chat control tokens
in it are defused (`localize.prompting._neutralise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from localize._types import ChatMessage
from localize.grounding import SentenceLink
from localize.prompting._neutralise import neutralise
from localize.regions import RegionProfile

__all__ = ["VERDICT_SCHEMA", "verification_messages", "verification_params"]

# One verdict per sentence. Every property required and no others: what OpenAI's strict
# json_schema mode demands, and what llama.cpp's json_object grammar constrains decoding to.
VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sentence": {"type": "integer"},
                    "supported": {"type": "boolean"},
                    "reason": {"type": "string"},
                },
                "required": ["sentence", "supported", "reason"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["verdicts"],
    "additionalProperties": False,
}

_SYSTEM = (
    "You check a regional news section against the story it was written from. For each "
    "numbered section sentence you are given the story sentences it was linked to, and the "
    "region profile entries it names. A sentence is supported when every fact in it (who did "
    "what, names, numbers, dates, yes or no) is stated by its story sentences, or is the "
    "standing role of a body given in its profile entries. A sentence that adds a fact, swaps a "
    "name, number or date, turns a statement around or negates it is not supported. Answer with "
    'one JSON object only: {"verdicts": [{"sentence": 1, "supported": true, "reason": "..."}]}, '
    "one verdict per sentence, in order, each reason at most 15 words."
)
# Output tokens allowed per sentence's verdict, and for the object around them.
_TOKENS_PER_VERDICT = 48
_TOKENS_OVERHEAD = 32


def _entry_lines(labels: Sequence[str], profile: RegionProfile) -> list[str]:
    """The profile entries a sentence names, with the remit or summary the profile gives."""
    remits = {f"institution: {i.name}": i.remit for i in profile.institutions}
    remits.update({f"law: {law.name}": law.summary for law in profile.laws})
    return [
        f"  profile: {neutralise(label.split(': ', 1)[-1])}"
        + (f": {neutralise(remits[label])}" if remits.get(label) else "")
        for label in labels
        if not label.startswith("region: ")
    ]


def verification_messages(
    links: Sequence[SentenceLink], profile: RegionProfile
) -> list[ChatMessage]:
    """The request for one section: each sentence with what the checks linked it to."""
    blocks: list[str] = []
    for link in links:
        lines = [f"Sentence {link.number}: {neutralise(link.text)}"]
        if link.sources:
            lines += [
                f"  story [{n}]: {neutralise(text)}"
                for n, text in zip(link.sources, link.source_texts, strict=True)
            ]
        else:
            lines.append("  story: (no story sentence is linked to it)")
        lines += _entry_lines(link.profile, profile)
        blocks.append("\n".join(lines))
    user = (
        f"Region: {neutralise(profile.name)}\n\n"
        + "\n\n".join(blocks)
        + f"\n\nGive {len(links)} verdict(s), for sentences 1 to {len(links)}."
    )
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def verification_params(links: Sequence[SentenceLink]) -> dict[str, Any]:
    """Greedy and seeded, so the same section gets the same request (and a cassette matches);
    room for every verdict."""
    return {
        "temperature": 0,
        "seed": 0,
        "max_tokens": _TOKENS_OVERHEAD + _TOKENS_PER_VERDICT * len(links),
    }
