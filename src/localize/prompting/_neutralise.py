"""Story and profile text is data: markers that could end its block or open a chat turn are defused.

Two kinds of marker are neutralised in every value a template prints: the template's own
delimiter tags (``<story>``, ``</story>``, ``<region>``: whatever tags its text uses), and the
control tokens of common chat templates (``<|im_start|>``, ``<|eot_id|>``, ``[INST]``, ``<<SYS>>``,
``<s>``, ``<start_of_turn>`` ...), which llama.cpp and similar servers would otherwise parse as
real special tokens. Their brackets are swapped for look-alikes (angle brackets for single
guillemets U+2039/U+203A, square brackets for U+2045/U+2046, the full-width bar U+FF5C for a broken
bar), so the text still reads the same to a person (and in ``--dry-run``) but no longer matches a
delimiter or a special token.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["find_markers", "neutralise", "template_tags"]

_SWAP = str.maketrans(
    {"<": "\u2039", ">": "\u203a", "[": "\u2045", "]": "\u2046", "\uff5c": "\u00a6"}
)

# Chat-template control tokens, by family. Matched case-insensitively, with stray spaces.
_CONTROL_TOKENS = (
    # ChatML, Llama 3, Phi, DeepSeek (with full-width bars): <|im_start|>, <|eot_id|>
    "<\\s*[|\uff5c][^<>\\n|\uff5c]{1,48}[|\uff5c]\\s*>",
    r"\[\s*/?\s*(?:INST|SYS|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\s*\]",  # Mistral
    r"<<\s*/?\s*SYS\s*>>",  # Llama 2
    r"<\s*/?\s*(?:s|bos|eos|pad|unk|start_of_turn|end_of_turn|think|tool_call)\s*>",
)
# A tag as a template's own text uses it to fence a block: <story>, </region>.
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w.-]{0,40})\s*>")


def template_tags(text: str) -> frozenset[str]:
    """The tag names a template's text uses as delimiters (lower-cased)."""
    return frozenset(m.group(1).lower() for m in _TAG.finditer(text))


@lru_cache(maxsize=64)
def _pattern(tags: frozenset[str]) -> re.Pattern[str]:
    parts = list(_CONTROL_TOKENS)
    if tags:
        names = "|".join(re.escape(t) for t in sorted(tags))
        parts.append(rf"<\s*/?\s*(?:{names})\s*/?\s*>")
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def find_markers(text: str, tags: frozenset[str] = frozenset()) -> list[str]:
    """The delimiters and control tokens in ``text``, in order, as written."""
    return [m.group(0) for m in _pattern(tags).finditer(text)]


def neutralise(text: str, tags: frozenset[str] = frozenset()) -> str:
    """``text`` with every delimiter and control token defused (see the module docstring)."""
    return _pattern(tags).sub(lambda m: m.group(0).translate(_SWAP), text)
