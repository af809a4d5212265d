from __future__ import annotations

from pathlib import Path

import pytest

from localize import ProfileError, RegionNotFoundError, builtin_regions, get_region, load_profiles
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
    assert "au, eu, uk, us" in str(info.value)
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
