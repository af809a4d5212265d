from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

import localize
from localize import ProfileError, RegionNotFoundError, builtin_regions, get_region, load_profiles
from localize.regions._profiles import profile_problems, profile_schema
from tests.support import IE_PROFILE


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
