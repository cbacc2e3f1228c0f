"""How closely a sentence says what a question asks about, word by word: each of the
question's own words (its predicate: "funded", "published", "left"; not its names and numbers,
which the answer picker checks by spelling) against the sentence's words, by the model's own
vocabulary vectors (indexer/word_vectors.py), so "funded" meets "funding" and "financed". A
sentence that only shares a question's topic ("Which organisation funded the workshop?" against
"The RSO convened the workshop") leaves one of them far from everything it says. Every
candidate sentence gets the mean; the sentence ranker and the calibration both read it.

Measured on our development questions, among those the product answered before it (141 right
sentences, 25 wrong ones, 9 near-miss questions): the mean tells right answers from near-miss
ones with an AUC of 0.70 (the calibrated confidence: 0.57), and from wrong sentences with 0.76
(0.68). The encoder's contextual states did barely better (0.71 and 0.78) for 10-20 ms more a
question. bench/calibrate_answers.py fits its weights with the others: in the calibration
alone it raised 5-fold cross-validated answer accuracy on the dev sets from 0.710 to 0.742, in
the ranker as well to 0.763 (right sentences picked 146 -> 150), with unanswerable questions
declined unchanged (54 of 64). It costs a pass over a passage's words (1-3 ms for a SciFact
abstract, nothing for a passage seen before), so answers.best_aligned reads it only for the
passages whose sentences could still win.
"""

from __future__ import annotations

import re

import numpy as np

from indexer.terms import STOPWORDS

from .closeness import QUESTION_WORDS

# Lower-case words only: names and numbers are the entity checks' business.
_PREDICATE = re.compile(r"[a-z][a-z'’-]+")
# Words that ask rather than say ("how many", "what year") or name a source ("according to the
# March article"): no answer repeats them.
_ASKING = QUESTION_WORDS | {"many", "much", "year", "years", "date", "day", "kind", "type", "name", "called",
                            "article", "summary", "slides", "slide", "presentation", "piece", "statement"}


def predicate_words(question: str, spans: list[tuple[int, int]]) -> list[int]:
    """Which of the question's words (by index into `spans`) are its own content words."""
    out = []
    for i, (a, b) in enumerate(spans):
        word = question[a:b]
        if _PREDICATE.fullmatch(word) and len(word) > 2 and word not in STOPWORDS and word not in _ASKING:
            out.append(i)
    return out


Words = tuple[list[tuple[int, int]], np.ndarray]  # (character spans, one unit row per word)
NO_WORDS: Words = ([], np.zeros((0, 0), np.float32))


def sentence_alignments(question: str, question_words: Words, title_words: Words, passage_words: Words,
                        sentences: list[tuple[int, int]]) -> list[float]:
    """For each sentence (a character range of the passage), the mean over the question's
    content words of each one's best cosine to a word of the sentence or the title; 1.0 when
    the question has none to check. One product of the question's words with the passage's
    serves every sentence."""
    spans, vectors = question_words
    picks = [i for i in predicate_words(question, spans) if vectors[i].any()]
    if not picks:
        return [1.0] * len(sentences)
    asked = vectors[picks]
    title = (asked @ title_words[1].T).max(axis=1) if len(title_words[1]) else np.full(len(picks), -1.0)
    starts = np.array([a for a, _ in passage_words[0]], dtype=np.int64)  # ascending
    products = asked @ passage_words[1].T if len(starts) else np.zeros((len(picks), 0), np.float32)
    out = []
    for a, b in sentences:
        lo, hi = np.searchsorted(starts, a), np.searchsorted(starts, b)
        best = np.maximum(title, products[:, lo:hi].max(axis=1)) if hi > lo else title
        out.append(float(best.mean()) if (best > -1.0).any() else 1.0)
    return out


def alignment(question: str, question_words: Words, context_words: Words) -> float:
    """sentence_alignments() of one whole text."""
    return sentence_alignments(question, question_words, NO_WORDS, context_words, [(0, 1 << 62)])[0]
