"""Cut the held-out factual-consistency fixture in tests/data/factual from SummEdits.

SummEdits (Laban et al. 2023, https://github.com/salesforce/factualNLG, Apache-2.0) pairs a
document with a one-sentence summary carrying at most one factual edit, labelled by annotators
(1 = consistent). Its news domain is left out on purpose: it is the held-out benchmark the
checks are judged on. From four other domains this takes a balanced sample: from the
``evaluation`` split a development set (the rules may be looked at against it), from the
``test`` split a held-out set (measured only, never read while tuning).

    git clone https://github.com/salesforce/factualNLG
    python scripts/make_factual_fixture.py factualNLG/data/summedits
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

DOMAINS = ("ectsum", "scitldr", "sales_email", "qmsumm")
# (split in SummEdits, file written, rows per label per domain)
SETS = (("evaluation", "summedits-dev.jsonl", 20), ("test", "summedits-heldout.jsonl", 30))
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "factual"


def _order(row: dict[str, object]) -> str:
    # A fixed, content-independent order: the same sample on every run.
    return hashlib.sha256(str(row["id"]).encode()).hexdigest()


def main(source: str) -> int:
    folder = Path(source)
    for split, name, per_label in SETS:
        rows: list[dict[str, object]] = []
        for domain in DOMAINS:
            data = json.loads((folder / f"summedits_{domain}.json").read_text(encoding="utf-8"))
            for label in (1, 0):
                pool = sorted(
                    (r for r in data if r["split"] == split and r["label"] == label), key=_order
                )
                for r in pool[:per_label]:
                    rows.append(
                        {
                            "id": f"{domain}-{r['id']}",
                            "domain": domain,
                            "label": r["label"],
                            "edit_types": r["edit_types"],
                            "doc": r["doc"],
                            "summary": r["summary"],
                        }
                    )
        path = OUT / name
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{path}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
