from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

import localize
from localize import (
    ProfileError,
    RegionNotFoundError,
    Settings,
    builtin_regions,
    get_region,
    load_profiles,
    load_story,
    load_template,
    prepare,
)
from localize.backends._client import Completion, Usage
from localize.budget import count_text
from localize.cli._main import cli
from localize.pipeline import Provenance, review_completion
from localize.regions._beats import BEATS, GENERAL
from localize.regions._profiles import Institution, Law, profile_problems, profile_schema
from localize.regions._select import select_entries
from tests.support import IE_PROFILE, RECORD_BASE_URL


def test_builtin_profiles_hold_the_required_bodies() -> None:
    regions = builtin_regions()
    assert set(regions) >= {"uk", "eu", "us", "au"}
    acronyms = {rid: {i.acronym for i in p.institutions} for rid, p in regions.items()}
    assert {"NCSC", "ICO", "CMA", "FCA", "DSIT"} <= acronyms["uk"]
    assert {"ENISA", "EDPB", "CERT-EU"} <= acronyms["eu"]
    assert {"CISA", "FTC", "NIST", "BIS", "SEC", "FBI"} <= acronyms["us"]
    assert {"ASD", "ACSC", "OAIC"} <= acronyms["au"]
    assert {law.short_name for law in regions["eu"].laws} >= {"GDPR", "NIS2", "AI Act"}
    assert regions["uk"].locale == "en-GB" and regions["uk"].currency == "GBP"
    assert regions["us"].spelling == "american" and regions["au"].spelling == "british"


def test_unknown_region_lists_regions_and_closest_match() -> None:
    with pytest.raises(RegionNotFoundError) as info:
        get_region("ukk")
    assert info.value.suggestion == "uk"
    assert "au, ca, de, eu, fr, ie, in, ja, nz, sg, uk, uk-scotland, us, za" in str(info.value)
    with pytest.raises(RegionNotFoundError, match="Did you mean 'au'"):
        get_region("australia")


_GOOD = IE_PROFILE


def test_user_profile_folder_overrides_and_adds(tmp_path: Path) -> None:
    (tmp_path / "ie.yaml").write_text(_GOOD)
    extra = load_profiles(tmp_path)
    assert get_region("ie", profiles=extra).name == "Ireland"
    assert get_region(str(tmp_path / "ie.yaml")).id == "ie"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (_GOOD.replace("currency: EUR\n", ""), "currency", "is required"),
        (_GOOD.replace("currency: EUR", "currency: 12"), "currency", "string"),
        (_GOOD + "colour: green\n", "colour", "not a known field"),
        (
            _GOOD.replace("    acronym: NCSC\n", "    acronym: NCSC\n    motto: x\n"),
            "institutions[0].motto",
            "not a known field",
        ),
        (
            _GOOD.replace("remit: Ireland's cyber security centre", "remit: ''"),
            "institutions[0].remit",
            "at least 1",
        ),
    ],
)
def test_bad_profile_names_file_and_field(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ProfileError) as info:
        get_region(str(p))
    assert info.value.field == field
    assert str(p) in str(info.value) and message in str(info.value)


def test_unparseable_profile(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("id: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        get_region(str(p))


# --- ten regions, extends, validation, schema -----------------------------------------------------

TEN = ("uk", "ie", "eu", "us", "ca", "au", "nz", "in", "sg", "za")
PROFILES = Path(localize.__file__).parent / "regions" / "profiles"


def test_ten_regions_with_locale_spelling_currency_and_their_bodies() -> None:
    regions = builtin_regions()
    assert set(TEN) | {"uk-scotland"} <= set(regions)
    facts = {
        rid: (p.locale, p.spelling, p.currency, {i.acronym or i.name for i in p.institutions})
        for rid, p in regions.items()
    }
    assert facts["ie"][:3] == ("en-IE", "british", "EUR") and {"NCSC", "DPC"} <= facts["ie"][3]
    assert facts["ca"][:3] == ("en-CA", "canadian", "CAD") and {"OPC", "CSE"} <= facts["ca"][3]
    assert facts["nz"][:3] == ("en-NZ", "british", "NZD") and {"NCSC", "GCSB"} <= facts["nz"][3]
    assert facts["in"][:3] == ("en-IN", "british", "INR") and {"CERT-In", "MeitY"} <= facts["in"][3]
    assert facts["sg"][:3] == ("en-SG", "british", "SGD") and {"CSA", "PDPC"} <= facts["sg"][3]
    assert (
        facts["za"][:3] == ("en-ZA", "british", "ZAR") and "Information Regulator" in facts["za"][3]
    )
    for rid in TEN:
        assert regions[rid].laws and regions[rid].style_notes and regions[rid].version
        assert any(i.aliases for i in regions[rid].institutions), rid


def test_shared_acronyms_say_which_body_they_mean() -> None:
    """Where two profiles list one acronym or name for different bodies, each gives its url."""
    by_key: dict[str, dict[str, str | None]] = {}
    for rid, p in builtin_regions().items():
        if p.extends:
            continue
        for inst in p.institutions:
            for key in filter(None, (inst.acronym, inst.name)):
                by_key.setdefault(key, {})[rid] = inst.url
    ncsc = by_key["NCSC"]
    assert set(ncsc) == {"uk", "ie", "nz"} and len(set(ncsc.values())) == 3
    assert None not in ncsc.values()
    assert by_key["OPC"].keys() == {"ca", "nz"} and len(set(by_key["OPC"].values())) == 2


def test_builtin_profiles_validate_and_match_the_schema() -> None:
    assert list(profile_problems([PROFILES])) == []
    validator = jsonschema.Draft202012Validator(profile_schema())
    for f in sorted(PROFILES.glob("*.yaml")):
        assert not list(validator.iter_errors(yaml.safe_load(f.read_text()))), f.name
    assert list(validator.iter_errors({"id": "x", "extends": "uk"})) == []
    assert list(validator.iter_errors({"id": "x"}))  # no extends: every required field
    assert list(validator.iter_errors({**yaml.safe_load(_GOOD), "motto": "x"}))


def test_uk_scotland_extends_uk() -> None:
    uk, scot = get_region("uk"), get_region("uk-scotland")
    names = [i.name for i in scot.institutions]
    assert names[: len(uk.institutions)] == [i.name for i in uk.institutions]
    assert {"Police Scotland", "Scottish Government"} <= set(names)
    assert scot.section_heading == "What it means for Scotland" and scot.currency == "GBP"
    assert set(uk.aliases) < set(scot.aliases) and uk.style_notes[0] in scot.style_notes
    assert scot.extends == "uk" and scot.source == "built-in"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_extends_merges_lists_overrides_fields_and_replaces_same_name(tmp_path: Path) -> None:
    _write(tmp_path, "ie.yaml", _GOOD)
    _write(
        tmp_path,
        "ie-dublin.yaml",
        "id: ie-dublin\nextends: ie\nname: Dublin\nsection_heading: What it means for Dublin\n"
        "institutions:\n  - {name: Dublin City Council, remit: local authority}\n"
        "  - {name: National Cyber Security Centre, acronym: NCSC, remit: changed remit}\n",
    )
    # A desk's "uk" that builds on the built-in one it overrides.
    _write(tmp_path, "uk.yaml", "id: uk\nextends: uk\nversion: 7\nstyle_notes: [House style.]\n")
    profiles = load_profiles(tmp_path)
    dublin = profiles["ie-dublin"]
    assert (dublin.name, dublin.audience, dublin.currency) == ("Dublin", "Irish readers", "EUR")
    assert [(i.name, i.remit) for i in dublin.institutions] == [
        ("Dublin City Council", "local authority"),
        ("National Cyber Security Centre", "changed remit"),
    ]
    uk = profiles["uk"]
    assert uk.version == "7" and uk.style_notes[-1] == "House style."
    assert len(uk.institutions) == len(builtin_regions()["uk"].institutions)


def test_extends_cycle_and_unknown_parent_are_errors(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "id: a\nextends: b\n")
    _write(tmp_path, "b.yaml", "id: b\nextends: a\n")
    with pytest.raises(ProfileError, match=r"cycle: a -> b -> a") as info:
        load_profiles(tmp_path)
    assert info.value.field == "extends" and info.value.line == 2
    (tmp_path / "b.yaml").unlink()
    with pytest.raises(ProfileError, match="extends unknown region 'b'"):
        load_profiles(tmp_path)


def test_validate_reports_every_problem_with_file_line_and_field(tmp_path: Path) -> None:
    bad = _write(
        tmp_path,
        "bad.yaml",
        _GOOD.replace("currency: EUR", "currency: euros").replace(
            "    acronym: NCSC\n", "    acronym: NCSC\n    motto: x\n"
        ),
    )
    child = _write(
        tmp_path,
        "child.yaml",
        "id: child\nextends: uk\ninstitutions:\n  - name: Ok Body\n    remit: fine\n"
        "  - name: Bad Body\n    remit: ''\n",
    )
    problems = {(p.path, p.line, p.field) for p in profile_problems([bad, child])}
    assert problems == {
        (str(bad), 5, "currency"),
        (str(bad), 10, "institutions[0].motto"),
        # The child's own second entry, after the parent's merged ones: its own line.
        (str(child), 7, "institutions[1].remit"),
    }
    assert f"{bad}:5: field 'currency':" in str(next(iter(profile_problems([bad]))))


# --- beats (issue #17) --------------------------------------------------------------------------

BEATS_DIR = Path(__file__).parent / "data" / "beats"
EVERY_BEAT = set(BEATS) - {GENERAL}


def _entries(profile: localize.RegionProfile) -> list[tuple[str, Institution | Law]]:
    return [
        *(("institution", i) for i in profile.institutions),
        *(("law", w) for w in profile.laws),
    ]


def test_every_builtin_entry_has_beats_a_remit_and_a_url() -> None:
    for rid, profile in builtin_regions().items():
        for kind, entry in _entries(profile):
            remit = entry.remit if isinstance(entry, Institution) else entry.summary
            assert entry.beats and remit.strip() and entry.url, (rid, kind, entry.name)
            assert set(entry.beats) <= set(profile.beat_descriptions), (rid, entry.name)
            assert "\n" not in remit and len(remit) <= 200, (rid, entry.name)  # one line


@pytest.mark.parametrize("rid", ["uk", "us", "au", "de", "fr", "ja", "ca", "ie", "nz", "eu"])
def test_main_regions_cover_every_beat(rid: str) -> None:
    profile = get_region(rid)
    covered = {b for _, e in _entries(profile) for b in e.beats}
    # The non-English desks (fr, ja) and the EU are built the same way, every beat included.
    assert covered >= EVERY_BEAT, sorted(EVERY_BEAT - covered)


def test_no_two_regions_contradict_each_other_on_a_shared_body() -> None:
    """One url is one body: every region that lists it gives it the same beats, and every
    English-language region the same name and short name (a German or French desk writes the
    name in its language). One name with two urls is two bodies in two countries, a namesake
    that `localize.regions._namesakes` keeps apart, never one body listed twice."""
    beats: dict[str, set[tuple[str, ...]]] = {}
    names: dict[str, set[tuple[str, str | None]]] = {}
    regions: dict[str, set[str]] = {}
    for rid, profile in builtin_regions().items():
        if profile.extends:
            continue  # an extension repeats its parent's entries by design
        for _, entry in _entries(profile):
            assert entry.url is not None
            short = entry.acronym if isinstance(entry, Institution) else entry.short_name
            beats.setdefault(entry.url, set()).add(entry.beats)
            regions.setdefault(entry.url, set()).add(rid)
            if profile.english:
                names.setdefault(entry.url, set()).add((entry.name, short))
    for url, seen in beats.items():
        assert len(seen) == 1, (url, seen)
    for url, seen in names.items():
        assert len(seen) == 1, (url, seen)
    # What regions share: EU law (eu, ie, de, fr) and the joint food standards body (au, nz).
    assert regions["https://www.foodstandards.gov.au"] == {"au", "nz"}
    assert regions["https://eur-lex.europa.eu/eli/reg/2016/679/oj"] == {"eu", "ie", "de", "fr"}


def test_one_law_in_several_languages_keeps_one_url() -> None:
    gdpr = {
        rid: entry
        for rid in ("eu", "ie", "de", "fr")
        for _, entry in _entries(get_region(rid))
        if entry.url == "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
    }
    assert set(gdpr) == {"eu", "ie", "de", "fr"}
    assert {e.short_name for e in gdpr.values()} == {"GDPR", "DSGVO", "RGPD"}
    assert all(e.beats == ("data",) for e in gdpr.values())


def test_german_french_and_japanese_regions_write_in_their_languages() -> None:
    for rid, language, locale in (
        ("de", "de", "de-DE"),
        ("fr", "fr", "fr-FR"),
        ("ja", "ja", "ja-JP"),
    ):
        profile = get_region(rid)
        assert (profile.language, profile.locale, profile.english) == (language, locale, False)
        assert profile.disclosure and profile.section_heading
    assert get_region("de").section_heading == "Was das für Deutschland bedeutet"
    assert get_region("ja").currency == "JPY"


def test_an_unknown_beat_names_file_line_field_and_the_closest_beat(tmp_path: Path) -> None:
    text = _GOOD.replace("    acronym: NCSC\n", "    acronym: NCSC\n    beats: [cyber, helth]\n")
    path = _write(tmp_path, "ie.yaml", text)
    with pytest.raises(ProfileError) as info:
        get_region(str(path))
    assert info.value.field == "institutions[0].beats[1]"
    assert info.value.line == 10
    assert "unknown beat 'helth' (did you mean 'health'?)" in str(info.value)


def test_a_new_beat_needs_a_description(tmp_path: Path) -> None:
    path = _write(tmp_path, "ie.yaml", _GOOD + "beats:\n  - id: sport\n")
    with pytest.raises(ProfileError) as info:
        get_region(str(path))
    assert info.value.field == "beats[0].description"
    assert "a new beat needs a description" in str(info.value)


def test_extends_adds_a_beat_an_entry_and_an_audience(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "uk-sport.yaml",
        """id: uk-sport
extends: uk
beats:
  - id: sport
    description: "Sport: football, cricket, athletes, clubs, leagues, stadiums, doping."
    audience: UK sports fans, clubs and governing bodies
  - id: health
    audience: UK patients and the NHS
institutions:
  - name: Independent Football Regulator
    remit: the statutory regulator of the financial sustainability of English football clubs
    url: https://www.gov.uk/government/organisations/independent-football-regulator
    beats: [sport]
""",
    )
    profile = get_region(str(path))
    assert profile.beat_descriptions["sport"].startswith("Sport:")
    assert profile.audience_for("health") == "UK patients and the NHS"
    assert profile.audience_for("energy") == get_region("uk").audience_for("energy")
    story = "The football club was fined after its stadium failed checks, the league said."
    chosen = select_entries(story, profile)
    assert chosen.beats[0] == "sport" and not chosen.fallback
    assert [c.name for c in chosen.chosen] == ["Independent Football Regulator"]
    assert chosen.audience == "UK sports fans, clubs and governing bodies"


def test_an_extension_with_its_own_audience_drops_the_parents_beat_audiences() -> None:
    scotland = get_region("uk-scotland")
    assert scotland.audience_for("energy") == "people, businesses and public bodies in Scotland"
    assert scotland.audience_for("health") == "patients, NHS Scotland and the public in Scotland"


# Which body a regional editor expects in the prompt for each story, region by region.
EXPECTED = {
    "health-mpox-emergency": {
        "uk": "UKHSA",
        "us": "CDC",
        "au": "Department of Health, Disability and Ageing",
        "de": "RKI",
    },
    "agriculture-h5n1-dairy": {"uk": "APHA", "us": "APHIS", "au": "DAFF", "de": "FLI"},
    "food-plant-milk-labels": {"uk": "FSA", "us": "FDA", "au": "FSANZ", "de": "BVL"},
    "transport-ohio-derailment": {"uk": "RAIB", "us": "NTSB", "au": "ATSB", "de": "EBA"},
    "economy-boj-rate-rise": {"uk": "BoE", "us": "Fed", "au": "RBA", "de": "Deutsche Bundesbank"},
    "data-meta-fine": {"uk": "ICO", "us": "FTC", "au": "OAIC", "de": "BfDI"},
    "telecoms-australia-under-16-ban": {
        "uk": "Ofcom",
        "us": "FCC",
        "au": "eSafety Commissioner",
        "de": "KJM",
    },
    "energy-iberian-blackout": {"uk": "Ofgem", "us": "FERC", "au": "AEMO", "de": "BNetzA"},
    "justice-bankman-fried-verdict": {"uk": "SFO", "us": "DOJ", "au": "AFP", "de": "BKA"},
    "cyber-crowdstrike-outage": {"uk": "NCSC", "us": "CISA", "au": "ACSC", "de": "BSI"},
    "competition-cma-activision": {
        "uk": "CMA",
        "us": "FTC",
        "au": "ACCC",
        "de": "Bundeskartellamt",
    },
    "elections-romania-annulled": {
        "uk": "Electoral Commission",
        "us": "FEC",
        "au": "AEC",
        "de": "Bundeswahlleiterin",
    },
}


def _label(entry: Institution | Law) -> str:
    return (entry.acronym if isinstance(entry, Institution) else entry.short_name) or entry.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_story_brings_the_body_a_regional_editor_expects(name: str) -> None:
    story = load_story(BEATS_DIR / f"{name}.txt")
    beat = name.split("-")[0]
    for rid, expected in EXPECTED[name].items():
        chosen = select_entries(story.text, get_region(rid))
        assert beat in chosen.beats and not chosen.fallback, (rid, chosen.beats)
        assert expected in [_label(c.entry) for c in chosen.chosen], (rid, chosen.to_dict())
        assert all(c.why for c in chosen.chosen)


def test_every_story_and_region_keeps_the_region_block_small() -> None:
    template = load_template()
    for path in sorted(BEATS_DIR.glob("*.txt")):
        story = load_story(path)
        for rid in builtin_regions():
            user = template.render(story=story, region=get_region(rid))[-1]["content"]
            block = user[user.index("<region>") : user.index("</region>")]
            assert count_text(block, "gpt-4o").tokens <= 400, (path.name, rid)


def test_the_choice_is_deterministic_and_a_story_off_every_beat_gets_the_general_bodies() -> None:
    story = load_story(BEATS_DIR / "food-plant-milk-labels.txt").text
    uk = get_region("uk")
    assert select_entries(story, uk) == select_entries(story + "", uk.model_copy())
    chosen = select_entries("Quiet day.", uk)
    assert chosen.fallback and chosen.beats == ()
    assert [c.name for c in chosen.chosen] == [
        "UK Parliament",
        "Cabinet Office",
        "Office for National Statistics",
    ]
    assert chosen.audience == uk.audience


def test_a_body_the_story_names_comes_first() -> None:
    chosen = select_entries("Ofwat said the plan was sound.", get_region("uk"))
    assert chosen.chosen[0].name == "Ofwat" and "named in the story" in chosen.chosen[0].why


# --- the chosen entries in --dry-run, provenance and the CLI ------------------------------------


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_dry_run_shows_the_chosen_entries_and_why() -> None:
    story = str(BEATS_DIR / "food-plant-milk-labels.txt")
    out = _cli("rewrite", story, "-r", "uk", "--dry-run")
    assert out.exit_code == 0, out.output
    assert "region entries (story beats: food):" in out.output
    assert "  - Food Standards Agency: beat food; remit matches labelling" in out.output
    assert "- Food Standards Agency (FSA): the food safety regulator" in out.output  # in the prompt
    assert "what this story means for UK consumers and food businesses" in out.output
    data = json.loads(_cli("rewrite", story, "-r", "uk", "--dry-run", "-f", "json").output)
    entries = data["region_entries"]
    assert entries["beats"] == ["food"] and entries["fallback"] is False
    assert entries["entries"][0]["name"] == "Food Standards Agency"


def test_provenance_records_the_chosen_entries() -> None:
    settings = Settings.resolve({}, base_url=RECORD_BASE_URL, model="gpt-4o-mini")
    prep = prepare(BEATS_DIR / "food-plant-milk-labels.txt", "uk", settings=settings)
    body = (
        "Shoppers in the UK buy oat, almond and soy drinks too, so the US move on labels is one "
        "the Food Standards Agency, which sets rules on labelling in England, Wales and Northern "
        "Ireland, may be asked about. The FDA said shoppers may not know how the nutrition of "
        "plant-based milks differs from dairy milk, and recommended a voluntary statement on "
        "nutrients such as calcium and vitamin D."
    )
    answer = Completion(
        json.dumps({"body": body}), "stop", Usage(1, 1), "gpt-4o-mini", "json_schema"
    )
    result = review_completion(prep, answer, endpoint=RECORD_BASE_URL)
    recorded = result.to_dict()["provenance"]["region_entries"]
    assert recorded == prep.selection.to_dict()
    assert recorded["beats"] == ["food"]
    assert "Food Standards Agency" in [e["name"] for e in recorded["entries"]]
    assert Provenance.from_dict(result.provenance.to_dict()) == result.provenance


def test_regions_show_beat_validate_strict_and_beats(tmp_path: Path) -> None:
    shown = _cli("regions", "show", "au", "--beat", "transport", "-f", "json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert {i["acronym"] for i in data["institutions"]} >= {"CASA", "ATSB", "AMSA"}
    assert data["audience"].startswith("Australian travellers")
    bad = _cli("regions", "show", "uk", "--beat", "helth")
    assert bad.exit_code == 2 and "--beat: 'helth' is not a beat of uk" in bad.output
    assert "did you mean 'health'" in bad.output
    listed = _cli("regions", "beats").output
    assert listed.startswith("general ") and "\ntransport " in listed
    loose = _write(tmp_path, "ie.yaml", _GOOD)  # an entry with no beats and no url
    assert _cli("regions", "validate", str(loose)).exit_code == 0
    strict = _cli("regions", "validate", "--strict", str(loose))
    assert strict.exit_code == 1
    assert "field 'institutions[0].beats': is required by --strict" in strict.output
    assert "field 'institutions[0].url': is required by --strict" in strict.output
    assert _cli("regions", "validate", "--strict", str(PROFILES)).exit_code == 0


def test_ascii_lookalikes_are_every_character_a_case_blind_ascii_pattern_matches() -> None:
    # The named-entry prefilter trusts a lower-cased substring test only in texts without them.
    from localize.regions._select import _ASCII_LOOKALIKES

    ascii_blind = re.compile(r"[\x00-\x7f]", re.IGNORECASE)
    found = {chr(c) for c in range(128, 0x110000) if ascii_blind.fullmatch(chr(c))}
    assert found == {"\u0130", "\u0131", "\u017f", "\u212a"}
    assert all(_ASCII_LOOKALIKES.fullmatch(ch) for ch in found)


@pytest.mark.parametrize(
    "text",
    [
        "The Office for Students said so.",
        "The office for students said so.",
        "The Office for Student\u017f said so.",  # a long s matches "s" case-blind
        "The \u212aEW Office said so.",
        "No body here at all, \u00e9l\u00e8ve.",
        "The OfS said so.",
        "The OFS said so.",
    ],
)
def test_named_entry_prefilter_agrees_with_the_pattern(text: str) -> None:
    from localize.regions._select import _named_pattern, folded_for_names

    named = _named_pattern(("Office for Students", "OfS", "KEW Office"))
    assert named is not None
    assert named.found(text, folded_for_names(text)) == bool(named.pattern.search(text))


def test_named_entry_prefilter_agrees_with_the_pattern_for_every_shipped_name() -> None:
    # The prefilter looks a name's first word up among the story's word runs before scanning
    # for the name: around every shipped name, as written and in other cases, at word edges
    # and inside words, it must say what the pattern says.
    from localize.regions._select import _index_for, folded_for_names

    for profile in builtin_regions().values():
        index = _index_for(profile)
        for named in index.named:
            if named is None:
                continue
            for name, _ in named.needles:
                for form in {name, name.lower(), name.upper(), name.title()}:
                    for text in (
                        f"Said {form}.",
                        f"{form}'s view",
                        f"pre-{form} rules",
                        f"x{form}y and {form}-led",
                        f"({form})",
                        f"{form}s",
                        f"{form[:-1]} {form[-1:]}",
                    ):
                        assert named.found(text, folded_for_names(text)) == bool(
                            named.pattern.search(text)
                        ), (profile.id, name, text)


def test_a_profile_hash_is_kept_per_object_and_follows_its_fields() -> None:
    uk = get_region("uk")
    copy = uk.model_copy()
    assert copy == uk and hash(copy) == hash(uk)
    changed = uk.model_copy(update={"audience": "Readers in Wales"})
    assert changed != uk
    assert hash(changed) == hash(changed.model_copy())
    assert {uk: 1}[copy] == 1


def test_a_story_query_is_what_bm25s_tokenize_gives() -> None:
    # `_Index.query` splits a story once for all its regions; it must equal bm25s's tokenizer.
    import bm25s  # type: ignore[import-untyped, unused-ignore]

    from localize.regions._select import _index_for, _stem_words

    texts = [p.read_text(encoding="utf-8") for p in sorted(BEATS_DIR.glob("*.txt"))]
    texts.append("Die Behörde prüft 2024 die Anträge; l'ICO's review_2 isn't DONE.")
    for rid in ("uk", "us", "de"):
        index = _index_for(get_region(rid))
        for text in texts:
            expected = bm25s.tokenize(
                [text],
                stopwords=index._stopwords,
                stemmer=_stem_words,
                return_ids=False,
                show_progress=False,
            )[0]
            assert index.query(text) == list(expected)


def test_a_body_listed_twice_in_one_profile_is_named(tmp_path: Path) -> None:
    # It was accepted: the prompt listed the body twice, and `regions validate` said ok.
    twice = "  - name: national cyber security centre\n    remit: the same body again\n"
    path = tmp_path / "ie-twice.yaml"
    path.write_text(IE_PROFILE.replace("id: ie", "id: ie-twice", 1) + twice, encoding="utf-8")
    with pytest.raises(ProfileError, match=r"field 'institutions\[1\]\.name': .* listed twice"):
        localize.get_region(path)
    res = CliRunner().invoke(cli, ["regions", "validate", str(path)])
    assert res.exit_code == 1 and "also institutions[0]" in res.output


def test_validating_a_folder_without_profiles_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Not a profile.")
    res = CliRunner().invoke(cli, ["regions", "validate", str(tmp_path)])
    assert res.exit_code == 1 and "folder holds no profile files" in res.output, res.output
