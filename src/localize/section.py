"""`LocalizedSection`: the regional section a model writes, as structured output."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LocalizedSection", "SectionOutput"]


class SectionOutput(BaseModel):
    """What the model is asked to return: the section body only (the heading is the profile's)."""

    model_config = ConfigDict(extra="ignore")

    body: str = Field(min_length=1, description="The section text: one to three paragraphs.")

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """A strict JSON schema accepted by OpenAI's structured outputs and llama.cpp."""
        return {
            "type": "object",
            "properties": {"body": {"type": "string", "description": "The section text."}},
            "required": ["body"],
            "additionalProperties": False,
        }


class LocalizedSection(BaseModel):
    """A finished section: heading plus body paragraphs."""

    model_config = ConfigDict(frozen=True)

    heading: str
    body: str

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]
