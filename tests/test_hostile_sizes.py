"""Bounded reads and bounded work: device files, huge stories, the window trimmed first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize import BudgetError, Settings, StoryError, get_region, load_story, parse_story, prepare
from localize._reading import MAX_STORY_BYTES
from localize.cli._main import cli
from localize.errors import StoryTooLargeError
from localize.grounding import _figures as figures
from localize.prompting._templates import PromptTemplate
from tests.support import STORIES

WIRE = str(STORIES / "wire.txt")


def run(*args: str, input: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_not_a_story(path: str) -> None:
    code, out = run("rewrite", path, "-r", "uk", "--dry-run")
    assert code == 2 and out == f"localize: error: {path}: is a device, not a story file\n"


def test_check_refuses_a_device_as_section() -> None:
    code, out = run("check", "/dev/zero", "-s", WIRE, "-r", "uk")
    assert code == 2 and "/dev/zero: is a device, not a section file" in out


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "story.txt"
    os.mkfifo(fifo)
    with pytest.raises(StoryError, match="is a FIFO"):
        load_story(fifo)


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "story.txt"
    link.symlink_to("/dev/zero")
    with pytest.raises(StoryError, match="is a device"):
        load_story(link)


def test_stdin_is_read_up_to_the_limit() -> None:
    code, out = run("rewrite", "-", "-r", "uk", "--dry-run", input=b"a" * (MAX_STORY_BYTES + 1))
    assert code == 2
    assert out.splitlines() == [
        "localize: error: <stdin>: is larger than the 4 MiB limit on a story"
    ]


def test_a_story_over_the_maximum_has_its_own_error(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (MAX_STORY_BYTES // 5 + 1))
    with pytest.raises(
        StoryTooLargeError, match=r"big.txt: is larger than the 4 MiB limit"
    ) as info:
        load_story(big)
    assert info.value.limit == MAX_STORY_BYTES and info.value.exit_code == 2
    with pytest.raises(StoryTooLargeError):
        parse_story("word " * (MAX_STORY_BYTES // 5 + 1))


def test_a_long_story_is_cut_to_the_window_before_the_template_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paragraphs = [
        f"Paragraph {i} says the NCSC reviewed {i} cases this year." for i in range(40_000)
    ]
    story = parse_story("\n\n".join(paragraphs))
    rendered: list[int] = []
    real = PromptTemplate.render

    def counting(self: PromptTemplate, **kw: object) -> object:
        rendered.append(len(kw["story"].paragraphs))  # type: ignore[attr-defined]
        return real(self, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(PromptTemplate, "render", counting)
    prep = prepare(story, get_region("uk"), settings=Settings.resolve(context_window=4096))
    # Never the whole story: at most what 4096 tokens could hold at 16 characters a token.
    assert max(rendered) < 4096 * 16 // 50
    assert prep.fitted.trimmed == tuple(range(len(prep.fitted.story.paragraphs), 40_000))


def test_a_story_too_big_for_the_window_is_a_bad_input() -> None:
    assert BudgetError("x", needed=2, window=1).exit_code == 2


def test_the_hyphen_prefix_is_found_without_rescanning_the_text() -> None:
    text = "x " * 1000 + "GPT-5 and covid-19"
    assert figures._hyphen_prefix(text, text.index("-")) == "GPT"
    assert figures._hyphen_prefix(text, text.rindex("-")) == "covid"
    assert figures._hyphen_prefix("-5", 0) == ""


def test_a_cache_entry_that_is_a_fifo_or_a_device_link_is_a_miss(tmp_path: Path) -> None:
    from localize.backends._cache import DiskCache

    fifo_key, link_key = "ab" * 32, "cd" * 32
    for key in (fifo_key, link_key):
        (tmp_path / key[:2]).mkdir()
    os.mkfifo(tmp_path / "ab" / f"{fifo_key}.json")
    (tmp_path / "cd" / f"{link_key}.json").symlink_to("/dev/zero")
    cache = DiskCache(tmp_path)
    assert cache.get(fifo_key) is None  # at once: no hang waiting for a writer
    assert cache.get(link_key) is None  # no MemoryError reading /dev/zero


def test_a_template_that_is_a_device_is_refused() -> None:
    code, out = run("rewrite", WIRE, "-r", "uk", "--dry-run", "-t", "/dev/zero")
    assert code == 2 and out == "localize: error: /dev/zero: is a device, not a template file\n"


def test_a_sentence_with_no_stop_is_cut_at_a_space() -> None:
    from localize.text._sentences import MAX_SENTENCE_CHARS, split_sentences

    text = "Abc " * 5000
    sentences = split_sentences(text)
    assert len(sentences) > 1
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert " ".join(s.text for s in sentences) == text.strip()


def test_a_run_of_stops_is_one_boundary() -> None:
    from localize.text._sentences import split_sentences

    assert [s.text for s in split_sentences("It ended...... Then it began.")] == [
        "It ended......",
        "Then it began.",
    ]


def test_word_index_is_the_first_word_at_or_after() -> None:
    from localize.text._word_spans import word_index, word_spans

    words = word_spans("the NCSC said 76 firms")
    assert [word_index(words, p) for p in (0, 1, 4, 9, 100)] == [0, 1, 1, 2, 5]


def test_name_lists_are_still_found_with_bounded_items() -> None:
    from localize.grounding._facts import _list_sizes

    assert list(_list_sizes("signed by Alex Stamos, Casey Ellis and Jon Callas.")) == [3]
    assert list(_list_sizes("Abc " * 20_000)) == []
