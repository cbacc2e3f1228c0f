"""The word-by-word alignment of a question with a sentence (search_app/alignment.py): which
words of the question are checked, and the mean of their best matches."""

from __future__ import annotations

import numpy as np

from search_app.alignment import alignment, predicate_words
from search_app.encoder import QueryEncoder


def words_of(text: str, vectors: dict[str, list[float]]):
    """(spans, rows) as QueryEncoder.words gives them, with hand-set word vectors."""
    import re

    spans = [m.span() for m in re.finditer(r"\w[\w'’-]*", text)]
    rows = np.array([vectors.get(text[a:b], [0.0, 0.0, 0.0]) for a, b in spans], dtype=np.float32)
    return spans, rows


def test_only_the_questions_own_lower_case_content_words_are_checked():
    question = "Which organisation funded the 2022 Kuala Lumpur workshop, according to the article?"
    spans = words_of(question, {})[0]
    assert [question[a:b] for i, (a, b) in enumerate(spans) if i in predicate_words(question, spans)] == \
        ["organisation", "funded", "workshop"]


def test_the_mean_of_each_words_best_match():
    question = "Which body funded the workshop?"
    q = words_of(question, {"body": [1, 0, 0], "funded": [0, 1, 0], "workshop": [0, 0, 1]})
    paraphrase = words_of("UNODC financed the workshop", {"UNODC": [1, 0, 0], "financed": [0, 1, 0], "workshop": [0, 0, 1]})
    topic_only = words_of("The RSO convened the workshop", {"RSO": [1, 0, 0], "convened": [0, 0.6, 0.8], "workshop": [0, 0, 1]})
    assert alignment(question, q, paraphrase) == 1.0
    assert abs(alignment(question, q, topic_only) - (1 + 0.6 + 1) / 3) < 1e-6
    # Nothing to check, or nothing read: no evidence against the sentence.
    assert alignment("Who?", words_of("Who?", {}), paraphrase) == 1.0
    assert alignment(question, q, ([], np.zeros((0, 3), np.float32))) == 1.0


def test_words_are_read_in_one_pass_and_remembered(fake_embedder):
    encoder = QueryEncoder(fake_embedder)
    spans, rows = encoder.words("The RSO convened the workshop.")
    assert [len(spans), rows.shape[1]] == [5, fake_embedder.dimension]
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    calls = list(fake_embedder.calls)
    assert encoder.words("The RSO convened the workshop.")[1] is rows
    assert fake_embedder.calls == calls
