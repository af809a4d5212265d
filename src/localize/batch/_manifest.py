"""The Batch API manifest: what `collect` needs to check answers that come back a day later.

Written next to the request file as ``<request file>.manifest.json``: the model, endpoint and
output mode the requests were made for, the template's text, the region profiles, the parsed
stories, and which ``custom_id`` is which (story, region) pair.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from localize._atomic import write_atomic
from localize._types import StructuredMode
from localize.errors import InputError
from localize.prompting._templates import PromptTemplate
from localize.regions._profiles import RegionProfile

__all__ = ["BatchManifest", "ManifestJob", "find_manifest", "load_manifest"]

MANIFEST_SUFFIX = ".manifest.json"


class ManifestJob(BaseModel):
    """One exported request: its ``custom_id`` and the pair it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    custom_id: str
    story_id: str
    region: str


class BatchManifest(BaseModel):
    """Everything about an exported batch that its request file does not say."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["localize-batch-manifest"] = "localize-batch-manifest"
    format: Literal[2] = 2
    request_file: str
    batch_id: str | None = None
    input_file_id: str | None = None
    model: str
    endpoint: str
    structured_mode: StructuredMode
    context_window: int | None = None
    template_source: str
    template_text: str
    regions: dict[str, RegionProfile]
    # Where each profile was read from (built-in, a pack, a file): a profile's dump leaves it out.
    region_sources: dict[str, str] = {}
    stories: dict[str, dict[str, Any]]
    jobs: list[ManifestJob]

    def region(self, region_id: str) -> RegionProfile:
        """A job's profile, with where it was read from."""
        return self.regions[region_id].with_source(self.region_sources.get(region_id, ""))

    def template(self) -> PromptTemplate:
        return PromptTemplate.from_string(self.template_text, source=self.template_source)

    def write(self, path: str | Path) -> None:
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"
        write_atomic(path, text)

    @staticmethod
    def path_for(request_file: str | Path) -> Path:
        p = Path(request_file)
        return p.parent / f"{p.name}{MANIFEST_SUFFIX}"


def load_manifest(path: str | Path) -> BatchManifest:
    """Read and validate a manifest; `InputError` names the file and what is wrong."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{p}: no such manifest (it is written next to the request file as "
            f"<request file>{MANIFEST_SUFFIX}; pass it with --manifest)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != "localize-batch-manifest":
        raise InputError(f"{p}: not a localize batch manifest")
    if data.get("format") != 2:
        raise InputError(f"{p}: written by another version of localize; export the batch again")
    try:
        return BatchManifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise InputError(f"{p}: field '{field}': {err['msg'].lower()}") from None


def _candidates(folders: Iterable[Path]) -> list[tuple[Path, BatchManifest]]:
    found: dict[Path, tuple[Path, BatchManifest]] = {}
    for folder in folders:
        for path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
            if path.resolve() in found:
                continue
            try:
                found[path.resolve()] = (path, load_manifest(path))
            except InputError:
                continue  # another tool's file, or an old manifest: not this batch's
    return list(found.values())


def find_manifest(batch_id: str | None, custom_id: str | None, folders: Iterable[Path]) -> Path:
    """The one manifest in ``folders`` for this batch id (or holding this custom id)."""
    where = list(dict.fromkeys(folders))
    matches = [
        path
        for path, m in _candidates(where)
        if (batch_id is not None and m.batch_id == batch_id)
        or (custom_id is not None and any(j.custom_id == custom_id for j in m.jobs))
    ]
    what = f"batch {batch_id}" if batch_id else "this batch output"
    if not matches:
        folders_text = ", ".join(str(f) for f in where)
        raise InputError(
            f"no manifest for {what} in {folders_text}; pass the one written with the "
            "request file with --manifest"
        )
    if len(matches) > 1:
        names = ", ".join(str(m) for m in matches)
        raise InputError(f"several manifests match {what} ({names}); choose one with --manifest")
    return matches[0]
