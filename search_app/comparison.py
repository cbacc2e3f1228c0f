"""Two statements compared paragraph by paragraph: which of b's paragraphs say the same as one
of a's, which reword one (with a word-level diff), and which stand alone in a or b; and from
that, what b reaffirms, adds and drops.

Paragraphs are aligned by meaning and words together: a paragraph's meaning is the mean of its
sentences' stored vectors (no encoding at request time), its words a set of lower-cased
tokens. The pairing maximises the summed similarity (the Hungarian method, scipy), so a
paragraph moved elsewhere in b still finds its counterpart. Weights and the cut-off were
chosen on pairs built by editing development statements (bench/compare.py).
"""

from __future__ import annotations

import difflib
import re
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix

from .errors import InvalidParameter, UnknownDocument
from .results import paragraph_url

SAME, REWORDED, ONLY_A, ONLY_B = "same", "reworded", "only in a", "only in b"
# Similarity = this share of the cosine of meaning, the rest word overlap (Jaccard).
MEANING_WEIGHT = 0.5
# Paragraphs less alike than this are not counterparts (dev pairs: weight 0.5 is right from 0.5
# to 0.6; the middle of that range; bench/compare.py --tune).
MIN_SIMILARITY = 0.55
# A summary item shows this much of its paragraph.
SUMMARY_CHARS = 220
# Bounds on the work of one comparison: paragraphs per statement (the pairing is P x Q), and
# words per paragraph that get a word-level diff (difflib is near-quadratic); a longer
# reworded paragraph is shown as removed and added whole.
MAX_PARAGRAPHS = 1500
MAX_DIFF_WORDS = 3000
_WORD = re.compile(r"\w+")
# Diff tokens: words (with inner hyphens and apostrophes) and single punctuation marks.
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(",.;:!?)”’%")
# A statement's own paragraph number ("12.", "(a)") is not part of what it says.
_NUMBERING = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|\([a-z]\)|[a-z][.)])\s+")


@dataclass(frozen=True)
class ParagraphRef:
    n: int
    text: str
    url: str


@dataclass(frozen=True)
class Aligned:
    label: str
    a: ParagraphRef | None
    b: ParagraphRef | None
    similarity: float | None = None
    diff: list[tuple[str, str]] | None = None


@dataclass(frozen=True)
class CompareSide:
    doc_id: str
    title: str
    date: str | None
    kind: str
    url: str
    paragraphs: int


@dataclass(frozen=True)
class CompareSummary:
    reaffirmed: list[ParagraphRef] = field(default_factory=list)
    added: list[ParagraphRef] = field(default_factory=list)
    dropped: list[ParagraphRef] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    a: CompareSide
    b: CompareSide
    took_ms: float
    paragraphs: list[Aligned]
    summary: CompareSummary


@dataclass(frozen=True)
class _Side:
    info: CompareSide
    refs: list[ParagraphRef]
    vectors: np.ndarray  # one row per paragraph, unit length (zero when it has no sentence vectors)
    words: list[frozenset[str]]


def compare_documents(searcher, a: str, b: str, meaning_weight: float = MEANING_WEIGHT,
                      min_similarity: float = MIN_SIMILARITY) -> Comparison:
    """Statement `a` against statement `b` (document ids)."""
    started = time.perf_counter()
    if not a:
        raise InvalidParameter("a", "a is required: the id of the first statement")
    if not b:
        raise InvalidParameter("b", "b is required: the id of the second statement")
    if a == b:
        raise InvalidParameter("b", "b must be a different statement from a")
    side_a, side_b = _side(searcher, a, "a"), _side(searcher, b, "b")
    similarity = _similarity(side_a, side_b, meaning_weight)
    pairs = _pairs(similarity, min_similarity)
    aligned = _aligned(side_a, side_b, pairs, similarity)
    summary = CompareSummary(
        reaffirmed=[_short(x.b) for x in aligned if x.label in (SAME, REWORDED)],
        added=[_short(x.b) for x in aligned if x.label == ONLY_B],
        dropped=[_short(x.a) for x in aligned if x.label == ONLY_A],
    )
    took = round((time.perf_counter() - started) * 1000, 2)
    return Comparison(side_a.info, side_b.info, took, aligned, summary)


def _side(searcher, doc_id: str, parameter: str) -> _Side:
    info = searcher.documents.info(doc_id)
    if info is None:
        raise UnknownDocument(doc_id, parameter)
    generation = searcher.generation
    document = generation.document(doc_id)
    sentences = generation.sentence_vectors(doc_id, 0, max(0, info.chunks - 1))
    refs, vectors, words = [], [], []
    for p in searcher.documents.paragraphs(doc_id):
        text = document.text[p.start : p.end].strip()
        if not _WORD.search(text):
            continue
        refs.append(ParagraphRef(p.n, text, paragraph_url(doc_id, p.n)))
        inside = [v for (s, _), v in sentences.items() if p.start <= s < p.end]
        vector = np.mean(inside, axis=0) if inside else np.zeros(generation.dimension, np.float32)
        norm = float(np.linalg.norm(vector))
        vectors.append(vector / norm if norm else vector)
        words.append(frozenset(_words(text)))
    if len(refs) > MAX_PARAGRAPHS:
        raise InvalidParameter(parameter, f"{doc_id!r} has {len(refs)} paragraphs; statements of up to "
                                          f"{MAX_PARAGRAPHS} can be compared")
    side = CompareSide(doc_id, info.title, info.date, info.kind, paragraph_url(doc_id), len(refs))
    matrix = np.array(vectors, np.float32).reshape(len(refs), generation.dimension)
    return _Side(side, refs, matrix, words)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", _NUMBERING.sub("", text)).lower()
    return _WORD.findall(text)


def _similarity(a: _Side, b: _Side, meaning_weight: float) -> np.ndarray:
    meaning = np.clip(a.vectors @ b.vectors.T, 0.0, 1.0)
    overlap = np.zeros_like(meaning)
    if a.words and b.words:
        # Jaccard of word sets for every pair at once: a sparse 0/1 matrix per side.
        vocabulary = {w: i for i, w in enumerate(set().union(*a.words, *b.words))}
        ma, mb = _incidence(a.words, vocabulary), _incidence(b.words, vocabulary)
        shared = (ma @ mb.T).toarray()
        sizes_a, sizes_b = np.asarray(ma.sum(1)).ravel(), np.asarray(mb.sum(1)).ravel()
        union = sizes_a[:, None] + sizes_b[None, :] - shared
        overlap = np.divide(shared, union, out=np.zeros_like(meaning, dtype=np.float64), where=union > 0)
    return meaning_weight * meaning + (1.0 - meaning_weight) * overlap


def _incidence(word_sets: list[frozenset[str]], vocabulary: dict[str, int]):
    rows = [i for i, ws in enumerate(word_sets) for _ in ws]
    cols = [vocabulary[w] for ws in word_sets for w in ws]
    return csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(word_sets), len(vocabulary)))


def _pairs(similarity: np.ndarray, min_similarity: float) -> dict[int, int]:
    """a's paragraph -> b's, the pairing of greatest total similarity, alike enough."""
    if similarity.size == 0:
        return {}
    rows, cols = linear_sum_assignment(-similarity)
    return {int(i): int(j) for i, j in zip(rows, cols) if similarity[i, j] >= min_similarity}


def _aligned(a: _Side, b: _Side, pairs: dict[int, int], similarity: np.ndarray) -> list[Aligned]:
    """In b's order; each of a's unpaired paragraphs after the row of the nearest paragraph
    before it in a that has a counterpart (at the start when none has)."""
    by_b = {j: i for i, j in pairs.items()}
    dropped: dict[int, list[int]] = {}  # b row it follows (-1: the start) -> a's paragraphs
    anchor = -1
    for i in range(len(a.refs)):
        if i in pairs:
            anchor = pairs[i]
        else:
            dropped.setdefault(anchor, []).append(i)
    out = [Aligned(ONLY_A, a.refs[i], None) for i in dropped.get(-1, ())]
    for j, ref_b in enumerate(b.refs):
        i = by_b.get(j)
        if i is None:
            out.append(Aligned(ONLY_B, None, ref_b))
        else:
            ref_a = a.refs[i]
            same = _words(ref_a.text) == _words(ref_b.text)
            out.append(Aligned(SAME if same else REWORDED, ref_a, ref_b, round(float(similarity[i, j]), 4),
                               None if same else word_diff(ref_a.text, ref_b.text)))
        out.extend(Aligned(ONLY_A, a.refs[k], None) for k in dropped.get(j, ()))
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[("=", "same words"), ("-", "only in old"), ("+", "only in new")], word by word; a
    punctuation mark is a token of its own, so "region." against "region this year." loses
    "this year", not "region."."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) > MAX_DIFF_WORDS or len(b) > MAX_DIFF_WORDS:
        return [("-", old), ("+", new)]
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("=", _joined(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append(("-", _joined(a[i1:i2])))
        if j2 > j1:
            ops.append(("+", _joined(b[j1:j2])))
    return ops


def _joined(tokens: list[str]) -> str:
    text = ""
    for t in tokens:
        text += t if not text or t in _NO_SPACE_BEFORE or text[-1] in "(“‘\"'" else " " + t
    return text


def _short(ref: ParagraphRef) -> ParagraphRef:
    text = ref.text if len(ref.text) <= SUMMARY_CHARS else ref.text[: SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    return ParagraphRef(ref.n, text, ref.url)
