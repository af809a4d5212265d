"""The ``leak`` check: prompt or model artefacts (template syntax, role labels, "As an AI")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding
from localize.grounding._quote import mask_quotes
from localize.regions import RegionProfile
from localize.regions._select import folded_for_names

__all__ = ["check_leak"]

_LEAKS_RAW = tuple(
    re.compile(p)
    for p in (
        r"\{\{|\}\}|\{%|%\}|\{#",  # template syntax
        r"<\|[A-Za-z0-9_]+\|>|\[/?INST\]|<</?SYS>>|</?s>|</?think>",  # chat-format tokens
        r"(?im)^[ \t]*(?:system|user|assistant|human)[ \t]*:",  # role labels
        r"(?i)</?(?:story|region|profile|section|instructions?|article|context|input|output)>",
        r"(?m)^[ \t]*(?:Headline|Region|Audience|Institutions|Laws|Spelling and style|Story|"
        r"Region profile|Instructions|Heading|Body|The story['\u2019]s beats(?:[ \t]+are)?)[ \t]*:",
        # the prompt's labels
        r"\b(?:STORY|REGION PROFILE|REGION|PROFILE|INSTRUCTIONS|SECTION|OUTPUT)[ \t]*:",
        r"(?im)^[ \t]*#{1,6}[ \t]*(?:instructions|story|region|region profile|rules|task|output|"
        r"response|answer)\b",
        r"\{\s*\"(?:body|heading|section|text|paragraphs|sources)\"\s*:",  # a raw JSON answer
        r"```",
    )
)
# Conversational artefacts; looked for outside quotes, since a source may say "I cannot".
_LEAKS_PROSE = tuple(
    re.compile(p)
    for p in (
        r"(?i)\bas an ai\b",
        r"(?i)\b(?:I cannot|I can['\u2019]t|I(?:'m| am) unable to|I(?:'m| am) sorry|"
        r"I apologi[sz]e)\b",
        r"(?i)\bhere(?:['\u2019]s| is| are)\s+(?:the|your|a|an|my)\s+(?:[\w-]+\s+){0,3}?"
        r"(?:section|paragraphs?|text|draft|version|rewrite|response|answer|json|output)\b",
        r"(?m)^[ \t]*Sure\b[,!.]|\A\s*(?:Okay|OK)\b[,!]|\A\s*Certainly!",
        r"(?i)\bword count\s*:|\blet me know if\b",
        # A weak model may echo the re-ask instead of answering it.
        r"(?i)\bfix these problems\b|\bcannot be published as it is\b|"
        r"\bthe section is \d+ words long\b|\bJSON object with the key\b",
    )
)


# What each of `_LEAKS_PROSE` cannot match without: words one of which its every match holds,
# lower-cased (a case-blind pattern's) or as written (None: the pattern is case-blind). Most
# sections hold none, and each case-blind search is a pass over the whole section.
PROSE_WORDS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("as an ai",), True),
    (("cannot", "can't", "can\u2019t", "unable to", "sorry", "apologi"), True),
    (("here",), True),
    (("Sure", "OK", "Okay", "Certainly!"), False),
    (("word count", "let me know if"), True),
    (
        ("fix these problems", "cannot be published as it is", "the section is ", "json object"),
        True,
    ),
)


def _may_match(words: tuple[str, ...], lowered: bool, text: str, folded: str | None) -> bool:
    """Whether a pattern with these `PROSE_WORDS` can match ``text`` (``folded``: it lower-cased
    by `folded_for_names`, None where only the pattern can judge)."""
    if not lowered:
        return any(w in text for w in words)
    return folded is None or any(w in folded for w in words)


def _check_leaks(raw: str) -> Iterator[Finding]:
    prose = mask_quotes(raw)
    folded = folded_for_names(prose)
    for patterns, text in ((_LEAKS_RAW, raw), (_LEAKS_PROSE, prose)):
        for n, pattern in enumerate(patterns):
            if patterns is _LEAKS_PROSE and not _may_match(*PROSE_WORDS[n], prose, folded):
                continue
            m = pattern.search(text)
            if m:
                span = raw[m.start() : m.end()].strip()
                yield Finding(
                    "leak", "error", f'The section contains prompt or model text ("{span}").', span
                )


# The prompt lists the region's bodies and laws one a line, "- Name (ACR): remit"; a weak model
# copies that block into its answer. Each copied line is reported: each is a line a reader sees.
_LIST_ENTRY = re.compile(r"(?m)^[ \t]*[-*\u2022][ \t]+([^:\n]+?)(?:[ \t]*\([^()\n]*\))?[ \t]*:")


def _profile_echoes(raw: str, profile: RegionProfile) -> Iterator[Finding]:
    names = {i.name.casefold() for i in profile.institutions}
    names.update(law.name.casefold() for law in profile.laws)
    for m in _LIST_ENTRY.finditer(raw):
        if m.group(1).strip().casefold() in names:
            span = m.group().strip()
            yield Finding(
                "leak", "error", f'The section contains prompt or model text ("{span}").', span
            )


def check_leak(ctx: CheckContext) -> Iterator[Finding]:
    yield from _check_leaks(ctx.raw)
    yield from _profile_echoes(ctx.raw, ctx.profile)
