"""What an acronym looks like: NCSC, NIS2, CISA, EU-US. One pattern, used by every check."""

from __future__ import annotations

import re

__all__ = ["ACRONYM", "ACRONYM_ONLY", "ACRONYM_WORD", "PAREN_ACRONYM"]

# Two capitals or more (digits allowed after the first), hyphen-joined parts allowed.
_BODY = r"[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*"

# The pattern itself, for fullmatch.
ACRONYM_ONLY = re.compile(_BODY)
# An acronym as a word of running text (group 1), a plural or possessive allowed: "NCSC's".
ACRONYM_WORD = re.compile(rf"(?<![\w-])({_BODY})(?:s|['\u2019]s)?(?!\w)")
# An acronym in brackets after the name it abbreviates: "National Cyber Security Centre (NCSC)".
PAREN_ACRONYM = re.compile(rf"\(({_BODY})\)")
# The bare pattern text, for building other patterns around it.
ACRONYM = _BODY
