"""What counts as a word: every word pattern localize reads text with, defined once, here.

They differ on purpose, each for what its reader needs; the name says which, and the comment why.
Nothing else in the package writes its own word pattern.
"""

from __future__ import annotations

import re

__all__ = [
    "APOSTROPHES",
    "CLAUSE_TOKEN",
    "CONTENT_WORD",
    "FOLD_WORD",
    "LETTERS",
    "NAME_RUN",
    "NAME_TOKEN",
    "NAME_WORD",
    "RAW_TOKEN",
    "SCRIPT_WORD",
    "SPAN_WORD",
    "TEXT_WORD",
    "TITLE_RUN",
    "bare_word",
    "leading_run",
    "word_runs",
]

# Apostrophes of every style, to drop before comparing: "Anthropic's" == "anthropics".
APOSTROPHES = str.maketrans("", "", "'\u2019\u2018\u02bc")

# Letters or digits, after APOSTROPHES are dropped: the folded words matching compares.
FOLD_WORD = re.compile(r"[^\W_]+")

# Letters or digits with inner apostrophes ("don't", "UK's"), offsets kept: runs of words a
# section repeats.
TEXT_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

# ASCII letters only: the spelling lists (British and American) hold ASCII words.
LETTERS = re.compile(r"[A-Za-z]+")

# A word walked in a sentence with its offsets: joined by ' . & - so "U.S.", "AT&T" and
# "e-mail" are one word (actions, counts and their ties).
SPAN_WORD = re.compile(r"[A-Za-z0-9][\w'\u2019.&-]*[\w]|[A-Za-z0-9]")

# A content word for aligning sentences: letters with inner apostrophes or hyphens, or a number
# with its separators ("1,200", "4.8").
CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*")

# A word or a figure as a restated clause is compared: a code with digits is one word ("Q3",
# "FY24"), an amount keeps its "$" and a percentage its "%" (the paraphrase check).
CLAUSE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'\u2019-]*[A-Za-z0-9]|[A-Za-z]|\$?\d+(?:[.,]\d+)*%?")

# Letters of any script: telling one language from another needs "für" and "Maßnahmen" whole.
SCRIPT_WORD = re.compile(r"[^\W\d_]+")

# A run of two or more title-case words ("Prime Minister Kevin Rudd"); an acronym ("NCSC") is
# not title case: it is the institution check's.
TITLE_RUN = re.compile(r"[A-Z][a-z][\w'\u2019-]*(?:\s+[A-Z][a-z][\w'\u2019-]*)+")

# A capitalised word with digits and dots ("GPT-5.5", "U.S."): the names a story uses.
NAME_WORD = re.compile(r"[A-Z][A-Za-z0-9'\u2019.-]*[A-Za-z0-9]|[A-Z]")

# A word of a named body or law, its possessive included ("Commissioner's").
NAME_TOKEN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:['\u2019]s)?")

# A run of capitalised words: a company's or a person's name ("Jon Callas", "OpenAI's").
NAME_RUN = re.compile(r"(?:[A-Z][\w\u2019'&.-]*[\w]|[A-Z])(?:\s+(?:[A-Z][\w\u2019'&.-]*[\w]))*")

# Anything between spaces and punctuation but ' . & -, to see how a text writes a word
# (capitalised or in lower case).
RAW_TOKEN = re.compile(r"[\w'\u2019&.-]+")


def bare_word(word: str) -> str:
    """A word lower-cased without a possessive or edge apostrophes and hyphens: the form that
    stems and lemmas start from ("Anthropic's" -> "anthropic")."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w.strip("'-")


# A maximal run of word characters: a whole name starts at one, and its first word is that run,
# so a text's runs rule out by a set lookup most names it cannot hold (see FirstWords).
_WORD_RUN = re.compile(r"\w+")


def word_runs(text: str) -> frozenset[str]:
    """Every maximal run of word characters in ``text``."""
    return frozenset(_WORD_RUN.findall(text))


def leading_run(name: str) -> str | None:
    """The run of word characters a name starts with (None when it starts with none)."""
    lead = _WORD_RUN.match(name)
    return lead.group() if lead else None
