"""Labelling AI-assisted copy: the disclosure line and IPTC's digital source type.

Every rendered section carries a disclosure line: the one given by flag, else the profile's
``disclosure``, else `DEFAULT_DISCLOSURE`. JSON output also names the IPTC Digital Source Type
(http://cv.iptc.org/newscodes/digitalsourcetype/): a section on its own was created by a trained
model from the story (``trainedAlgorithmicMedia``); a story with a section spliced in is a human
story with a generated element (``compositeSynthetic``).
"""

from __future__ import annotations

from localize.regions._profiles import RegionProfile

__all__ = [
    "COMPOSITE_SYNTHETIC",
    "DEFAULT_DISCLOSURE",
    "IPTC_DIGITAL_SOURCE_TYPE",
    "TRAINED_ALGORITHMIC_MEDIA",
    "disclosure_for",
]

IPTC_DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# "Created using Generative AI": media created by a model derived from sampled content.
TRAINED_ALGORITHMIC_MEDIA = IPTC_DIGITAL_SOURCE_TYPE + "trainedAlgorithmicMedia"
# "Composite including generative AI elements": a mix in which at least one element is synthetic.
COMPOSITE_SYNTHETIC = IPTC_DIGITAL_SOURCE_TYPE + "compositeSynthetic"

DEFAULT_DISCLOSURE = (
    "This section was written with the help of AI from the story above, and checked against it."
)


def disclosure_for(region: RegionProfile, override: str | None = None) -> str:
    """The disclosure line for a section: the override, else the profile's, else the default."""
    text = override if override is not None else region.disclosure
    return " ".join((text or DEFAULT_DISCLOSURE).split())
