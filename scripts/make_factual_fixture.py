"""Cut the held-out factual-consistency fixtures in tests/data/factual from public annotated sets.

Every set pairs a document with a summary that annotators labelled consistent (1) or not (0).
Each row written has one shape: ``id``, ``domain``, ``label``, ``edit_types`` (the fault, in
SummEdits' names: ``entity_modification``, ``antonym_swap``, ``negation_insertion_removal``,
``hallucinated_fact_insertion``, plus ``other`` for a contradiction the set does not type
further), ``source_types`` (the set's own error categories, unmapped), ``doc``, ``summary``. No
label, document or summary is edited; rows are only selected.

Sets, each read from a git checkout at the commit named below (``git show COMMIT:PATH``, so a
bare mirror works as well as a clone):

- SummEdits (salesforce/factualNLG): every domain but news, which is the held-out benchmark the
  checks are judged on. Development rows come from its ``evaluation`` split, held-out rows from
  ``test``.
- XSumFaith (google-research-datasets/xsum_hallucination_annotations) and FRANK's XSum half
  (artidoro/frank): the annotations only; the BBC documents come from AggreFact's sheets
  (Liyan06/AggreFact), which carry them, and FRANK's summaries from XSumFaith's (FRANK annotated
  the same system outputs).
- CLIFF (Cao and Wang 2021) as AggreFact ships it with documents: CNN/DM and XSum.

The three XSum-based sets share BBC documents, so their rows go to development or held-out by a
fixed hash of the document id: a document is in the same part in every set, and tuning on one
set's development rows never sees another's held-out documents.

    python scripts/make_factual_fixture.py --factualnlg DIR --aggrefact DIR --frank DIR \\
        --xsumfaith DIR
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree import ElementTree

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "factual"
# The commits the fixture was cut from; a later commit may have other rows.
COMMITS = {
    "factualnlg": "0da1dfa62c783218d26208c1796d3a2605bec745",
    "aggrefact": "f0654b245232cd724d5caa5db4950abfb12d795e",
    "frank": "80a88fb12cc0bfc17ff6ee2c5ebb0c4f4dd8a5f4",
    "xsumfaith": "4abdbb2c807cb93c1df1188a1992d20a55cdcc34",
}
# Longer documents are skipped: they would make the fixture large and say little more. The
# first four SummEdits domains had none this long, so their rows are as before.
MAX_DOC = 8000

SUMMEDITS_DOMAINS = (
    "ectsum",
    "scitldr",
    "sales_email",
    "qmsumm",
    "podcast",
    "samsum",
    "sales_call",
)
# (split in SummEdits, file written, rows per label per domain)
SUMMEDITS_SETS = (
    ("evaluation", "summedits-dev.jsonl", 20),
    ("test", "summedits-heldout.jsonl", 30),
)
# Rows per label in the development and held-out parts of the XSum-based sets.
PER_LABEL = {"dev": 50, "heldout": 100}

# AggreFact's unified error types (Tang et al. 2023, section 4): an intrinsic noun phrase is a
# document entity put in the wrong place; anything extrinsic is not in the document at all; an
# intrinsic predicate or whole sentence misstates the document in a way the type does not say.
UNIFIED = {
    "intrinsic-NP": "entity_modification",
    "extrinsic-NP": "hallucinated_fact_insertion",
    "extrinsic-predicate": "hallucinated_fact_insertion",
    "extrinsic-entire_sent": "hallucinated_fact_insertion",
    "intrinsic-predicate": "other",
    "intrinsic-entire_sent": "other",
}
# XSumFaith's two categories.
XSUMFAITH = {"extrinsic": "hallucinated_fact_insertion", "intrinsic": "other"}
# FRANK's typology (Pagnoni et al. 2021): entity and circumstance (time, place) errors swap a
# detail; out-of-article errors invent one; predicate, coreference, discourse-link, grammar and
# other errors are contradictions of other kinds.
FRANK = {
    "EntE": "entity_modification",
    "CircE": "entity_modification",
    "OutE": "hallucinated_fact_insertion",
    "RelE": "other",
    "CorefE": "other",
    "LinkE": "other",
    "GramE": "other",
    "Other": "other",
}

Row = dict[str, object]


def _show(repo: Path, name: str, path: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{COMMITS[name]}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _part(doc_id: str) -> str:
    # Two documents in five go to development, the rest are held out.
    return "dev" if int(_hash(f"part:{doc_id}")[:8], 16) % 5 < 2 else "heldout"


def _mapped(types: Iterable[str], table: dict[str, str]) -> list[str]:
    return sorted({table[t] for t in types if t in table})


def _write(name: str, rows: list[Row]) -> None:
    path = OUT / name
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path}: {len(rows)} rows, {path.stat().st_size // 1024} KiB")


def _balanced(rows: list[Row], per_label: int, source_id: str = "id") -> list[Row]:
    # A fixed, content-independent order (a hash of the set's own row id): the same sample on
    # every run.
    out: list[Row] = []
    for label in (1, 0):
        pool = sorted(
            (r for r in rows if r["label"] == label), key=lambda r: _hash(str(r[source_id]))
        )
        out.extend(pool[:per_label])
    return out


def summedits(repo: Path) -> None:
    for split, name, per_label in SUMMEDITS_SETS:
        rows: list[Row] = []
        for domain in SUMMEDITS_DOMAINS:
            data = json.loads(_show(repo, "factualnlg", f"data/summedits/summedits_{domain}.json"))
            pool = [
                {
                    "id": f"{domain}-{r['id']}",
                    "source_id": r["id"],
                    "domain": domain,
                    "label": r["label"],
                    "edit_types": r["edit_types"],
                    "doc": r["doc"],
                    "summary": r["summary"],
                }
                for r in data
                if r["split"] == split and len(r["doc"]) <= MAX_DOC
            ]
            for row in _balanced(pool, per_label, source_id="source_id"):
                del row["source_id"]
                rows.append(row)
        _write(name, rows)


def _xlsx_rows(data: bytes) -> Iterator[dict[str, str]]:
    """Every sheet's rows as dicts keyed by the header row (the standard library reads xlsx)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    book = zipfile.ZipFile(io.BytesIO(data))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in book.namelist():
        for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{ns}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{ns}t")))
    sheets = ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{ns}sheet")
    for number, _ in enumerate(sheets, 1):
        sheet = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{number}.xml"))
        header: dict[str, str] = {}
        for row in sheet.iter(f"{ns}row"):
            cells: dict[str, str] = {}
            for c in row.iter(f"{ns}c"):
                column = re.sub(r"\d", "", c.get("r", ""))
                kind, v = c.get("t"), c.find(f"{ns}v")
                if kind == "inlineStr":
                    cells[column] = "".join(t.text or "" for t in c.iter(f"{ns}t"))
                elif kind == "s" and v is not None and v.text is not None:
                    cells[column] = shared[int(v.text)]
                else:
                    cells[column] = (v.text or "") if v is not None else ""
            if not header:
                header = cells
            else:
                yield {header[k]: v for k, v in cells.items() if k in header}


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _types(cell: str) -> list[str]:
    # AggreFact writes a Python list literal ("['intrinsic-NP']"), or "correct", or nothing.
    return [str(t) for t in ast.literal_eval(cell)] if cell.startswith("[") else []


def xsum_sets(aggrefact: Path, frank: Path, xsumfaith: Path) -> None:
    # The BBC documents: XSumFaith's from AggreFact's sheets, then CLIFF's.
    docs: dict[str, str] = {}
    unified: dict[tuple[str, str], list[str]] = {}
    for cut in ("val", "test"):
        data = _show(aggrefact, "aggrefact", f"data/AggreFact-Unified-{cut}.xlsx")
        for r in _xlsx_rows(data):
            if r.get("dataset") == "xsumfaith" and r.get("doc"):
                docs.setdefault(r["id"], r["doc"])
                unified[(r["id"], r["model_name"])] = _types(r["error_type"])
    cliff = _csv(_show(aggrefact, "aggrefact", "data/error_type_mapping/CLIFF_error_types.csv"))
    for r in cliff:
        if r["origin"] == "xsum":
            docs.setdefault(r["id"], r["doc"])

    # XSumFaith: three annotators marked the unsupported spans of each (document, system)
    # summary, or none ("NULL"). Consistent when most found none, as AggreFact labels it. The
    # reference ("Gold") summaries are not model output and are left out, as AggreFact does.
    marks: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    summaries: dict[tuple[str, str], str] = {}
    for r in _csv(_show(xsumfaith, "xsumfaith", "hallucination_annotations_xsum_summaries.csv")):
        key = (r["bbcid"], r["system"])
        marks[key][r["worker_id"]].add(r["hallucination_type"])
        summaries[key] = r["summary"]
    faith: list[Row] = []
    for (bbcid, system), workers in marks.items():
        if system == "Gold" or bbcid not in docs or len(docs[bbcid]) > MAX_DOC:
            continue
        clean = sum(1 for types in workers.values() if types == {"NULL"})
        label = int(clean * 2 > len(workers))
        kinds = sorted({t for types in workers.values() for t in types} - {"NULL"})
        finer = unified.get((bbcid, system), [])
        faith.append(
            {
                "id": f"xsumfaith-{bbcid}-{system}",
                "domain": "xsum",
                "label": label,
                # AggreFact's finer typing of the same spans where it has it.
                "edit_types": []
                if label
                else (_mapped(finer, UNIFIED) or _mapped(kinds, XSUMFAITH)),
                "source_types": [] if label else (finer or kinds),
                "doc": docs[bbcid],
                "summary": summaries[(bbcid, system)],
            }
        )
    _write_parts("xsumfaith", faith)

    # FRANK's XSum half: per-summary scores where 1.0 means no annotated sentence carries that
    # error; consistent when Factuality is 1.0. Its CNN/DM half is left out: the articles and
    # summaries are only in benchmark_data.json, which the snapshot we could fetch lacks.
    frank_rows: list[Row] = []
    for r in json.loads(_show(frank, "frank", "data/human_annotations.json")):
        key = (r["hash"], r["model_name"])
        if r["dataset"] != "bbc" or key not in summaries or r["hash"] not in docs:
            continue
        if len(docs[r["hash"]]) > MAX_DOC:
            continue
        label = int(r["Factuality"] == 1.0)
        kinds = sorted(k for k in FRANK if r[k] < 1.0)
        frank_rows.append(
            {
                "id": f"frank-{r['hash']}-{r['model_name']}",
                "domain": "xsum",
                "label": label,
                "edit_types": [] if label else _mapped(kinds, FRANK) or ["other"],
                "source_types": [] if label else kinds,
                "doc": docs[r["hash"]],
                "summary": summaries[key],
            }
        )
    _write_parts("frank-xsum", frank_rows)

    # CLIFF (Cao and Wang 2021): BART and PEGASUS summaries of CNN/DM and XSum, typed by
    # AggreFact; "correct" is consistent.
    cliff_rows: list[Row] = []
    for r in cliff:
        if len(r["doc"]) > MAX_DOC:
            continue
        label = int(r["error_type"] == "correct")
        kinds = _types(r["error_type"])
        cliff_rows.append(
            {
                "id": f"cliff-{r['origin']}-{r['id']}-{r['model_name']}",
                "domain": r["origin"],
                "label": label,
                "edit_types": [] if label else _mapped(kinds, UNIFIED) or ["other"],
                "source_types": kinds,
                "doc": r["doc"],
                "summary": r["summ"],
            }
        )
    _write_parts("cliff", cliff_rows)


def _write_parts(name: str, rows: list[Row]) -> None:
    for part, per_label in PER_LABEL.items():
        # The document id is the id's middle: "<set>-<document>-<system>".
        mine = [r for r in rows if _part(str(r["id"]).split("-")[-2]) == part]
        _write(f"{name}-{part}.jsonl", _balanced(mine, per_label))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in COMMITS:
        parser.add_argument(f"--{name}", type=Path, required=True, metavar="DIR")
    args = parser.parse_args(argv)
    summedits(args.factualnlg)
    xsum_sets(args.aggrefact, args.frank, args.xsumfaith)
    return 0


if __name__ == "__main__":
    sys.exit(main())
