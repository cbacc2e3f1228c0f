"""One sentence of an answer passage as the picker sees it: its features, the linear selection
score that ranks it against the others, and the calibrated confidence that decides whether the
best one answers at all. Weights come from answer_model.json (bench/calibrate_answers.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .results import Hit

# The features the sentence ranker and the calibration read, in answer_model.json's terms.
RANKING = ("coverage", "context_gain", "kind_match", "entity_share", "passage_cosine", "position",
           "defines", "sentence_cosine", "heading", "document_match", "alignment", "predicate_coverage", "kind_found")
# (document_match helps choose among statements, not whether to answer: in the calibration it
# declined 12 of our 60 answerable questions against 7, bench/calibrate_answers.py.)
CALIBRATING = ("passage_cosine", "coverage", "passage_coverage", "kind_match", "missing_entity",
               "sentence_cosine", "predicate_coverage", "defines", "alignment")


@dataclass(frozen=True)
class SentenceFeatures:
    """What the ranker and the calibration know about one sentence."""

    coverage: float  # share of the question's rare vocabulary in the sentence
    context_gain: float  # what the sentence before adds to that share
    kind_match: float  # 1 holds the kind of thing asked for, -1 cannot, 0 not asked
    entity_share: float  # share of the question's names and numbers in the sentence or the one before
    passage_cosine: float
    position: float  # the passage's rank among the answer passages, from 0
    defines: float  # 1 if it spells out an acronym of the question
    sentence_cosine: float
    heading: float  # 1 if it reads as a heading or slide title, not a sentence
    passage_coverage: float
    predicate_coverage: float  # share of the question's other rare words (not names) in the sentence and the one before
    missing_entity: float  # 1 if a name or number of the question is nowhere in the passage or its document's title and date
    document_match: float  # share of the question's names and numbers in the document's title and date ("the 2025 meeting")
    # How closely it says what the question asks about, word by word (alignment.py); None where
    # not read (answer_candidates(align=False)): then neither the ranker nor the calibration can read it.
    alignment: float | None
    # 1 when the question asks for a kind of thing (a date, an amount, a place, a name...) and the
    # sentence holds one; for a reason, when a cue gives it ("because", "to ..."); 0 for a clause,
    # the answer to any other question (and the fallback of names and frequencies). Set by
    # grounded_candidates; best_aligned's newest-statement rule reads it. (As a calibration feature,
    # mostly per question, it gave 5-fold CV on the three dev sets 212 -> 217 right of 298 with
    # wrong answers unchanged, but with the fit on three sets the held-out sets got 2 more right
    # answers and 4 more wrong ones: not kept, see bench/calibrate_answers.py.) As a ranking
    # feature it tells the sentence that holds the kind asked for from the clause fallback beside
    # it; with predicate_coverage, it took the fit on five dev sets from 408 to 417 right sentences.
    # A candidate that grounding has not read has 0.
    kind_found: float = 0.0

    def ranking(self) -> tuple[float, ...]:
        return self._read(RANKING)

    def calibration(self) -> tuple[float, ...]:
        return self._read(CALIBRATING)

    def _read(self, names: tuple[str, ...]) -> tuple[float, ...]:
        if self.alignment is None:
            raise ValueError("alignment was not read for this sentence (answers.best_aligned reads it)")
        return tuple(getattr(self, name) for name in names)


@dataclass(frozen=True)
class Candidate:
    """One sentence of an answer passage, with its features."""

    hit: Hit
    start: int  # offsets inside hit.text
    end: int
    features: SentenceFeatures

    @property
    def text(self) -> str:
        return self.hit.text[self.start : self.end]


def calibrated_confidence(features: tuple[float, ...], weights: tuple[float, ...]) -> float:
    z = weights[0] + sum(w * f for w, f in zip(weights[1:], features))
    return 1.0 / (1.0 + math.exp(-z))


def selection_score(features: SentenceFeatures, weights: tuple[float, ...]) -> float:
    return sum(w * f for w, f in zip(weights, features.ranking()))
