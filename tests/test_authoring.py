"""Authoring profiles and templates from the docs alone (issue 19, point 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import localize
from localize import ProfileError, TemplateError
from localize.cli._main import cli
from localize.prompting import load_template
from localize.regions._profiles import Institution, Law, RegionProfile
from tests.support import ROOT, STORIES

IE = (ROOT / "examples" / "ie.yaml").read_text(encoding="utf-8")
WIRE = STORIES / "wire.txt"


def _profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text(text.replace("id: ie", "id: ie-desk", 1), encoding="utf-8")
    return path


def test_a_laws_acronym_suggests_short_name_and_the_reverse(tmp_path: Path) -> None:
    wrong = IE.replace("    short_name: DPA 2018", "    acronym: DPA 2018")
    wrong = wrong.replace("    acronym: DPC", "    short_name: DPC")
    res = CliRunner().invoke(cli, ["regions", "validate", str(_profile(tmp_path, wrong))])
    assert res.exit_code == 1
    assert "field 'laws[0].acronym': is not a known field; did you mean 'short_name'?" in res.output
    assert "field 'institutions[1].short_name': is not a known field; did you mean 'acronym'?" in (
        res.output
    )
    typo = IE.replace("audience:", "audience: x\naudiense:")
    with pytest.raises(ProfileError, match="did you mean 'audience'"):
        localize.get_region(_profile(tmp_path, typo))


def test_every_profile_field_has_a_description() -> None:
    res = CliRunner().invoke(cli, ["regions", "schema"])
    schema = json.loads(res.stdout)
    assert schema["properties"]["checks"]["type"] == "object"
    for model in (RegionProfile, Institution, Law):
        missing = [n for n, f in model.model_fields.items() if not f.description]
        assert missing == [], (model.__name__, missing)


@pytest.mark.parametrize("locale", ["en-JP", "en"])
def test_an_english_locale_without_a_known_spelling_must_say_it(
    tmp_path: Path, locale: str
) -> None:
    text = IE.replace("locale: en-IE", f"locale: {locale}").replace("spelling: british", "")
    with pytest.raises(ProfileError, match=f"locale {locale} does not say which English spelling"):
        localize.get_region(_profile(tmp_path, text))
    said = text.replace(f"locale: {locale}", f"locale: {locale}\nspelling: american")
    assert localize.get_region(_profile(tmp_path, said)).spelling == "american"
    # A known locale still gives its spelling.
    plain = IE.replace("spelling: british", "")
    assert localize.get_region(_profile(tmp_path, plain)).spelling == "british"


def test_an_undefined_template_variable_names_its_line(tmp_path: Path) -> None:
    template = tmp_path / "house.jinja"
    template.write_text(
        "---\nname: house\nversion: 1\n---\n{% block user %}\nStory for {{ region.name }}.\n"
        "{{ region.nmae }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match=r"house.jinja, line 7: undefined value") as info:
        localize.prepare(WIRE, "uk", template=template)
    assert info.value.line == 7


def test_t_name_finds_the_user_templates_folder(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    built_in = (ROOT / "src" / "localize" / "prompting" / "templates" / "section.jinja").read_text()
    (folder / "house.jinja").write_text(built_in.replace("name: section", "name: house", 1))
    assert load_template("house", folder).name == "house"
    with pytest.raises(TemplateError, match="no such template"):
        load_template("house")
    for how in (["--templates", str(folder)], []):
        env = {} if how else {"LOCALIZE_TEMPLATES": str(folder)}
        args = ["rewrite", str(WIRE), "-r", "uk", "-t", "house", "--dry-run", "-f", "json", *how]
        res = CliRunner().invoke(cli, args, env=env)
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["template"]["name"] == "house"


def test_a_templates_folder_that_is_not_one_is_named(tmp_path: Path) -> None:
    # A mistyped folder used to be passed over: the run went on with the built-in template.
    missing = tmp_path / "templtes"
    with pytest.raises(TemplateError, match="templtes: no such templates folder"):
        load_template("section", missing)
    for how, env in ((["--templates", str(missing)], {}), ([], {"LOCALIZE_TEMPLATES": str(WIRE)})):
        args = ["rewrite", str(WIRE), "-r", "uk", "--dry-run", *how]
        res = CliRunner().invoke(cli, args, env=env)
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "no such templates folder" in lines[0], res.stderr
