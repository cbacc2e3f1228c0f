"""Quote check: is a pasted quotation really in the statements, word for word?

Each sentence of the paste gets one verdict:
- `exact`: its words appear, in order and contiguous, in one document (case, white space,
  punctuation, quote and dash styles ignored; every word, number and "not" must match);
- `near`: a passage says nearly this: the closest stretch of it, with the words that differ;
- `not_found`: nothing close; the closest passages are shown as "not the same text".
Candidates come from the ordinary hybrid search (one per sentence), so a check costs about
what a search does; the word-for-word test runs on the candidates' whole documents, so a
quote that crosses a chunk boundary is still found.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from indexer.chunking import split_sentences

from .errors import InvalidParameter
from .requests import SearchRequest
from .results import Citation, Hit, paragraph_url

MAX_QUOTE_CHARS = 5000
# A sentence whose closest stretch shares at least this share of words is "near".
NEAR_SIMILARITY = 0.75
CANDIDATES = 10  # passages searched per sentence
CLOSEST = 3  # passages shown per sentence
# A quote of at least this many words may leave words out and still be "near", if what it
# keeps is in order within a stretch at most this many times its length.
MIN_ELIDED_WORDS = 5
ELISION_SPAN = 2.5
# Words that, just before a quoted stretch, turn it into its opposite.
NEGATORS = frozenset({"no", "not", "never", "without", "nor", "neither", "cannot"})
DOCUMENT_WORDS_CACHED = 256

# A number is one token with its currency sign, decimal or thousands separators and "%", so
# "£5" is not "$5", "3.5" is not "3, 5" and "45%" is not "45"; anything else is a run of word
# characters.
_WORD = re.compile(r"(?:[$€£¥₹₩₱฿₫]\s?)?\d+(?:[.,]\d+)*(?:\s?%)?(?!\w)|\w+", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_LONE_BREAK = re.compile(r"(?<![\r\n])\r?\n(?![\r\n])")
# Typographic variants that must not make a real quote fail.
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Words:
    """A text's words, normalised for comparison, with their offsets in the text."""

    norm: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Difference:
    quoted: str  # the paste's words ("" when the statement has words the paste dropped)
    statement: str  # the statement's words ("" when the paste added words)


@dataclass(frozen=True)
class QuoteMatch:
    text: str
    citation: Citation
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    start: int
    end: int
    verdict: str  # exact | near | not_found
    similarity: float
    match: QuoteMatch | None
    closest: list[Hit]


@dataclass(frozen=True)
class QuoteCheck:
    took_ms: float
    sentences: list[SentenceCheck]


def words_of(text: str) -> Words:
    """Word spans found in the original text, each word normalised on its own, so offsets
    always point at the original characters (NFKC and casefold can change lengths)."""
    found = [(_normal_word(m.group()), m.span()) for m in _WORD.finditer(text)]
    return Words(tuple(w for w, _ in found), tuple(s for _, s in found))


def _normal_word(word: str) -> str:
    word = unicodedata.normalize("NFKC", word.translate(_FOLD)).casefold().replace("\u0307", "").replace(" ", "")
    return _THOUSANDS.sub("", word) if word[-1:].isdigit() or word.endswith("%") else word


class QuoteChecker:
    """Checks pastes against one generation through its searcher (made once per generation)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._words: OrderedDict[str, Words] = OrderedDict()
        self._lock = threading.Lock()  # requests check in parallel threads

    def check(self, text: str) -> QuoteCheck:
        started = time.perf_counter()
        text = text or ""
        if not text.strip():
            raise InvalidParameter("text", "the text to check is empty")
        # A browser sends a textarea's line breaks as CRLF but counts each as one character
        # against its maxlength: count them the same way here.
        length = len(text) - text.count("\r\n")
        if length > MAX_QUOTE_CHARS:
            raise InvalidParameter("text", f"the text has {length} characters; the limit is {MAX_QUOTE_CHARS}")
        # A pasted quote is often wrapped: a lone line break is a space (same length, so the
        # offsets still point into the paste); a blank line still ends a sentence.
        flat = _LONE_BREAK.sub(lambda m: " " * len(m.group()), text)
        sentences = [self.check_sentence(text[a:b], a, b) for a, b in paste_sentences(flat)]
        return QuoteCheck(round((time.perf_counter() - started) * 1000, 2), sentences)

    def check_sentence(self, sentence: str, start: int, end: int) -> SentenceCheck:
        quoted = words_of(sentence)
        hits = self._candidates(sentence) if quoted.norm else []
        closest = hits[:CLOSEST]
        exact = self._exact(quoted, hits)
        if exact is not None and not exact.differences:
            return SentenceCheck(sentence, start, end, "exact", 1.0, exact, closest)
        if exact is not None:  # the words are there, but the statement negates them
            n = len(quoted.norm)
            return SentenceCheck(sentence, start, end, "near", round(2 * n / (2 * n + 1), 3), exact, closest)
        similarity, near = self._nearest(quoted, sentence, hits)
        if near is not None and similarity >= NEAR_SIMILARITY:
            return SentenceCheck(sentence, start, end, "near", round(similarity, 3), near, closest)
        return SentenceCheck(sentence, start, end, "not_found", round(similarity, 3), None, closest)

    def _candidates(self, sentence: str) -> list[Hit]:
        """The ordinary search's passages, then the keyword search's: a quotation is its words,
        and a plain sentence ("The present study was designed to provide some of this
        information.") can have closer paraphrases than itself in a search by meaning."""
        query = sentence[:1000]
        hits = self.searcher.search(SearchRequest(query=query, k=CANDIDATES)).hits
        seen = {h.chunk_id for h in hits}
        words = self.searcher.search(SearchRequest(query=query, k=CANDIDATES, mode="keyword")).hits
        return hits + [h for h in words if h.chunk_id not in seen]

    def _document_words(self, doc_id: str) -> Words:
        with self._lock:
            found = self._words.get(doc_id)
            if found is not None:
                self._words.move_to_end(doc_id)
                return found
        document = self.searcher.generation.document(doc_id)
        found = words_of(document.text if document else "")
        with self._lock:
            self._words[doc_id] = found
            if len(self._words) > DOCUMENT_WORDS_CACHED:
                self._words.popitem(last=False)
        return found

    def _exact(self, quoted: Words, hits: list[Hit]) -> QuoteMatch | None:
        """The quote's words, contiguous and in order, in one of the candidates' documents.
        Where the statement says "no" or "not" just before them ("no structures are available"
        quoted as "structures are available"), the match carries that word as a difference."""
        if not quoted.norm:
            return None
        negated: QuoteMatch | None = None
        for doc_id in dict.fromkeys(h.citation.doc_id for h in hits):
            words = self._document_words(doc_id)
            for at in _find_runs(words.norm, quoted.norm):
                a, b = words.spans[at][0], words.spans[at + len(quoted.norm) - 1][1]
                hit = next(h for h in hits if h.citation.doc_id == doc_id)
                before = words.norm[at - 1] if at > 0 else ""
                if before in NEGATORS and quoted.norm[0] not in NEGATORS:
                    if negated is None:
                        a = words.spans[at - 1][0]
                        negated = QuoteMatch(self.searcher.generation.text_span(doc_id, a, b),
                                             self._cite(hit.citation, a, b), (Difference("", before),))
                    continue
                return QuoteMatch(self.searcher.generation.text_span(doc_id, a, b), self._cite(hit.citation, a, b))
        return negated

    def _nearest(self, quoted: Words, sentence: str, hits: list[Hit]) -> tuple[float, QuoteMatch | None]:
        """The stretch of a candidate passage closest to the quote, word by word."""
        best: tuple[float, QuoteMatch | None] = (0.0, None)
        for hit in hits:
            passage = words_of(hit.text)
            if not passage.norm or not quoted.norm:
                continue
            matcher = SequenceMatcher(None, quoted.norm, passage.norm, autojunk=False)
            blocks = [b for b in matcher.get_matching_blocks() if b.size]
            if not blocks:
                continue
            # The stretch from the first to the last shared word, widened by the quote's own
            # unmatched head and tail ("founded in 2004" against "founded in 2002").
            lo = max(0, blocks[0].b - blocks[0].a)
            tail = len(quoted.norm) - (blocks[-1].a + blocks[-1].size)
            hi = min(len(passage.norm), blocks[-1].b + blocks[-1].size + tail)
            window = passage.norm[lo:hi]
            window_matcher = SequenceMatcher(None, quoted.norm, window, autojunk=False)
            similarity = _similarity(window_matcher, len(quoted.norm), len(window))
            if similarity <= best[0]:
                continue
            a, b = passage.spans[lo][0], passage.spans[hi - 1][1]
            differences = _differences(window_matcher, quoted, sentence, passage, hit.text, lo)
            start = hit.citation.start + a
            best = (similarity, QuoteMatch(hit.text[a:b], self._cite(hit.citation, start, hit.citation.start + b),
                                           differences))
        return best

    def _cite(self, citation: Citation, start: int, end: int) -> Citation:
        """The citation of where the quote is, not of the passage the search found: the quote
        may sit elsewhere in the document, so its page and link come from its paragraph, and
        the passage's section is kept only when the quote lies inside that passage."""
        inside = citation.start <= start and end <= citation.end
        located = self.searcher.documents.locate(replace(citation, start=start, end=end))
        if located.paragraph is None:
            return located if inside else replace(located, section=None)
        paragraph = next(p for p in self.searcher.documents.paragraphs(located.doc_id) if p.n == located.paragraph)
        return replace(located, page=paragraph.page if paragraph.page is not None else (citation.page if inside else None),
                       section=citation.section if inside else None,
                       url=paragraph_url(located.doc_id, located.paragraph))


def _similarity(matcher: SequenceMatcher, n_quoted: int, n_window: int) -> float:
    """How nearly the statement says the quote: the share of words both share (Dice), or, for
    a quote that leaves words out ("The Bali Process was founded in 2002" of "The Bali Process
    on People Smuggling, ... was founded in 2002"), the share of the quote's words found in
    order, when the stretch is at most ELISION_SPAN times the quote's length."""
    dice = matcher.ratio()
    if n_quoted < MIN_ELIDED_WORDS or n_window > ELISION_SPAN * n_quoted:
        return dice
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return max(dice, matched / n_quoted)


def _find_runs(haystack: tuple[str, ...], needle: tuple[str, ...]):
    """Where `needle` occurs contiguously in `haystack`, each place in turn."""
    n = len(needle)
    first = needle[0]
    i = -1
    while True:
        try:
            i = haystack.index(first, i + 1)
        except ValueError:
            return
        if haystack[i:i + n] == needle:
            yield i


def _differences(matcher: SequenceMatcher, quoted: Words, sentence: str, passage: Words, passage_text: str,
                 offset: int) -> tuple[Difference, ...]:
    """The words that differ, as written on each side."""
    def shown(words: Words, text: str, i: int, j: int) -> str:
        return text[words.spans[i][0]:words.spans[j - 1][1]] if j > i else ""

    found = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            found.append(Difference(shown(quoted, sentence, i1, i2),
                                    shown(passage, passage_text, offset + j1, offset + j2)))
    return tuple(found)


def paste_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of a paste, where a piece the segmenter cut off after an abbreviation
    ("J. Biol." then "to MKP-2-L ...") stays with its sentence: a piece starting in lower case,
    or following a piece of one or two words, continues the one before. Otherwise words joined
    from two places could each pass as a real quote."""
    merged: list[list[int]] = []
    for a, b in split_sentences(text):
        if merged and (text[a:a + 1].islower() or len(text[merged[-1][0]:merged[-1][1]].split()) <= 2):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]
