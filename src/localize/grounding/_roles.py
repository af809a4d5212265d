"""A person's role swapped for another (part of ``paraphrase``): "Finance Minister Hubertus
Heil" where the story has Labour Minister Hubertus Heil, "chief financial officer Tim Cook" for
its chief executive, "former foreign minister Johan Gustafsson" where the story gives that role
to another person and none to him.

A role is read where news writes it, right before a name ("Labour Minister Hubertus Heil",
"chief executive Tim Cook") or in an appositive after it ("Tim Cook, Apple's chief executive,"),
and reduced to one form ("CEO" and "chief executive officer" are one role; a minister keeps the
word before it: "finance minister"). A person is known by the last word of the name. Left alone:
a role the story gives the person too, a minister or secretary without a portfolio on one side
("Minister Heil"), a vague one ("boss", "leader", "head"), and anyone the story gives no role to
while no one else holds that role in it: a true role the story leaves out is as likely as a
false one. "Former", "acting" and the like are not part of the role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from localize.grounding._analysis import per_story
from localize.story import Story
from localize.text import STOPWORDS, is_common_word, lemma, story_sentences, word_set

__all__ = ["swapped_role"]

# Each role as written -> its one form. Longest phrases are tried first.
_ROLES: dict[str, str] = {
    "chief executive officer": "chief executive",
    "chief executive": "chief executive",
    "ceo": "chief executive",
    "chief financial officer": "chief financial officer",
    "cfo": "chief financial officer",
    "finance chief": "chief financial officer",
    "chief operating officer": "chief operating officer",
    "coo": "chief operating officer",
    "chief technology officer": "chief technology officer",
    "cto": "chief technology officer",
    "chairman": "chair",
    "chairwoman": "chair",
    "chairperson": "chair",
    "chair": "chair",
    "president": "president",
    "vice president": "vice president",
    "vice-president": "vice president",
    "prime minister": "prime minister",
    "premier": "prime minister",
    "pm": "prime minister",
    "deputy prime minister": "deputy prime minister",
    "chancellor": "chancellor",
    "governor": "governor",
    "lieutenant governor": "lieutenant governor",
    "mayor": "mayor",
    "senator": "senator",
    "judge": "judge",
    "coach": "coach",
    "head coach": "coach",
    "manager": "manager",
    "captain": "captain",
    "goalkeeper": "goalkeeper",
    "striker": "striker",
    "midfielder": "midfielder",
    "defender": "defender",
    "winger": "winger",
    "spokesman": "spokesperson",
    "spokeswoman": "spokesperson",
    "spokesperson": "spokesperson",
    "founder": "founder",
    "co-founder": "founder",
    "ambassador": "ambassador",
    "treasurer": "treasurer",
    "king": "king",
    "queen": "queen",
    "prince": "prince",
    "princess": "princess",
}
# A minister or a secretary keeps the word before it, its portfolio ("finance minister").
_PORTFOLIO_HEADS = frozenset({"minister", "secretary"})
# Words before a role that say when or how it is held, not which role it is.
_NOT_PORTFOLIO = STOPWORDS | frozenset(
    {"former", "acting", "then", "current", "new", "outgoing", "incoming", "interim", "deputy"}
)
_LONGEST = max(len(k.split()) for k in _ROLES)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019.-]*")
_POSSESSIVE = ("'s", "\u2019s")
_NAME_LENGTH = 3  # words of a name after a role
_DETERMINERS = frozenset({"the", "its", "his", "her", "their"})
# Words before a place, which an appositive's name must not follow ("In London, the mayor,").
_PLACE_WORDS = frozenset(
    {"in", "at", "from", "of", "to", "for", "on", "with", "by", "near", "across", "into", "outside"}
)
# Capitalised words after a role that name no one ("the manager Tuesday").
_NOT_NAMES = word_set("""
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
""")


def _roles_at(words: list[str], low: list[str], i: int) -> tuple[str, int] | None:
    """The role whose last word is ``words[i]`` (its one form, and its first word's index);
    ``low`` is ``words`` lower-cased."""
    for n in range(min(_LONGEST, i + 1), 0, -1):
        phrase = " ".join(low[i - n + 1 : i + 1])
        if phrase in _ROLES:
            return _ROLES[phrase], i - n + 1
    head = low[i]
    if head in _PORTFOLIO_HEADS:
        if (
            i
            and low[i - 1] not in _NOT_PORTFOLIO
            and is_common_word(low[i - 1])
            and not words[i - 1].endswith(_POSSESSIVE)
        ):
            return f"{lemma(low[i - 1])} minister", i - 1
        return "minister", i
    return None


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def _bare(word: str) -> str:
    for suffix in _POSSESSIVE:
        word = word.removesuffix(suffix)
    return word.rstrip(".")


def _people(text: str) -> Iterator[tuple[str, str]]:
    """(role, the person's last name, lower case) for each role a text gives to a name."""
    matches = list(_WORD.finditer(text))
    words = [m.group() for m in matches]
    low = [w.lower().rstrip(".") for w in words]
    for i in range(len(words)):
        found = _roles_at(words, low, i)
        if found is None:
            continue
        role, first = found
        # A role right before a name: "Labour Minister Hubertus Heil".
        name: list[str] = []
        j = i + 1
        while (
            j < len(words)
            and len(name) < _NAME_LENGTH
            and _capitalised(words[j])
            and _bare(words[j]).lower() not in _NOT_NAMES
        ):
            if text[matches[j - 1].end() : matches[j].start()] != " ":
                break
            if _roles_at(words, low, j) is not None:
                break
            name.append(words[j])
            if words[j].endswith(_POSSESSIVE):
                break
            j += 1
        if name and not words[i].endswith(_POSSESSIVE):
            yield role, _bare(name[-1]).lower()
            continue
        # An appositive after a name, closed by a comma: "Tim Cook, Apple's chief executive,"
        # or "Heil, the labour minister,". Not a place before it: "In London, the mayor, ...".
        k, skipped = first - 1, 0
        while (
            k >= 0
            and skipped < 2
            and (words[k].lower() in _DETERMINERS or words[k].endswith(_POSSESSIVE))
        ):
            k, skipped = k - 1, skipped + 1
        if k < 0 or i + 1 >= len(words):
            continue
        if k == 0 and is_common_word(words[0].lower()):
            continue  # "Yesterday, the minister, ...": a sentence's first word, no name
        before = text[matches[k].end() : matches[k + 1].start()].strip()
        after = text[matches[i].end() : matches[i + 1].start()].strip()
        if (
            before == ","
            and after == ","
            and _capitalised(words[k])
            and (k == 0 or words[k - 1].lower() not in _PLACE_WORDS)
        ):
            yield role, _bare(words[k]).lower()


@per_story
def _story_roles(story: Story) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The roles the story gives: person -> role -> sentence, and role -> person -> sentence."""
    by_person: dict[str, dict[str, int]] = {}
    by_role: dict[str, dict[str, int]] = {}
    for s in story_sentences(story):
        for role, person in _people(s.text):
            by_person.setdefault(person, {}).setdefault(role, s.number)
            by_role.setdefault(role, {}).setdefault(person, s.number)
    return by_person, by_role


def _fits(role: str, given: dict[str, int]) -> bool:
    """Whether a role is one the story gives: the same, or a minister with a portfolio on one
    side only ("Minister Heil" for the story's Labour Minister Heil)."""
    if role in given:
        return True
    if role.endswith("minister"):
        return role == "minister" or "minister" in given
    return False


def swapped_role(text: str, story: Story) -> tuple[str, int] | None:
    """A role ``text`` (one section sentence) gives a person that the story gives another
    person, or that the story does not give the person where it gives them another: what it
    says and the story sentence it contradicts."""
    by_person, by_role = _story_roles(story)
    if not by_person:
        return None
    story_words = story.text.lower()
    for role, person in _people(text):
        given = by_person.get(person)
        if given:
            if not _fits(role, given):
                told, number = next(iter(given.items()))
                return f"makes {person.title()} {role} where the story has {told}", number
            continue
        holders = {p: n for p, n in by_role.get(role, {}).items() if p != person}
        if holders and re.search(rf"\b{re.escape(person)}\b", story_words):
            other, number = next(iter(holders.items()))
            return f"makes {person.title()} {role}, the story's role for {other.title()}", number
    return None
