"""The words of acts: the nouns and verbs of each family of act, and the words around a verb
that say whether it reports an event or a remit, a hedge or a plan."""

from __future__ import annotations

from localize.text._wordfold import word_set

__all__ = [
    "ACT_NOUNS",
    "ACT_VERBS",
    "CARRIERS",
    "FILLERS",
    "HABITUAL",
    "HEDGES",
    "MODALS",
    "STORY_OBJECTS",
]

ACT_NOUNS: dict[str, str] = {
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
    "response": "statement",
    "reaction": "statement",
    "statement": "statement",
    "letter": "letter",
    # A regulator's decision on a product or a deal: what a weak model hands a profile's own
    # regulator ("The UK Health Security Agency gives it full approval" for the FDA's).
    "approval": "approval",
    "authorisation": "approval",
    "authorization": "approval",
    "clearance": "approval",
}
# Verbs in the forms that report an event (past, participle, -ing); the base form for "will".
ACT_VERBS: dict[str, str] = {}
for _family, _forms in {
    "ban": "banned banning ban prohibited prohibit blocked block",
    "order": "ordered order directed mandated told instructed forced",
    "restriction": "restricted restrict limited limit curbed",
    "suspension": "suspended suspend halted halt paused cut",
    # Bringing a level down: "cut its benchmark rate" restates "lowered" it ("cut off access" is
    # a suspension: see `_actions._verb_family`).
    "reduction": "lowered lowering lower reduced reducing reduce slashed slashing",
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
    "approval": (
        "approved approving approve authorised authorising authorise authorized authorizing "
        "authorize cleared clearing licensed licensing"
    ),
    "development": "developed develop built build created create designed design trained train",
    # Looking into something: what a hedged or reported claim most often invents ("is expected
    # to look at the ban", "has said it is studying the order").
    "review": (
        "reviewed reviewing review studied studying study examined examining examine "
        "assessed assessing assess considered considering consider looked looking look "
        "scrutinised scrutinising scrutinise scrutinized scrutinizing scrutinize evaluated "
        "evaluating evaluate challenged challenging challenge appealed appealing appeal "
        "contested contesting contest opposed opposing oppose lobbied lobbying lobby "
        "intervened intervening intervene"
    ),
}.items():
    ACT_VERBS.update(dict.fromkeys(_forms.split(), _family))
# Verbs whose act is their object: "imposed the export control order", "issued guidance".
CARRIERS = word_set(
    "imposed impose issued issue issuing published publish introduced introduce placed place "
    "put opened open opening launched launch announced made make granted grant granting gave "
    "give giving gives"
)
HABITUAL = word_set(
    "long consistently always repeatedly regularly routinely often continually generally "
    "typically usually"
)
MODALS = word_set("may might could would should can must")
# Words that put an act in the future or in doubt: "is expected to", "is likely to", "plans to".
HEDGES = word_set(
    "likely expected set due poised going plans planning plan intends intending intend "
    "wants want need needs seeking seek seeks aims aim hopes hope"
)
# Nouns a hedged act may be aimed at that name the story's own event ("look at the ban", "is
# studying the order"): a hedged act on one of these is a claim about the story, not a remit.
STORY_OBJECTS = word_set(
    "ban bans order orders restriction restrictions controls decision move letter models model "
    "case findings paper suspension embargo action measure measures prohibition curbs rule "
    "rules dispute announcement"
)
FILLERS = word_set(
    "has have had also then later initially quickly now already swiftly itself recently "
    "subsequently first last this week on friday monday tuesday wednesday thursday saturday "
    "sunday"
)
