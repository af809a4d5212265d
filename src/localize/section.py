"""`LocalizedSection`: the regional section a model writes, as structured output."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from localize.text._citations import Citation, join_cited, strip_markers

__all__ = ["CitedSentence", "LocalizedSection", "SectionOutput"]


class CitedSentence(BaseModel):
    """One sentence of a structured answer with the numbers of the story sentences it uses."""

    model_config = ConfigDict(extra="ignore")

    text: str
    sources: list[int] = Field(default_factory=list)


class SectionOutput(BaseModel):
    """What the model returns: paragraphs of cited sentences, or (text mode, other templates)
    a ``body`` string, which may carry inline markers such as ``[3]``.

    Either way ``body`` ends up as the clean section text and ``citations`` as spans over it.
    """

    model_config = ConfigDict(extra="ignore")

    body: str = Field(min_length=1, description="The section text: one to three paragraphs.")
    citations: tuple[Citation, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_answer(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        paragraphs = data.get("paragraphs")
        if paragraphs is not None and not data.get("body"):
            if not isinstance(paragraphs, list) or not all(isinstance(p, list) for p in paragraphs):
                raise ValueError('"paragraphs" must be a list of lists of sentences')
            parsed = [[CitedSentence.model_validate(s) for s in p] for p in paragraphs]
            body, citations = join_cited([[(s.text, s.sources) for s in p] for p in parsed])
            if not body:
                raise ValueError('"paragraphs" holds no sentence with text')
            return {"body": body, "citations": citations}
        if isinstance(data.get("body"), str):
            body, citations = strip_markers(data["body"].strip())
            return {"body": body, "citations": citations}
        return data

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """A strict JSON schema accepted by OpenAI's structured outputs and llama.cpp."""
        sentence = {
            "type": "object",
            "properties": {
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "description": "One sentence of the section.",
                },
                "sources": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Numbers of the story sentences this sentence rests on.",
                },
            },
            "required": ["text", "sources"],
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "properties": {
                "paragraphs": {
                    "type": "array",
                    "description": "The section: paragraphs, each a list of sentences.",
                    "minItems": 1,
                    "items": {"type": "array", "minItems": 1, "items": sentence},
                }
            },
            "required": ["paragraphs"],
            "additionalProperties": False,
        }


class LocalizedSection(BaseModel):
    """A finished section: heading plus body paragraphs, and the model's citations if any."""

    model_config = ConfigDict(frozen=True)

    heading: str
    body: str
    citations: tuple[Citation, ...] = ()

    @classmethod
    def from_text(cls, heading: str, text: str) -> LocalizedSection:
        """A section from text someone wrote or pasted: inline markers ([3]) become citations."""
        body, citations = strip_markers(text.strip())
        return cls(heading=heading, body=body, citations=citations)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]
