"""What the answer picker may know about a question and the passages a search returned, from
one object: word weights, the query's vector and acronyms, each passage's and each sentence's
similarity to the question. The picker reads only this, never the searcher's insides."""

from __future__ import annotations

import re

import numpy as np

from indexer.generation import Generation
from indexer.pooling import unit_rows

from .alignment import sentence_alignments
from .encoder import QueryEncoder
from .keywords import WordStats
from .query import QueryPreparer
from .results import Hit, parse_chunk_key


_PLAIN_WORD = re.compile(r"[A-Za-z]+")


class AnswerEvidence:
    """Evidence over one generation. Thread-safe, as its parts are."""

    def __init__(self, generation: Generation, encoder: QueryEncoder, preparer: QueryPreparer, stats: WordStats):
        self.generation = generation
        self.encoder = encoder
        self.preparer = preparer
        self.stats = stats

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a word over the generation's chunks."""
        return self.stats.term_weight(term)

    def unknown(self, word: str) -> bool:
        """Whether no chunk of the generation holds the word, nor a word it may be a form of
        ("Indonesian" of "Indonesia", "Thai" of "Thailand": one sharing all but its last three
        letters, at least four). Initials of two letters ("KL") are never unknown: too many
        things they may stand for."""
        if len(word) <= 2 or not _PLAIN_WORD.fullmatch(word) or self.stats.document_frequency(word) > 0:
            return False
        if self.stats.has_prefix(word.lower()[: max(4, len(word) - 3)]):
            return False
        # "Digital Recruitment Wacth": a word of five letters or more typed with two letters swapped
        # is the word the statements hold, not a thing they never speak about. (Not a letter dropped,
        # added or changed: through the stemmer, "Chiang" is then "chang", a form of "change".)
        return len(word) < 5 or not any(self.stats.document_frequency(w) > 0 for w in swapped_letters(word.lower()))

    def alignments(self, question: str, hit: Hit, sentences: list[tuple[int, int]]) -> list[float]:
        """How closely each sentence (`start`:`end` in hit.text), with its statement's title,
        says what the question asks about, word by word (alignment.py)."""
        return sentence_alignments(question, self.encoder.words(question), self.encoder.words(hit.citation.title),
                                   self.encoder.words(hit.text), sentences)

    def expansions(self, question: str) -> tuple[str, ...]:
        """Long forms the statements give for the question's acronyms."""
        return self.preparer.prepare(question).expansions

    def query_vector(self, question: str) -> np.ndarray:
        """The question's vector as dense search embeds it (acronyms spelled out); cached."""
        return self.encoder.query(self.preparer.prepare(question).dense_text)

    def passage_cosine(self, question: str, hit: Hit) -> float:
        """The question's similarity to a hit's chunk: dense search's own score, else (a hit
        only the keyword side found) from the stored vector."""
        if hit.dense_score is not None:
            return hit.dense_score
        key = parse_chunk_key(hit.chunk_id)
        if key is None:
            return 0.0
        vectors = self.generation.chunk_vectors(*key)
        return float((vectors @ self.query_vector(question)).max()) if len(vectors) else 0.0

    def sentence_vectors(self, hit: Hit, spans: list[tuple[int, int]]) -> list[np.ndarray]:
        """Each sentence's vector (`spans`: offsets inside hit.text): as the indexer stored it,
        pooled in its passage's context, else embedded now (an index from before those). A
        sentence past the encoder's cut (stored as zeros: the encoder never read it) stands in
        with its passage's vector rather than costing an encoder pass per question (one in
        forty of SciFact's sentences; none in our statements)."""
        key = parse_chunk_key(hit.chunk_id)
        stored = self.generation.sentence_vectors(*key) if key else {}
        base = hit.citation.start
        vectors = [stored.get((base + a, base + b)) for a, b in spans]
        cut = [i for i, v in enumerate(vectors) if v is not None and not v.any()]
        if cut:
            passage = unit_rows(self.generation.chunk_vectors(*key).mean(axis=0, keepdims=True))[0]
            for i in cut:
                vectors[i] = passage
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing:
            texts = [hit.text[spans[i][0] : spans[i][1]] for i in missing]
            for i, vector in zip(missing, self.encoder.sentences(texts, self.generation.dimension)):
                vectors[i] = vector
        return vectors


def swapped_letters(word: str) -> set[str]:
    """The words two neighbouring letters of `word` swapped make ("wacth": "watch", "awcth"...)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)} - {word}
