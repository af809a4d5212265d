"""Places a summary brings in that its story never gives (issue 18, news summaries): a country,
nation or demonym the story gives in no form is unsupported; one the story gives through a
capital, a province or the whole country is a restatement. Each: a fault caught, its
restatement not."""

from __future__ import annotations

import importlib.util
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from localize.grounding import _places
from localize.grounding._paraphrase import check_paraphrase
from localize.grounding._places import gives_place, story_places, unknown_places
from localize.regions._profiles import get_region
from localize.story import parse_story

SCOTTISH = parse_story(
    "Celtic beat Hearts 2-0 at Celtic Park in Glasgow on Saturday. The Scottish champions moved "
    "five points clear at the top of the Premiership."
)
PORTO = parse_story(
    "Porto will need to hit top form against Bayern Munich on Tuesday despite holding a 3-1 "
    "first leg lead, coach Julen Lopetegui said."
)
UK_ONLY = parse_story(
    "Spending on agency staff in the NHS fell by 500m this year, UK figures show. Hospitals "
    "said the cap on pay rates had helped."
)
NO_PLACE = parse_story("The company said its revenue rose 12% in the quarter.")


def paraphrase(section: str, story: object, region: str = "us") -> list[str]:
    return [f.text for f in check_paraphrase(section, story, get_region(region))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("section", "word"),
    [
        # A nation swapped for the story's (the brief's "Welsh" for a story set in Scotland).
        ("The Welsh champions moved five points clear at the top of the league.", "Welsh"),
        ("Celtic, the champions of Wales, moved five points clear.", "Wales"),
        # A country the story never gives, where it gives another.
        ("Porto lead 3-1 from the first leg in Spain.", "Spain"),
    ],
)
def test_a_place_the_story_never_gives_is_unsupported(section: str, word: str) -> None:
    story = SCOTTISH if "Porto" not in section else PORTO
    [finding] = check_paraphrase(section, story, get_region("us"))
    # Said as unsupported, or, where the sentence restates a story clause, as what that
    # clause never gives.
    assert f"names {word}, which" in finding.message or f"names {word.lower()}, which" in (
        finding.message
    )


@pytest.mark.parametrize(
    ("section", "story"),
    [
        # The story's place in another form: its demonym, a province or city placing it there.
        ("The Scottish champions beat Hearts.", SCOTTISH),
        ("The Portuguese side lead 3-1 from the first leg.", PORTO),
        # A nation of a country the story names and no other nation of it: any may be meant.
        ("Spending on agency staff in the NHS in England fell this year.", UK_ONLY),
        ("British hospitals said the cap on pay had helped.", UK_ONLY),
        # Said not to be involved: asserts nothing.
        ("The Scottish champions, not France, beat Hearts.", SCOTTISH),
        # A story that names no place may be set anywhere.
        ("The Welsh company said its revenue rose 12%.", NO_PLACE),
    ],
)
def test_a_place_the_story_gives_in_any_form_passes(section: str, story: object) -> None:
    assert paraphrase(section, story) == []


def test_the_sections_own_region_and_its_parts_are_its_own() -> None:
    # A UK section names the UK's nations by design, whatever the story says.
    assert paraphrase("Welsh and Scottish firms should check their suppliers.", PORTO, "uk") == []
    assert paraphrase("Welsh and Scottish firms should check their suppliers.", PORTO, "au") == [
        "Welsh"
    ]


def test_a_place_word_inside_a_longer_name_is_no_place() -> None:
    # "Jordan Henderson": a surname follows; "Royal Welsh Show": a name runs into it.
    given = story_places(SCOTTISH)
    assert list(unknown_places("Jordan Henderson scored twice.", given, frozenset())) == []
    assert list(unknown_places("He went to the Royal Welsh Show.", given, frozenset())) == []
    assert list(unknown_places("He went to the Welsh show.", given, frozenset())) == [("Welsh", 15)]


def test_a_story_gives_places_by_name_spelling_demonym_city_and_province() -> None:
    given = story_places(parse_story("Officials in Cardiff and the U.S. State Dept met in Porto."))
    for word in ("Wales", "Welsh", "UK", "American", "United States", "Portugal", "portuguese"):
        assert gives_place(word, given), word
    for word in ("Scotland", "Spain", "French", "Glasgow"):
        assert not gives_place(word, given), word


def test_a_lone_name_beside_no_story_name_still_passes() -> None:
    # A name on its own is as often a true detail the story leaves out ("the Glenfinnan area
    # of Glasgow", a consistent summary): a city is no country, nation or demonym.
    assert paraphrase("Porto's coach grew up near Bilbao.", PORTO) == []


ROOT = Path(__file__).resolve().parents[1]


def test_the_table_loads_from_the_installed_package_with_its_licence() -> None:
    here = files("localize.grounding")
    assert (
        here.joinpath("places.txt")
        .read_text(encoding="utf-8")
        .startswith("# Places from the countryinfo package")
    )
    assert "Porimol Chandro" in here.joinpath("LICENSE-countryinfo").read_text("utf-8")
    assert _places._places() is _places._places()  # read once


@pytest.mark.skipif(
    importlib.util.find_spec("countryinfo") is None, reason="countryinfo not installed"
)
def test_the_script_rebuilds_the_shipped_table(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_places", ROOT / "scripts/make_places.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules["make_places"] = script
    spec.loader.exec_module(script)
    out = tmp_path / "places.txt"
    assert script.main(["--out", str(out)]) == 0
    shipped = Path(_places.__file__).with_name("places.txt")
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
