"""What a word is, in one place: for the BM25 impact index (indexer/bm25.py), a keyword query,
the answer picker's word overlap, highlighting and acronyms.

    query_words(query)  a query's content words in order, lower case, hyphenated compounds whole
    light_stem(word)    a light suffix fold ("convictions" -> "convict"), what the answer picker's
                        fitted weights were fitted with (search_app/answer_model.json)
    extract_terms(text) index terms: stems without stopwords, plus each hyphenated compound

Index terms mirror the FTS5 tokenizer the keyword search used before ('porter unicode61
remove_diacritics 2'): lower case, runs of letters and digits, diacritics removed, English
stemming (Snowball "english", the successor of FTS5's Porter). Stopwords are left out, and a
hyphenated term ("TEG-RR") is kept whole as well as in its parts, so that a query for it
prefers the passage that names it over passages holding "teg" and "rr" apart (FTS5 matched
it as a phrase; an impact index has no positions).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import Stemmer

# Bump when extract_terms() changes what it returns: saved impact indexes are then stale.
TERMS_VERSION = 1
# Common words that blur BM25 and would each fill a posting list as long as the index.
STOPWORDS = frozenset(
    """a an and are as at be been by did do does for from had has have how i in into is it its
    of on or over so than that the their them then there these they this those to under up
    was we were what when where which while who whom why will with would you your about""".split()
)
# Stems remembered across calls: a corpus repeats its words, and stemming is most of the cost.
STEM_CACHE_SIZE = 500_000

# Word characters as the answer picker has always split on them.
_ANY_WORD = re.compile(r"\w+")
# Runs of letters and digits (not "_", which unicode61 also splits on); the same joined by
# hyphens of any kind.
_WORD = re.compile(r"[^\W_]+")
# Possessive: a word not followed by a hyphen fails at once instead of backtracking through it.
_COMPOUND = re.compile(r"[^\W_]++(?:[-‐‑][^\W_]++)+")
# Combining marks (what NFKD splits diacritics into): the blocks Unicode assigns them.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HYPHEN = re.compile(r"[-‐‑]")
# "Bangladesh's" is about Bangladesh.
_POSSESSIVE = re.compile(r"['’]s\b")


class _Stems:
    """Word -> stem with a shared memo. PyStemmer objects are not thread-safe: one per thread."""

    def __init__(self):
        self.memo: dict[str, str] = {}
        self._local = threading.local()

    def stem(self, word: str) -> str:
        stem = self.memo.get(word)
        if stem is None:
            stemmer = getattr(self._local, "stemmer", None)
            if stemmer is None:
                stemmer = self._local.stemmer = Stemmer.Stemmer("english")
            stem = stemmer.stemWord(word)
            if len(self.memo) >= STEM_CACHE_SIZE:
                self.memo.clear()
            self.memo[word] = stem
        return stem


_STEMS = _Stems()


# A query's words as typed, hyphenated or with an apostrophe inside ("TEG-RR", "Côte d'Ivoire").
_QUERY_WORD = re.compile(r"[^\W_]+(?:[-'’‐‑][^\W_]+)*")


def fold_text(text: str) -> str:
    """Lower case without diacritics ("Timor-Leste" -> "timor-leste", "café" -> "cafe")."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def extract_terms(text: str) -> list[str]:
    """Index terms of a text, repeats kept (they are term frequencies; the order means
    nothing to BM25): stems of the words that are not stopwords, then each hyphenated word
    whole, as its parts' stems joined by "-"."""
    memo, stem = _STEMS.memo, _STEMS.stem
    folded = _POSSESSIVE.sub("", fold_text(text))
    out = [memo.get(w) or stem(w) for w in _WORD.findall(folded) if w not in STOPWORDS]
    if _HYPHEN.search(folded):
        # Compounds hold no white space: searching only the pieces with a hyphen in them is
        # a quarter of the cost of searching the whole text.
        for piece in folded.split():
            if _HYPHEN.search(piece):
                for compound in _COMPOUND.findall(piece):
                    out.append("-".join(memo.get(p) or stem(p) for p in _WORD.findall(compound)))
    return out


def query_words(query: str) -> list[str]:
    """A query's content words in lower case (diacritics kept: highlighting finds them as
    typed), in order, without duplicates; a hyphenated word stays whole ("teg-rr"). A query of
    stopwords only keeps them."""
    found = [_POSSESSIVE.sub("", w) for w in _QUERY_WORD.findall(query.lower())]
    content = [w for w in found if w not in STOPWORDS]
    return list(dict.fromkeys(content or found))


# The answer picker's word overlap folds suffixes lightly rather than by Snowball: its weights in
# search_app/answer_model.json were fitted with this, and refitting them with Snowball stems
# changed the held-out figures (bench/calibrate_answers.py; noted in issue 11's close).
_LIGHT_SUFFIXES = ("ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "s")


# Past forms that no suffix fold reaches: "Where did they hold it?" is answered by "held". (Not
# "found", "given", "won", "spoke": words of their own too.)
_IRREGULAR = {form: base for base, forms in (
    ("hold", "held"), ("take", "took taken"), ("meet", "met"), ("give", "gave"), ("make", "made"),
    ("lead", "led"), ("begin", "began begun"), ("run", "ran"), ("choose", "chose chosen"), ("write", "wrote written"),
    ("become", "became"), ("come", "came"), ("go", "went gone"), ("leave", "left"), ("pay", "paid"), ("send", "sent"),
    ("speak", "spoken"), ("tell", "told"), ("say", "said"), ("build", "built"), ("bring", "brought"),
    ("keep", "kept"), ("rise", "rose risen"), ("fall", "fell fallen"), ("grow", "grew grown"), ("know", "knew known"),
    ("see", "saw seen"), ("sell", "sold"), ("spend", "spent"), ("draw", "drew drawn"),
    ("seek", "sought"), ("teach", "taught"), ("think", "thought"), ("stand", "stood"), ("understand", "understood"),
    ("undertake", "undertook undertaken"), ("oversee", "oversaw overseen"), ("withdraw", "withdrew withdrawn"),
    ("break", "broke broken"), ("drive", "drove driven"), ("lose", "lost"), ("hear", "heard"), ("deal", "dealt"),
    ("lend", "lent"), ("forbid", "forbade forbidden"), ("arise", "arose arisen"), ("bear", "bore borne"),
) for form in forms.split()}


@functools.lru_cache(maxsize=65536)  # the hot spot of answer picking: the same words come back all the time
def light_stem(word: str) -> str:
    """Enough folding for "convictions"/"conviction", "trafficked"/"trafficking", "held"/"hold"."""
    word = word.lower()
    word = _IRREGULAR.get(word, word)
    for suffix in _LIGHT_SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word


def light_stems(text: str) -> set[str]:
    """light_stem of every word of a text (letters, digits and underscores, as the picker reads them)."""
    return {light_stem(w) for w in _ANY_WORD.findall(text)}


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two words are one letter added, dropped or changed apart (a typing slip)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return a[i + (len(a) == len(b)):] == b[i + 1:]
