from __future__ import annotations

import pytest

from localize import BudgetError, count_messages, count_text, get_region, load_template
from localize.budget import context_window, estimate_cost, fit_story
from localize.story import parse_story

STORY = parse_story(
    "# Headline\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(12))
)


def _render(s):  # type: ignore[no-untyped-def]
    return load_template().render(story=s, region=get_region("uk"))


def test_counts_are_exact_for_cl100k_models_and_flagged_otherwise() -> None:
    assert count_text("hello world", "gpt-4").approximate is False
    assert count_text("hello world", "gpt-4o").approximate is True
    assert count_text("hello world", "gpt-4").tokens == 2
    msgs = [{"role": "user", "content": "hello world"}]
    assert count_messages(msgs, "gpt-4").tokens == 2 + 1 + 3 + 3


def test_fits_without_trimming_when_there_is_room() -> None:
    fitted = fit_story(STORY, _render, model="gpt-4o", window=128_000, reserve=450)
    assert fitted.trimmed == () and fitted.story == STORY


def test_trims_whole_paragraphs_from_the_end_keeping_headline_and_lede() -> None:
    full = count_messages(_render(STORY), "gpt-4").tokens
    fitted = fit_story(STORY, _render, model="gpt-4", window=full, reserve=300)
    assert fitted.trimmed and fitted.trimmed[-1] == 11
    assert list(fitted.trimmed) == list(range(fitted.trimmed[0], 12))
    assert fitted.story.headline == "Headline"
    assert fitted.story.paragraphs[0].startswith("Paragraph 0")
    assert fitted.prompt_tokens.tokens <= full - 300


def test_too_small_a_window_is_an_error() -> None:
    with pytest.raises(BudgetError) as info:
        fit_story(STORY, _render, model="gpt-4", window=500, reserve=450)
    assert info.value.window == 500


def test_windows_and_costs() -> None:
    assert context_window("gpt-4o-mini-2024-07-18") == 128_000
    assert context_window("my-local-model") == 8192
    assert estimate_cost("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 0, cached_tokens=1_000_000) == pytest.approx(
        0.075
    )
    assert estimate_cost("smollm2-135m-instruct", 10, 10) is None


def test_counting_block_by_block_is_exact() -> None:
    # The count is taken a block at a time (cut after a newline, before a non-space character)
    # so that a story's lines are encoded once for all its regions: it must equal one encode.
    import random

    from localize.budget import _encoding

    def whole(text: str) -> int:
        return len(_encoding().encode(text, disallowed_special=()))

    rnd = random.Random(7)
    parts = ["\n", "\n\n", " ", "word", "B", "12", "!", "'s", "<|endoftext|>", "é", "\r\n", "\t"]
    parts += ["  ", "中文", "\u2019", "—", "[1] ", "\n- ", "  \n", "...", "\u2028", ">\n<"]
    texts = ["".join(rnd.choice(parts) for _ in range(rnd.randint(100, 900))) for _ in range(300)]
    story = parse_story("Headline\n\n" + "A sentence here. Another one!\n\n" * 60)
    for region in ("uk", "us"):
        texts += [
            m["content"] for m in load_template().render(story=story, region=get_region(region))
        ]
    for text in texts:
        assert count_text(text, "gpt-4o-mini").tokens == whole(text)
