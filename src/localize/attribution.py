"""Who did what: the ``attribution`` and ``claim`` checks.

Both read actions out of sentences the same way, in the story and in the section: an actor (a
region's government, "the UK's", "the US" before a noun; a public body of any built-in or the
given profile, by name, acronym or alias; a named organisation or person) tied to an action (a
ban, an order, a restriction, a suspension, a warning, an investigation, a fine, guidance, a
statement) by a possessive ("the UK government's ban"), a region adjective ("the US order"), a
subject and its verb ("the NCSC warned"), or a passive ("an order issued by the Commission").

- ``attribution`` (error): the section gives an action the story reports to another actor than
  the story does: "the UK government's ban" when the story's ban is the US government's. Or it
  gives one of the story's counts to another actor or group. Each count is read with what it
  counts (the noun after it, of a kind: people, organisations, countries) and what ties it to an
  actor (its clause's subject and verb, a passive's agent, the owner of a decision to act, a
  possessive, a name or region in the phrase: "76 NCSC experts", "76 UK firms", "50 companies in
  the UK"). A section count equal to a story count is an error when it counts organisations for
  people or the reverse ("76 UK firms" for the story's 76 experts), is tied to a public body or
  government named in neither its story sentence nor the one before ("the UK government
  restricted access to 50 companies"; a company or person only when the story names the owner),
  or is put in a region the story's count is not. Percentages, years, days of the month, names'
  numerals, hedged and remit verbs ("may", "works with", "will be watching") and counts after a
  reporting verb or in a clause of their own ("the NCSC said that 76 ...") are left alone.
- ``claim`` (error): the section says a public body (or a region's government) did or said
  something specific -- in the past, the perfect, the progressive or a definite future -- that
  the story does not report. The present simple and hedged forms are a body's standing remit and
  pass: "the ICO enforces UK GDPR", "the NCSC has long urged organisations to patch", "CISA may
  issue guidance".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from localize.dates import scan_dates
from localize.figures import Figure, scan_figures
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
    places: dict[str, str]  # a government's key -> its region, for messages ("the UK")


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
    places: dict[str, str] = {}
    region_words: list[str] = []
    for p in [*others, profile]:  # the given profile's names win a clash
        short = _short_region(p)
        gov = _Actor(f"gov:{p.id}", f"the {short} government", True)
        places[gov.key] = f"the {short}" if short.isupper() else p.name
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
    return _Lexicon(pattern, names, places)


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
    home = _home_government(story, profile)
    return tuple((s, a) for s in story_sentences(story) for a in _actions(s.text, lexicon, home))


@lru_cache(maxsize=32)
def _home_government(story: Story, profile: RegionProfile) -> _Actor | None:
    """The government a story is about: it calls it "the government" after naming it once."""
    lexicon = _lexicon(profile)
    governments = Counter(
        actor
        for s in story_sentences(story)
        for _, _, actor, _ in _actors(s.text, lexicon)
        if actor.key.startswith("gov:")
    )
    return governments.most_common(1)[0][0] if governments else None


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


# --- figures: what a count counts and whose it is -----------------------------------------------

# What a count counts, by kind: the story's "76 experts" who signed a letter are not "76 UK
# firms". Nouns of no listed kind are compared as written ("two models", "two priorities").
_KINDS: dict[str, str] = {}
for _group, _nouns in {
    "people": (
        "experts specialists professionals signatories researchers veterans practitioners "
        "people individuals scientists engineers analysts academics executives leaders authors "
        "hackers defenders staff employees workers users consumers citizens residents"
    ),
    "organisations": (
        "companies firms organisations organizations businesses enterprises institutions "
        "agencies bodies providers vendors startups start-ups banks entities operators"
    ),
    "countries": "countries nations states jurisdictions territories economies",
}.items():
    _KINDS.update(dict.fromkeys(_nouns.split(), _group))
# Kinds that act: swapping one for the other changes who did what. Places only match places
# ("15 countries", "15 states"); a count of them is no one's act, and "all 50 states" is an idiom.
_ACTOR_KINDS = frozenset({"people", "organisations"})
# Words that end a counted noun phrase before its noun: "76 signed", "150 across 15 countries".
_PHRASE_STOPS = word_set("""
    who whom whose that which were was is are had has have and or but in across to from with for
    at on by as than into over under after before since while when where among between against
    including within
""")
# Words that open a clause of its own, or set a count beside the subject rather than under it
# ("the UK lost access along with 150 organisations"): the count is not the subject's.
_SUBORDINATE = word_set("""
    that which who whom whose while because although though whereas if unless when where after
    before since until once whether how why what like unlike along alongside among amongst
    including besides
""")
# Verbs of something that befell the subject, not an act on the count: "Britain lost access".
_UNDERGONE = word_set("lost joined followed faced suffered felt saw watched received lacked missed")
_AUXILIARIES = word_set("is are was were be been being")
_IRREGULAR_PAST = word_set("""
    gave given let sent told wrote written made put cut took taken brought found won lost paid
    chose chosen set kept left held led got sold bought built drew sought hit struck shut meant
    cost hurt spread broke drove threw caught dealt
""")
# Words that may stand between an owner's possessive and its count: "Britain's own 76 experts".
_BEFORE_COUNT = word_set("""
    the own approximately roughly around about some nearly almost over more than initial first
    original estimated
""")
# Nouns of a decision to act, whose owner acts on what follows: "Britain's decision to limit".
_INTENT = word_set("decision move plan bid choice effort attempt programme program scheme")
# Acts on a count besides the ban and order families: "will give 150 organisations access".
_GRANTS = word_set("give grant allow let offer extend expand provide open fund pay hire")
# Intent or likelihood after a subject: what follows has not happened ("wants to give").
_HEDGES = word_set("likely expected want wants need needs hope hopes aim aims plan plans seek")
# An object told to act ("ordered Anthropic to suspend access for 150"): the act is its own.
# "to" before a count ("gave access to roughly 50") is no such infinitive.
_OBJECT_CONTROL = re.compile(
    rf"\s+to\s+(?!(?:{'|'.join(sorted(_BEFORE_COUNT | {'a', 'an'}))})\b)[a-z]"
)
_BY_BEFORE = re.compile(r"(\S+)\s+by\s+(?:the\s+)?\Z")
_AGENT_AFTER = re.compile(r"(?:\s+[a-z]+){0,3}?\s+by\s+(?:the\s+)?")
_PLACE_AFTER = re.compile(r"\s+(?:in|from|across|within|throughout|based\s+in)\s+(?:the\s+)?")
_SHORT_PAREN = re.compile(r"\([^()]{1,40}\)")
# Within one sentence: a full stop there is an abbreviation's ("U.S.").
_CLAUSE_OR_COMMA = re.compile(r"[,;:()\u2014\u2013\"\u201c\u201d]")

_Tie = tuple[int, int, _Actor]  # the span of the phrase that ties a count to an actor, and it
_ActorAt = tuple[int, int, _Actor, bool]  # as _actors gives them: start, end, actor, possessive


@dataclass(frozen=True, slots=True)
class _Count:
    """A figure in a sentence: what it counts, where the phrase puts it, and who it belongs to."""

    value: Decimal
    currency: str | None
    start: int
    end: int  # the end of the counted noun, else of the figure
    noun: str | None  # "experts" in "76 cybersecurity experts"
    places: tuple[_Tie, ...]  # regions the phrase puts it in: "76 UK firms", "the UK's 76"
    owners: tuple[_Tie, ...]  # its clause's subject, passive agent or possessive


@dataclass(frozen=True, slots=True)
class _StoryCount:
    sentence: Sentence
    count: _Count
    near: frozenset[str]  # every actor named in its sentence or the one before


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def _kind_of(noun: str | None) -> str | None:
    return _KINDS.get(noun) if noun else None


def _counted_noun(text: str, words: list[tuple[int, int, str]], end: int) -> tuple[int, str | None]:
    """The noun a figure ending at ``end`` counts, and where it ends: (end, None) if none."""
    i = _word_index(words, end)
    stop = end
    for j in range(i, min(len(words), i + 6)):
        a, b, w = words[j]
        if text[stop:a].strip(" -"):
            break  # punctuation: the phrase is over
        if w in _KINDS or _plural(w):
            return b, w
        if w in _PHRASE_STOPS:
            break
        stop = b
    return end, None


def _is_adjective(text: str, tie: tuple[int, int, _Actor, bool]) -> bool:
    """Whether a bare region word qualifies what follows ("UK firms") rather than acting."""
    start, end, actor, poss = tie
    if poss or not actor.key.startswith("gov:") or re.search(_GOVERNMENT, text[start:end]):
        return False
    nxt = re.match(r"[ \t]+([\w'\u2019-]+)", text[end:])
    if nxt is None:
        return False
    w = nxt.group(1).lower()
    return not (w in _MODALS or w in _AUXILIARIES or w in _FILLERS or w == "will" or _past(w))


def _past(w: str) -> bool:
    """A verb form that reports an event: "restricted", "gave", "giving"."""
    return w in _IRREGULAR_PAST or (
        w.endswith(("ed", "ing")) and w not in ("including", "according")
    )


def _governs(words: list[tuple[int, int, str]], i: int) -> bool:
    """Whether the words from ``i`` are a reported act ("initially restricted", "will give"):
    not a remit, a hedge, a negation or reported speech."""
    future = False
    for _, _, w in words[i : i + 5]:
        if w in _MODALS or w in _HABITUAL or w in _HEDGES or w in ("not", "never"):
            return False
        if w == "will":
            future = True
        elif w not in _FILLERS and w not in _AUXILIARIES:
            if _VERBS.get(w) in ("statement", "warning") or w in _UNDERGONE:
                return False
            # "will" is as often a guess ("will be watching") as a plan: only an act counts.
            return (_past(w) and not future) or (future and (w in _VERBS or w in _GRANTS))
    return False


def _subject_tie(
    text: str, words: list[tuple[int, int, str]], actors: list[_ActorAt], at: int
) -> _Tie | None:
    """The actor who acts on a count at ``at`` in its clause: "the UK government restricted
    access to 50 companies". None after a reporting verb or in a clause of its own ("the NCSC
    said that 76 ..."), or when an object does the act ("ordered Anthropic to suspend ...")."""
    masked = _SHORT_PAREN.sub(lambda m: " " * len(m.group()), text[:at])
    clause = max((m.end() for m in _CLAUSE_OR_COMMA.finditer(masked)), default=0)
    for start, end, actor, poss in reversed(actors):
        if start < clause:
            return None
        if end > at or _is_adjective(text, (start, end, actor, poss)):
            continue
        if text[:start].rstrip().endswith("("):
            continue  # "(NCSC)" after the name: the name before it is the subject
        paren = _PAREN_AFTER.match(text, end)
        i = _word_index(words, paren.end() if paren else end)
        between = [w for a, _, w in words[i:] if a < at]
        if _SUBORDINATE.intersection(between):
            return None
        tie = _drives(text, words, (i, start, poss), actors, between)
        if tie is not None:
            return tie, end, actor
        if not poss and (_governs(words, i) or _OBJECT_CONTROL.match(text, end)):
            # Another actor's clause holds the count: "banned the models Anthropic had given
            # 50 companies", "ordered Anthropic to suspend access for 150 organisations".
            return None
    return None


def _drives(
    text: str,
    words: list[tuple[int, int, str]],
    at: tuple[int, int, bool],
    actors: list[_ActorAt],
    between: list[str],
) -> int | None:
    """Where the tie starts if the actor at ``at`` (word after it, start, possessive) does what
    its clause does to a later count: as the subject of a reported act, as a passive's agent
    ("restricted by the UK government to 50 companies") or as the owner of a decision ("the UK
    government's decision to restrict access to 50 companies")."""
    i, start, poss = at
    if poss:
        if not (len(between) > 2 and between[0] in _INTENT and between[1] == "to"):
            return None
        # The count is the infinitive's object: "to give 50 companies", "to limit Mythos to
        # 50 companies"; not "to ban exports affects all 150 organisations".
        rest = [w for w in between[3:] if w not in _BEFORE_COUNT]
        direct = not rest or (len(rest) <= 4 and rest[-1] in ("to", "for"))
        return start if direct and not any(_past(w) for w in rest) else None
    by = _BY_BEFORE.search(text, 0, start)
    if by is not None:
        passive = _past(by.group(1).lower()) and not any(_past(w) for w in between)
        return by.start() if passive else None
    return start if _governs(words, i) and _is_subject(text, start, actors) else None


def _ties(
    text: str,
    words: list[tuple[int, int, str]],
    actors: list[_ActorAt],
    lexicon: _Lexicon,
    span: tuple[int, int],
) -> tuple[tuple[_Tie, ...], tuple[_Tie, ...]]:
    """(places, owners) of the count phrase at ``span``."""
    start, end = span
    places: list[_Tie] = []
    owners: list[_Tie] = []
    if "-" in text[start:end]:  # "150 UK-based organisations": the region before a hyphen
        known = {(a, b) for a, b, _, _ in actors}
        spaced = _actors(text[:end].replace("-", " "), lexicon)
        actors = [*actors, *(x for x in spaced if x[0] >= start and x[:2] not in known)]
    for a, b, actor, poss in actors:
        if start <= a < end:
            gov = actor.key.startswith("gov:")
            (places if gov else owners).append((start, end, actor))  # "76 UK firms"
        elif poss and b <= start and _only_words(text[b:start], _BEFORE_COUNT):
            (places if actor.key.startswith("gov:") else owners).append((a, end, actor))
    after = _PLACE_AFTER.match(text, end) or _AGENT_AFTER.match(text, end)
    for a, b, actor, poss in actors:
        if after is not None and a == after.end():
            if after.re is _PLACE_AFTER:
                if actor.key.startswith("gov:"):
                    places.append((start, b, actor))  # "50 companies in the UK"
                elif after.group().split()[0] == "from":
                    owners.append((start, b, actor))  # "76 experts from the NCSC"
            elif not _is_adjective(text, (a, b, actor, poss)):
                owners.append((start, b, actor))  # "50 companies chosen by the NCSC"
    subject = _subject_tie(text, words, actors, start)
    if subject is not None:
        owners.append((subject[0], end, subject[2]))  # from the subject to the count
    return tuple(places), tuple(owners)


def _only_words(gap: str, allowed: frozenset[str]) -> bool:
    return all(w.lower() in allowed for w in gap.split()) and not re.search(r"[^\w\s]", gap)


def _counts(
    text: str,
    lexicon: _Lexicon,
    home: _Actor | None = None,
    figures: Iterable[Figure] | None = None,
) -> list[_Count]:
    """Every count in a sentence (not percentages, years, dates or names' numerals) with its
    ties; of ``figures`` only, when given (the sentence's, already scanned)."""
    figures = [f for f in (scan_figures(text) if figures is None else figures) if _is_count(f)]
    if figures:
        dated = [(d.start, d.end) for d in scan_dates(text) if d.weekday is None]
        figures = [f for f in figures if not any(a <= f.start < b for a, b in dated)]
    if not figures:
        return []
    words = _words(text)
    actors = _actors(text, lexicon, home)
    out: list[_Count] = []
    for fig in figures:
        end, noun = _counted_noun(text, words, fig.end)
        places, owners = _ties(text, words, actors, lexicon, (fig.start, end))
        out.append(_Count(fig.value, fig.currency, fig.start, end, noun, places, owners))
    return out


def _is_count(fig: Figure) -> bool:
    """Whether a figure counts something: not a percentage or a year."""
    year = fig.currency is None and 1900 <= fig.value < 2100 and fig.value % 1 == 0
    return fig.countable and not fig.percent and not year


@lru_cache(maxsize=32)
def _story_counts(story: Story, profile: RegionProfile) -> dict[Decimal, tuple[_StoryCount, ...]]:
    """The story's counts by value, each with the actors named around it."""
    lexicon = _lexicon(profile)
    home = _home_government(story, profile)
    sentences = story_sentences(story)
    out: dict[Decimal, list[_StoryCount]] = {}
    for n, s in enumerate(sentences):
        counts = _counts(s.text, lexicon, home)
        if not counts:
            continue
        near = frozenset(
            actor.key
            for t in sentences[max(0, n - 1) : n + 1]  # "The company" names its actor before
            for _, _, actor, _ in _actors(t.text, lexicon, home)
        )
        for c in counts:
            out.setdefault(c.value, []).append(_StoryCount(s, c, near))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=32)
def _profile_values(profile: RegionProfile) -> frozenset[Decimal]:
    return frozenset(f.value for f in scan_figures(profile.text))


def _compatible(a: str | None, b: str | None) -> bool:
    """Whether two counted nouns may count the same thing ("companies", "organisations")."""
    if a is None or b is None:
        return True
    if _kind_of(a) and _kind_of(b):
        return _kind_of(a) == _kind_of(b)
    return a.rstrip("s") == b.rstrip("s")


def _cite(told: _StoryCount, limit: int = 140) -> str:
    """The story sentence, numbered; a long one cut to a window around the count."""
    text, c = told.sentence.text, told.count
    if len(text) > limit:
        start = max(0, min(c.start - (limit - (c.end - c.start)) // 2, len(text) - limit))
        end = start + limit
        # Whole words only: cut at the spaces inside the window.
        if start and (space := text.find(" ", start, c.start)) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", c.end, end)) != -1:
            end = space
        text = ("\u2026" if start else "") + text[start:end] + ("\u2026" if end < len(text) else "")
    return f'[{told.sentence.number}] "{text}"'


def _phrase(told: _StoryCount) -> str:
    return told.sentence.text[told.count.start : told.count.end]


def _count_findings(
    text: str,
    told: Mapping[Decimal, tuple[_StoryCount, ...]],
    skip: frozenset[Decimal],
    lexicon: _Lexicon,
) -> Iterator[tuple[Finding, str]]:
    """``attribution`` findings for the story's counts (``told``; the profile's own figures
    ``skip``ped) in one sentence, each with the key of the actor it names."""
    figures = [f for f in scan_figures(text) if f.value in told and f.value not in skip]
    if not figures:
        return
    for c in _counts(text, lexicon, figures=figures):
        same = [
            t for t in told[c.value] if c.currency is None or t.count.currency in (None, c.currency)
        ]
        if not same:
            continue
        found = _count_finding(text, c, same, lexicon)
        if found is not None:
            yield found


def _count_finding(
    text: str, c: _Count, same: list[_StoryCount], lexicon: _Lexicon
) -> tuple[Finding, str] | None:
    matching = [t for t in same if _compatible(c.noun, t.count.noun)]
    if not matching:
        return _kind_finding(text, c, same)
    for start, end, actor in c.owners:
        if any(actor.key in t.near for t in matching):
            continue
        if not actor.public and not all(t.count.owners for t in matching):
            continue  # the story's own count names no owner to compare with
        span = text[start:end]
        told = next((t for t in matching if t.count.owners), matching[0])
        message = (
            f'"{span}" gives the story\'s "{_phrase(told)}" to {actor.label}, but the story '
            f"does not: {_cite(told)}"
        )
        return Finding("attribution", "error", message, span), actor.key
    story_places = {a.key for t in matching for _, _, a in t.count.places}
    for start, end, actor in c.places:
        if actor.key not in story_places:
            span = text[start:end]
            message = (
                f'"{span}" puts the story\'s "{_phrase(matching[0])}" in '
                f"{lexicon.places[actor.key]}, but the story does not: {_cite(matching[0])}"
            )
            return Finding("attribution", "error", message, span), actor.key
    return None


def _kind_finding(text: str, c: _Count, same: list[_StoryCount]) -> tuple[Finding, str] | None:
    """ "76 UK firms" for the story's "76 experts": a count of another kind of actor."""
    kind = _kind_of(c.noun)
    known = [t for t in same if _kind_of(t.count.noun) in _ACTOR_KINDS]
    if kind not in _ACTOR_KINDS or not known or any(t.count.noun is None for t in same):
        return None
    told = known[0]
    span = text[c.start : c.end]
    message = (
        f'"{span}" counts {c.noun}, but the story\'s {span.split()[0]} are {told.count.noun}: '
        f"{_cite(told)}"
    )
    key = c.places[0][2].key if c.places else ""
    return Finding("attribution", "error", message, span), key


def check_actions(body: str, story: Story, profile: RegionProfile) -> Iterator[Finding]:
    """The ``attribution`` and ``claim`` findings for a section body."""
    told = story_actions(story, profile)
    lexicon = _lexicon(profile)
    counts, skip = _story_counts(story, profile), _profile_values(profile)
    seen: set[tuple[str, str]] = set()
    for sentence in split_sentences(body):
        # A count given to another actor says more than the act it comes with: report it alone.
        flagged: set[str] = set()
        for finding, actor_key in _count_findings(sentence.text, counts, skip, lexicon):
            if ("count", finding.text) not in seen:
                seen.add(("count", finding.text))
                flagged.add(actor_key)
                yield finding
        for action in _actions(sentence.text, lexicon):
            key = (action.actor.key, action.family)
            if key in seen or action.actor.key in flagged:
                continue
            found = _action_finding(action, sentence.text, story, told)
            if found is not None:
                seen.add(key)
                yield found


def _action_finding(
    action: Action, text: str, story: Story, told: tuple[tuple[Sentence, Action], ...]
) -> Finding | None:
    """The finding on one act in a section sentence, if the story does not report it so."""
    if any(_same_act(action, a) for _, a in told):
        return None
    span = text[action.start : action.end]
    group = _SAME_ACT.get(action.family, action.family)
    by_others = [(s, a) for s, a in told if _SAME_ACT.get(a.family, a.family) == group]
    quoted = action.family in ("statement", "warning") and _quoted_story_sentence(text, story)
    if quoted:
        return Finding(
            "attribution",
            "error",
            f'"{span}" gives the story\'s words to {action.actor.label}, but the story '
            f'does not: [{quoted.number}] "{_shorten(quoted.text)}"',
            span,
        )
    if by_others and action.family in _STORY_ACTS:
        s, a = by_others[0]
        return Finding(
            "attribution",
            "error",
            f'"{span}" gives the {action.family} to {action.actor.label}, but the story '
            f'says it was {a.actor.label}\'s: [{s.number}] "{_shorten(s.text)}"',
            span,
        )
    if action.actor.public and action.event:
        return Finding(
            "claim",
            "error",
            f'The story does not report that {action.actor.label} did this: "{_shorten(text)}"',
            span,
        )
    return None
