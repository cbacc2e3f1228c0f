"""Facet extraction against hand labels: precision and recall of the countries, organisations
and people found in each statement (indexer/facets.py), per document.

    .venv/bin/python bench/facets.py

The labels (bench/facet-labels.json) were written by a helper who read the 13 statements of
corpus/, bench/dev-corpus/ and bench/holdout-corpus/ and never ran the system: countries as
ISO 3166 alpha-3 codes, organisations by acronym, people without titles. Extraction runs as a
build does, chunk by chunk, and a document's mentions are the union of its chunks'.
Results: bench/results/facets.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import write_results  # noqa: E402

import pycountry  # noqa: E402

from indexer.chunking import chunk_document  # noqa: E402
from indexer.documents import read_documents  # noqa: E402
from indexer.metadata import load_metadata  # noqa: E402
from indexer.facets import COUNTRIES, FACET_NAMES, FacetFinder, _country_names  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "facet-labels.json"
FOLDERS = {"corpus": ROOT / "corpus", "dev-corpus": ROOT / "bench" / "dev-corpus",
           "holdout-corpus": ROOT / "bench" / "holdout-corpus"}
RESULTS = ROOT / "bench" / "results" / "facets.json"


def country_code(shown: str) -> str:
    """The alpha-3 code of a country as facets.py shows it."""
    _, names = _country_names()
    for name, value in names.items():
        if value == shown:
            found = pycountry.countries.get(name=name) or pycountry.countries.get(common_name=name) \
                or pycountry.countries.get(official_name=name)
            if found:
                return found.alpha_3
    return pycountry.countries.lookup(shown).alpha_3


def normalise(facet: str, value: str) -> str:
    return country_code(value) if facet == COUNTRIES else " ".join(value.lower().replace("’", "'").split())


def extract(folder: Path, name: str) -> dict[str, set[str]]:
    path = folder / name
    metadata = load_metadata(folder)
    found = {facet: set() for facet in FACET_NAMES}
    for document in read_documents(path, folder, metadata):
        finder = FacetFinder(document.text)
        for chunk in chunk_document(document):
            for m in finder.mentions(chunk.text):
                found[m.facet].add(normalise(m.facet, m.value))
    return found


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    totals = {facet: {"tp": 0, "fp": 0, "fn": 0} for facet in FACET_NAMES}
    per_document = {}
    for key, wanted in sorted(labels.items()):
        folder_name, name = key.split("/", 1)
        found = extract(FOLDERS[folder_name], name)
        row = {}
        for facet in FACET_NAMES:
            truth = {normalise(facet, v) if facet != COUNTRIES else v for v in wanted.get(facet, [])}
            got = found[facet]
            totals[facet]["tp"] += len(truth & got)
            totals[facet]["fp"] += len(got - truth)
            totals[facet]["fn"] += len(truth - got)
            row[facet] = {"missed": sorted(truth - got), "extra": sorted(got - truth)}
        per_document[key] = row
    summary = {}
    for facet, t in totals.items():
        precision = t["tp"] / max(1, t["tp"] + t["fp"])
        recall = t["tp"] / max(1, t["tp"] + t["fn"])
        summary[facet] = {"precision": round(precision, 3), "recall": round(recall, 3), **t}
        print(f"{facet:14} precision {precision:.3f}  recall {recall:.3f}  (tp {t['tp']}, fp {t['fp']}, fn {t['fn']})")
    write_results(RESULTS, {"summary": summary, "documents": per_document})
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
