"""Whether a question is in English: the answer reader reads English only (its question kinds,
spans and word features), and a search may read other languages with multilingual vectors
(indexer/multilingual.py) where the generation has them.

On 48 development questions translated into Indonesian, Thai and Vietnamese (bench/crosslingual.py),
the answer reader answered 23 of the Thai and Vietnamese ones, 19 of them wrongly, at confidence
0.55-0.90, before questions were checked this way; now none, and no English question of any of
our sets is taken for another language.
"""

from __future__ import annotations

import re
from typing import Callable
from indexer.terms import STOPWORDS

# Above this share of words with a letter outside ASCII, a question is not English: Thai and
# Vietnamese questions (bench/questions-translated.jsonl) have 0.56 or more, a median of 0.8 and
# above; an English question naming "José Ramos-Horta" in "São Paulo", 0.17.
FOREIGN_WORDS = 0.4
# Words as written, hyphenated ones whole ("Sino-Australian" is no "sino").
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# The small words of the region's languages in Latin letters without accents (Indonesian, Malay,
# Tagalog), counted in lower case only, so that names are not taken for them ("Dan Tehan", "Ang
# Lee", "Ng Eng Hen"); their question words also at the start of a question ("Kapan ...?").
REGIONAL_SMALL_WORDS = frozenset("""
    yang dan di ke dari untuk pada dengan dalam oleh ini itu adalah tahun atau juga tidak sudah akan bila
    ang ng mga sa
""".split())
REGIONAL_QUESTION_WORDS = frozenset("""
    apa siapa kapan mana dimana berapa bagaimana mengapa kenapa apakah ano sino kailan saan bakit paano ilan
""".split())


def reads_as_english(question: str) -> bool:
    """Only on evidence of another language is a question not English: mostly words with letters
    outside ASCII (Thai, Vietnamese), or, with none of English's small words, a small word of
    Indonesian, Malay or Tagalog. Keyword queries ("ransomware", "Kuala Lumpur declaration") and
    names are English."""
    words = [w for w in _WORD.findall(question) if any(c.isalpha() for c in w)]
    if words and sum(not w.isascii() for w in words) / len(words) >= FOREIGN_WORDS:
        return False
    if any(w.lower() in STOPWORDS for w in words):
        return True
    regional = [w for w in words if w in REGIONAL_SMALL_WORDS | REGIONAL_QUESTION_WORDS]
    starts = bool(words) and words[0].lower() in REGIONAL_QUESTION_WORDS and words[0][:1].isupper()
    return not (regional or starts)


def mostly_unknown(unknown: Callable[[str], bool], question: str) -> bool:
    """With none of English's small words, mostly words the statements never use (`unknown`):
    whatever its language, nothing for the answer reader to ground an answer in ("berapa jumlah
    pengamat Proses Bali tahun 2013" has no small word it knows). Searched as any query."""
    words = _WORD.findall(question)
    if any(w.lower() in STOPWORDS for w in words):
        return False
    long_words = [w for w in words if w.isalpha() and len(w) > 2]
    return sum(unknown(w) for w in long_words) * 2 > len(long_words)
