"""The ``spelling`` check: a word in the other spelling variant than the edition's."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import breame.spelling as _breame  # type: ignore[import-untyped, unused-ignore]

from localize.grounding._context import CheckContext
from localize.grounding._facts import Facts, ProfileFacts
from localize.grounding._findings import Finding
from localize.text import sentence_initial, word_set
from localize.text._words import LETTERS

__all__ = ["check_spelling"]

# breame lists words whose other-variant spelling exists; these also have a sense, or a
# standing, in which the variant is correct too, so flagging them would be a false alarm.
_ALSO_BRITISH = word_set("""
    program programs practice practices license licensed licenses licensing disk disks meter
    meters tire tires ton tons install installs draft drafts judgment connection connections
    inflection inflections filter filters gram grams kilogram kilograms milligram milligrams
    griffin griffins groin groins biased biasing siphon siphoned siphoning siphons analog analogs
    dialog dialogs medieval primeval encyclopedia encyclopedias encyclopedic fetus fetuses fetal
    sulfur sulfate sulfates sulfide sulfides sulfurous chimera chimeras gluing bevy bevies balk
    balked balking balks gage gaged gages gaging busses gasses pouf poufs misspelled yogurt
    yogurts homeopath homeopaths homeopathic homeopathy presidium presidiums pummel pummeled
    estrogen
""")
_ALSO_AMERICAN = word_set("""
    buses busing gases gauge gauged gauges gauging fillet filleted filleting fillets aesthetic
    aesthetics aesthetically dialogue dialogues disc discs axe tonne tonnes cancellation
    cancellations archaeology archaeological archaeologically archaeologist archaeologists
    glamour likeable theatre theatres bingeing epaulette epaulettes analogue analogues monologue
    monologues epilogue epilogues prologue prologues travelogue travelogues omelette omelettes
    woolly sheikh catalogue catalogued catalogues cataloguing analyses catalyses paralyses
    psychoanalyses
""")


def _only_ize(a: str, b: str) -> bool:
    """Whether two spellings differ only as -ise/-ize or -yse/-yze do."""
    return a != b and a.replace("z", "s") == b.replace("z", "s")


# Kept per word: a section's words are mostly words of the sections before it, and breame's
# lookups (and Canadian's two of them) ran for every word of every section. Bounded: a stream
# of stories brings new words forever.
@lru_cache(maxsize=16384)
def _other_variant(word: str, spelling: str) -> str | None:
    """The house spelling of ``word`` when it is the other variant's spelling, else None.

    Canadian spelling is British (colour, centre, defence) except that it writes -ize and -yze
    (organization, analyze) as American does.
    """
    if spelling == "canadian":
        british = _other_variant(word, "british")  # word is American: colour for color
        if british is not None:
            return None if _only_ize(word, british) else british
        american = _other_variant(word, "american")  # word is British: organization
        return american if american is not None and _only_ize(word, american) else None
    if spelling == "british":
        if word in _ALSO_BRITISH or not _breame.american_spelling_exists(word):
            return None
        return str(_breame.get_british_spelling(word))
    if word in _ALSO_AMERICAN or not _breame.british_spelling_exists(word):
        return None
    return str(_breame.get_american_spelling(word))


def _check_spelling(body: str, story: Facts, profile: ProfileFacts) -> Iterator[Finding]:
    seen: set[str] = set()
    variant = profile.spelling.capitalize()
    other = "British" if profile.spelling == "american" else "American"
    for m in LETTERS.finditer(body):
        word = m.group()
        lower = word.lower()
        if lower in seen or lower in story.words or lower in profile.facts.words:
            continue
        # Proper nouns keep their own spelling: "Australian Cyber Security Centre" in a US
        # edition, "Pearl Harbor" in a British one.
        if (word.isupper() and len(word) > 1) or (
            word[0].isupper() and not sentence_initial(body, m.start())
        ):
            continue
        expected = _other_variant(lower, profile.spelling)
        if expected is None:
            continue
        seen.add(lower)
        if profile.spelling == "canadian":  # either other variant: color, or organisation
            other = "British" if _breame.american_spelling_exists(lower) else "American"
        if word[0].isupper():
            expected = expected[0].upper() + expected[1:]
        yield Finding(
            "spelling",
            "warning",
            f'"{word}" is the {other} spelling; this edition uses {variant} spelling '
            f'("{expected}").',
            word,
        )


def check_spelling(ctx: CheckContext) -> Iterator[Finding]:
    return _check_spelling(ctx.body, ctx.story_facts, ctx.profile_facts)
