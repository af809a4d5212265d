"""Who did what: the ``attribution`` and ``claim`` checks.

Both read actions out of sentences the same way, in the story and in the section: an actor (a
region's government, "the UK's", "the US" before a noun; a public body of any built-in or the
given profile, by name, acronym or alias; a named organisation or person) tied to an action (a
ban, an order, a restriction, a suspension, a warning, an investigation, a fine, guidance, a
statement) by a possessive ("the UK government's ban"), a region adjective ("the US order"), a
subject and its verb ("the NCSC warned"), or a passive ("an order issued by the Commission").

- ``attribution`` (error): the section gives an action the story reports to another actor than
  the story does: "the UK government's ban" when the story's ban is the US government's.
- ``claim`` (error): the section says a public body (or a region's government) did or said
  something specific -- in the past, the perfect, the progressive or a definite future -- that
  the story does not report. The present simple and hedged forms are a body's standing remit and
  pass: "the ICO enforces UK GDPR", "the NCSC has long urged organisations to patch", "CISA may
  issue guidance".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from localize.findings import Finding
from localize.regions import RegionProfile, builtin_regions
from localize.sentences import Sentence, split_sentences, story_sentences
from localize.story import Story
from localize.wordfold import fold, fold_tokens, is_capitalised, sentence_initial, word_set

__all__ = ["Action", "check_actions", "reported_in", "story_actions"]

# Families of acts whose actor the story fixes: giving one to someone else is an attribution
# error. The others are claims when the story does not report them of that actor.
_STORY_ACTS = frozenset({"ban", "order", "restriction", "suspension", "letter"})
# Words a story uses for one act interchangeably: its "export ban" is also its "order" and its
# "restrictions". An actor the story gives one of them to may be given the others.
_SAME_ACT = {"ban": "controls", "order": "controls", "restriction": "controls"}

_NOUNS: dict[str, str] = {
    "ban": "ban",
    "bans": "ban",
    "prohibition": "ban",
    "embargo": "ban",
    "order": "order",
    "orders": "order",
    "directive": "order",
    "restriction": "restriction",
    "restrictions": "restriction",
    "curbs": "restriction",
    "controls": "restriction",
    "suspension": "suspension",
    "warning": "warning",
    "warnings": "warning",
    "investigation": "investigation",
    "probe": "investigation",
    "inquiry": "investigation",
    "fine": "fine",
    "fines": "fine",
    "penalty": "fine",
    "guidance": "guidance",
    "advisory": "guidance",
    "alert": "guidance",
    "announcement": "statement",
    "statement": "statement",
    "letter": "letter",
}
# Verbs in the forms that report an event (past, participle, -ing); the base form for "will".
_VERBS: dict[str, str] = {}
for _family, _forms in {
    "ban": "banned banning ban prohibited prohibit blocked block",
    "order": "ordered order directed mandated told instructed forced",
    "restriction": "restricted restrict limited limit curbed",
    "suspension": "suspended suspend halted halt paused cut",
    "warning": "warned warn warning cautioned",
    "investigation": "investigated investigating investigate probed probing",
    "fine": "fined fine fining penalised penalized",
    "guidance": "advised advise",
    "statement": (
        "announced announce said stated called urged urging criticised criticized "
        "condemned welcomed welcome confirmed confirm declared declare responded respond "
        "described"
    ),
    "letter": "signed",
    "development": "developed develop built build created create designed design trained train",
}.items():
    _VERBS.update(dict.fromkeys(_forms.split(), _family))
# Verbs whose act is their object: "imposed the export control order", "issued guidance".
_CARRIERS = word_set(
    "imposed impose issued issue issuing published publish introduced introduce placed place "
    "put opened open opening launched launch announced made make"
)
_BASE_FORMS = frozenset(
    w
    for w in _VERBS.keys() | _CARRIERS
    if not w.endswith(("ed", "ing")) and w not in ("cut", "put", "said", "told", "fine")
) | {"fine"}
_HABITUAL = word_set(
    "long consistently always repeatedly regularly routinely often continually generally "
    "typically usually"
)
_MODALS = word_set("may might could would should can must")
_FILLERS = word_set(
    "has have had also then later initially quickly now already swiftly itself recently "
    "subsequently first last this week on friday monday tuesday wednesday thursday saturday "
    "sunday"
)
_GOVERNMENT = (
    r"government|administration|authorities|officials|regulators|lawmakers|ministers|"
    r"Congress|Parliament|parliament"
)
_WORD = re.compile(r"[A-Za-z0-9][\w'\u2019.&-]*[\w]|[A-Za-z0-9]")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{12,})[\"\u201d]")


@dataclass(frozen=True, slots=True)
class _Actor:
    key: str  # "gov:us", "inst:National Cyber Security Centre", "org:anthropic"
    label: str  # "the US government", "the NCSC", "Anthropic"
    public: bool  # a government or a public body: the claim check's subjects


@dataclass(frozen=True, slots=True)
class Action:
    """One actor doing one kind of act in one sentence."""

    actor: _Actor
    family: str
    event: bool  # reported as something that happened (not remit, not hedged)
    start: int  # span of the phrase in its sentence's text
    end: int


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """Every actor name of the built-in regions and the given profile, as one regex."""

    pattern: re.Pattern[str]  # groups: gov (a region's government), name, poss
    names: dict[str, _Actor]  # name or region word, whitespace collapsed -> actor


def _short_region(profile: RegionProfile) -> str:
    for alias in profile.aliases:
        if alias.isupper() and "." not in alias:
            return alias
    adjectives = [a for a in profile.aliases if a.endswith("an")]
    return adjectives[0] if adjectives else profile.name


def _alternation(names: Iterable[str]) -> str:
    # Longest first, so at any position the longest name wins ("European Commission" over
    # "European").
    ordered = sorted(set(names), key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered)


@lru_cache(maxsize=32)
def _lexicon(profile: RegionProfile) -> _Lexicon:
    others = [p for rid, p in builtin_regions().items() if rid != profile.id]
    names: dict[str, _Actor] = {}
    region_words: list[str] = []
    for p in [*others, profile]:  # the given profile's names win a clash
        gov = _Actor(f"gov:{p.id}", f"the {_short_region(p)} government", True)
        for word in (p.name, *p.aliases):
            names[word] = gov
            region_words.append(word)
        for inst in p.institutions:
            actor = _Actor(f"inst:{inst.name}", f"the {inst.acronym or inst.name}", True)
            for name in (inst.name, inst.acronym or "", *inst.aliases):
                if name:
                    names[" ".join(name.split())] = actor
    regions = _alternation(region_words)
    pattern = re.compile(
        rf"(?<![\w-])(?:(?P<gov>(?:{regions})(?:['\u2019]s)?\s+(?:{_GOVERNMENT}))"
        rf"|(?P<name>{_alternation(names)}))(?P<poss>['\u2019]s)?(?![\w-])"
    )
    return _Lexicon(pattern, names)


def _actor_of(m: re.Match[str], lexicon: _Lexicon) -> _Actor:
    if m.group("gov"):
        words = m.group("gov").split()
        for n in range(len(words) - 1, 0, -1):
            head = " ".join(words[:n])
            for key in (head, head[:-2]):  # "Britain's ministers"
                if key in lexicon.names:
                    return lexicon.names[key]
    return lexicon.names[" ".join(m.group("name").split())]


_NAME_RUN = re.compile(r"(?:[A-Z][\w\u2019'&.-]*[\w]|[A-Z])(?:\s+(?:[A-Z][\w\u2019'&.-]*[\w]))*")


_BARE_GOVERNMENT = re.compile(
    r"(?<![\w-])the\s+(?:government|administration)(?P<poss>['\u2019]s)?(?![\w-])", re.IGNORECASE
)


def _actors(
    text: str, lexicon: _Lexicon, home: _Actor | None = None
) -> list[tuple[int, int, _Actor, bool]]:
    """(start, end, actor, possessive) for every actor named in a sentence, left to right.

    ``home`` is who a bare "the government" is (in a story: the government it is about).
    """
    out = [
        (m.start(), m.end(), _actor_of(m, lexicon), bool(m.group("poss")))
        for m in lexicon.pattern.finditer(text)
    ]
    if home is not None:
        out.extend(
            (m.start(), m.end(), home, bool(m.group("poss")))
            for m in _BARE_GOVERNMENT.finditer(text)
        )
    taken = [(a, b) for a, b, _, _ in out]
    # Other capitalised names (companies, people): the last word is the key.
    for m in _NAME_RUN.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        words = m.group().split()
        if len(words) == 1 and sentence_initial(text, m.start()):
            continue
        last = words[-1]
        poss = last.endswith(("'s", "\u2019s"))
        key = fold_tokens(last[:-2] if poss else last)
        if not key or not is_capitalised(last):
            continue
        label = m.group()[:-2] if poss else m.group()
        out.append((m.start(), m.end(), _Actor(f"org:{key[0]}", label, False), poss))
    out.sort(key=lambda item: item[0])
    return out


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def _word_index(words: list[tuple[int, int, str]], pos: int) -> int:
    for i, (a, _, _) in enumerate(words):
        if a >= pos:
            return i
    return len(words)


def _noun_after(words: list[tuple[int, int, str]], i: int, reach: int) -> tuple[int, str] | None:
    for j in range(i, min(len(words), i + reach)):
        family = _NOUNS.get(words[j][2])
        if family:
            return j, family
        if words[j][2] in ("and", "but", "which", "that", "while"):
            return None
    return None


def _actions(text: str, lexicon: _Lexicon, home: _Actor | None = None) -> list[Action]:
    words = _words(text)
    actions: list[Action] = []
    actors = _actors(text, lexicon, home)
    for start, end, actor, poss in actors:
        i = _word_index(words, end)
        if poss or actor.key.startswith("gov:"):
            # "the UK government's recent ban", "the US export control order".
            found = _noun_after(words, i, 4 if poss else 3)
            if found and _plain_gap(text, end, words[found[0]][0], poss):
                j, family = found
                actions.append(Action(actor, family, family != "guidance", start, words[j][1]))
                continue
        paren = _PAREN_AFTER.match(text, end)
        if paren:
            i = _word_index(words, paren.end())  # "the Information Commissioner's Office (ICO)"
        action = _verb_after(words, i, text)
        if action is not None and _is_subject(text, start, actors):
            family, event, stop = action
            actions.append(Action(actor, family, event, start, stop))
    actions.extend(_passives(text, words, actors))
    return actions


def _plain_gap(text: str, start: int, end: int, possessive: bool) -> bool:
    """Only lower-case modifiers between an actor and its act: "the US export control order"."""
    gap = text[start:end]
    if any(c in gap for c in ',;:()"\u201c\u201d'):
        return False
    return possessive or not any(w[:1].isupper() for w in gap.split())


# Words that may stand between a clause's start and its subject ("On Friday the"), and words
# that open a clause whose subject follows ("that", "and", "when").
_BEFORE_SUBJECT = word_set("""
    the a an then on friday last week meanwhile also however yet now monday tuesday wednesday
    thursday saturday sunday
""")
_OPENERS = word_set("and but while so that after when because as which since whereas then")
_PAREN_AFTER = re.compile(r"\s*\([^()]{1,40}\)")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\u2014\u2013\"\u201c\u201d]")


def _is_subject(text: str, start: int, actors: list[tuple[int, int, _Actor, bool]]) -> bool:
    """Whether the actor at ``start`` opens its clause ("On Friday the FTC ordered", "the NCSC
    and the ICO had developed", "so significant that Anthropic restricted"), rather than being an
    object or a modifier ("a ban on Anthropic's Fable and Mythos has cut")."""
    clause = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    before = list(re.finditer(r"\S+", text[clause:start]))
    for m in reversed(before):
        word = m.group().lower()
        at = clause + m.start()
        if any(a <= at < b and actor.public for a, b, actor, _ in actors):
            return True  # a co-subject: "the NCSC and the ICO"
        if word in _OPENERS:
            if word == "and":
                # "Fable and Mythos": co-ordinated names that are not actors are one object.
                prev = text[clause:at].rstrip()
                prev_at = clause + len(prev) - 1
                if any(a <= prev_at < b and actor.public for a, b, actor, _ in actors):
                    return True
                return not (prev.split() and is_capitalised(prev.split()[-1]))
            return True
        if word not in _BEFORE_SUBJECT:
            return False
    return True


def _verb_after(
    words: list[tuple[int, int, str]], i: int, text: str
) -> tuple[str, bool, int] | None:
    """The act a subject at word ``i`` performs: (family, event, end offset), if any."""
    j = i
    # Skip an apposition in commas ("the NCSC, the UK's technical authority, warned").
    if j < len(words) and text[words[j - 1][1] if j else 0 : words[j][0]].strip() == ",":
        return None
    hedged = habitual = future = perfect = progressive = False
    steps = 0
    while j < len(words) and steps < 5:
        w = words[j][2]
        if w in _MODALS:
            hedged = True
        elif w == "will":
            future = True
        elif w in ("has", "have", "had"):
            perfect = True
        elif w in ("is", "are", "was", "were", "been"):
            progressive = True
        elif w in _HABITUAL:
            habitual = True
        elif w in ("likely", "expected", "want", "need", "be", "to", "not", "never"):
            hedged = hedged or w in ("likely", "expected", "want", "need", "not", "never")
        elif w not in _FILLERS:
            break
        j += 1
        steps += 1
    if j >= len(words):
        return None
    w = words[j][2]
    base = w in _BASE_FORMS
    past = w.endswith(("ed", "ing")) or w in ("said", "told", "cut", "put", "made")
    if base and not (future or hedged or perfect):
        return None  # present simple: a standing remit ("issues guidance")
    if not (past or (base and future)):
        return None
    event = not (hedged or habitual) and (past or future or perfect or progressive)
    if w in _VERBS and w not in _CARRIERS:
        return _VERBS[w], event, words[j][1]
    if w in _CARRIERS:
        found = _noun_after(words, j + 1, 5)
        if found:
            return found[1], event, words[found[0]][1]
        if w in _VERBS:
            return _VERBS[w], event, words[j][1]
    return None


def _passives(
    text: str, words: list[tuple[int, int, str]], actors: list[tuple[int, int, _Actor, bool]]
) -> list[Action]:
    """ "an order issued by the European Commission", "the ban from the UK government"."""
    out: list[Action] = []
    for start, end, actor, _ in actors:
        i = _word_index(words, start)
        k = i - 1
        if k >= 0 and words[k][2] == "the":
            k -= 1
        if k < 0 or words[k][2] not in ("by", "from"):
            continue
        for j in range(k - 1, max(-1, k - 4), -1):
            w = words[j][2]
            family = _NOUNS.get(w) or (_VERBS.get(w) if w.endswith("ed") else None)
            first = j
            if family is None and w in _CARRIERS and j > 0:
                family = _NOUNS.get(words[j - 1][2])
                first = j - 1
            if family:
                out.append(Action(actor, family, True, words[first][0], end))
                break
    return out


@lru_cache(maxsize=32)
def _story_actions(story: Story, profile: RegionProfile) -> tuple[tuple[Sentence, Action], ...]:
    lexicon = _lexicon(profile)
    sentences = story_sentences(story)
    # A story about one government calls it "the government" after naming it once.
    governments = Counter(
        actor
        for s in sentences
        for _, _, actor, _ in _actors(s.text, lexicon)
        if actor.key.startswith("gov:")
    )
    home = governments.most_common(1)[0][0] if governments else None
    return tuple((s, a) for s in sentences for a in _actions(s.text, lexicon, home))


def story_actions(story: Story, profile: RegionProfile) -> tuple[tuple[Sentence, Action], ...]:
    """Every (story sentence, action) the story reports."""
    return _story_actions(story, profile)


def _same_act(a: Action, b: Action) -> bool:
    return a.actor.key == b.actor.key and _SAME_ACT.get(a.family, a.family) == _SAME_ACT.get(
        b.family, b.family
    )


def reported_in(text: str, story: Story, profile: RegionProfile) -> tuple[int, ...]:
    """The story sentences that report an act this sentence mentions ("the US order")."""
    told = story_actions(story, profile)
    numbers = [
        s.number
        for action in _actions(text, _lexicon(profile))
        for s, a in told
        if _same_act(action, a)
    ]
    return tuple(dict.fromkeys(numbers))


def _quoted_story_sentence(text: str, story: Story) -> Sentence | None:
    """The story sentence holding words this sentence quotes, if any."""
    for m in _QUOTED.finditer(text):
        quote = fold(m.group(1))
        for s in story_sentences(story):
            if quote in fold(s.text):
                return s
    return None


def _shorten(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def check_actions(body: str, story: Story, profile: RegionProfile) -> Iterator[Finding]:
    """The ``attribution`` and ``claim`` findings for a section body."""
    told = story_actions(story, profile)
    lexicon = _lexicon(profile)
    seen: set[tuple[str, str]] = set()
    for sentence in split_sentences(body):
        for action in _actions(sentence.text, lexicon):
            key = (action.actor.key, action.family)
            if key in seen:
                continue
            if any(_same_act(action, a) for _, a in told):
                continue
            span = sentence.text[action.start : action.end]
            group = _SAME_ACT.get(action.family, action.family)
            by_others = [(s, a) for s, a in told if _SAME_ACT.get(a.family, a.family) == group]
            quoted = action.family in ("statement", "warning") and _quoted_story_sentence(
                sentence.text, story
            )
            if quoted:
                seen.add(key)
                yield Finding(
                    "attribution",
                    "error",
                    f'"{span}" gives the story\'s words to {action.actor.label}, but the story '
                    f'does not: [{quoted.number}] "{_shorten(quoted.text)}"',
                    span,
                )
            elif by_others and action.family in _STORY_ACTS:
                seen.add(key)
                s, a = by_others[0]
                yield Finding(
                    "attribution",
                    "error",
                    f'"{span}" gives the {action.family} to {action.actor.label}, but the story '
                    f'says it was {a.actor.label}\'s: [{s.number}] "{_shorten(s.text)}"',
                    span,
                )
            elif action.actor.public and action.event:
                seen.add(key)
                yield Finding(
                    "claim",
                    "error",
                    f"The story does not report that {action.actor.label} did this: "
                    f'"{_shorten(sentence.text)}"',
                    span,
                )
