"""Whether a question is in English: the answer reader reads English only (its question kinds,
spans and word features), and a search may read other languages with multilingual vectors
(indexer/multilingual.py) where the generation has them.

On 48 development questions translated into Indonesian, Thai and Vietnamese (bench/crosslingual.py),
the answer reader answered 23 of the Thai and Vietnamese ones, 19 of them wrongly, at confidence
0.55-0.90, before questions were checked this way; now none (one right Vietnamese answer lost),
and no English question of any of our sets is taken for another language.
"""

from __future__ import annotations

import re
from typing import Callable

from indexer.terms import STOPWORDS

# Above this share of words with a letter outside ASCII, a question is not English: Thai and
# Vietnamese questions (bench/questions-translated.jsonl) have 0.56 or more, a median of 0.8 and
# above; an English question naming "José Ramos-Horta" in "São Paulo", 0.17.
FOREIGN_WORDS = 0.4
_WORD = re.compile(r"\w+")
# The small words of the region's languages in Latin letters without accents (Indonesian, Malay,
# Tagalog): one of them, with none of English's, marks a question as not English even when it
# names what the statements name ("Kapan Proses Bali didirikan?").
REGIONAL_SMALL_WORDS = frozenset("""
    apa siapa kapan mana dimana berapa bagaimana mengapa kenapa yang dan di ke dari untuk pada dengan dalam
    oleh ini itu adalah tahun atau juga tidak sudah akan apakah bila
    ang ng mga sa ano sino kailan saan bakit paano ilan
""".split())


def reads_as_english(unknown: Callable[[str], bool], question: str) -> bool:
    """Not mostly in words with letters outside ASCII (Thai, Vietnamese), and, when it has none of
    English's small words, neither with the small words of Indonesian, Malay or Tagalog nor mostly
    in words the statements never use (`unknown`). A keyword query in the statements' own words
    ("dhaka tribunal convictions") is English."""
    words = [w for w in _WORD.findall(question) if any(c.isalpha() for c in w)]
    if words and sum(not w.isascii() for w in words) / len(words) >= FOREIGN_WORDS:
        return False
    lowered = {w.lower() for w in words}
    if lowered & STOPWORDS:
        return True
    if lowered & REGIONAL_SMALL_WORDS:
        return False
    long_words = [w for w in words if w.isalpha() and len(w) > 2]
    return sum(unknown(w) for w in long_words) * 2 <= len(long_words)
