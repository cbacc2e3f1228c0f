"""Text cleaning that keeps citations exact.

The text built here is the text the app shows and cites, so it is built once, and every offset
(sections, page starts) is recorded against that final text. Cleaning never alters a word: it
removes repeated page banners, joins lines that were wrapped inside a sentence, and tidies
whitespace.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from indexer.models import Section

# A sentence ends here; ':' and ';' end a line's thought too, so lines ending with them are
# kept apart (they usually introduce or separate list items).
SENTENCE_END = ".!?…"
CLAUSE_END = ":;"
# Closing quotes/brackets may follow the terminal punctuation: 'head-on.”'
CLOSERS = "\"'”’)]»"
# A line ending with one of these words was wrapped mid-phrase.
CONNECTOR_WORDS = frozenset(
    "and or nor of the in to for with by on at from a an including as into than via "
    "between under its their our &".split()
)
# A line at least this long, ending in a Capitalised word before a Capitalised line, is a
# wrapped proper noun ("the Bali\nProcess"); shorter lines are usually headings or labels.
WRAP_MIN_CHARS = 45
# A page that ends in a line this long without terminal punctuation ends mid-sentence.
MEND_MIN_CHARS = 40
# Running banners: how many lines at a page's top/bottom to inspect, and how long they may be.
BANNER_ZONE_TEXT = 4
BANNER_ZONE_PDF = 2
BANNER_MAX_CHARS = 120
# Heading-like lines in plain text (txt, pdf): short, no terminal punctuation.
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12

PARAGRAPH_BREAK = "\n\n"
LINE_BREAK = "\n"

_BULLET_RE = re.compile(
    r"^\s*(?:[•●▪◦‣∙·○■□➢►✓–—*+-]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+|[IVX]{1,6}[.)]\s+)"
)
_SYMBOL_BULLET_RE = re.compile(r"^\s*[•●▪◦‣∙·○■□➢►✓–—*+-]\s+")
_BARE_MARKER_RE = re.compile(r"^\s*(?:[•●▪◦‣∙·○■□➢►✓–—*+-]|\d{1,3}[.)])\s*$")
_WORD_HYPHEN_RE = re.compile(r"\w-$")
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)\b")
# Page breaks in plain text: a form feed, or two or more blank lines in a row.
_PAGE_BREAK_RE = re.compile(r"(\n*\f[\n\f]*|\n{3,})")
_BLANK_RUN_RE = re.compile(r"\n{3,}")
# No-break and figure spaces display as spaces; Unicode line separators as newlines.
_SPACE_LIKE = (("\u00a0", " "), ("\u202f", " "), ("\u2007", " "), ("\u2028", "\n"), ("\u2029", "\n"))


@dataclass(frozen=True)
class AssembledText:
    """Final document text with offsets that point into it."""

    text: str
    sections: tuple[Section, ...] = ()
    page_starts: tuple[int, ...] = ()


# --- line predicates -------------------------------------------------------------------------


def is_bullet(line: str) -> bool:
    """True for a line that starts a list item: '•', '–', '-', '1.', '(a)', 'II.'."""
    return bool(_BULLET_RE.match(line))


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END + CLAUSE_END


def looks_like_heading(line: str) -> bool:
    """A short line, starting with a capital letter, without terminal punctuation."""
    s = line.strip()
    if not (2 <= len(s) <= HEADING_MAX_CHARS) or len(s.split()) > HEADING_MAX_WORDS:
        return False
    return s[0].isupper() and not is_bullet(s) and not ends_sentence(s) and s[-1] != ","


def _is_capitalised(word: str) -> bool:
    word = word.lstrip("(\"'“‘")
    return bool(word) and word[0].isupper()


def _is_title_case_label(line: str) -> bool:
    """'Thank You': a few Capitalised words standing alone, not the tail of a sentence."""
    words = line.split()
    return len(words) <= 4 and len(line.strip()) < 30 and all(_is_capitalised(w) for w in words)


# --- whitespace ------------------------------------------------------------------------------


def normalise_lines(text: str) -> str:
    """Unify newlines, turn no-break spaces into spaces, strip trailing spaces. Keeps blank runs
    and form feeds, which mark page breaks."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for odd, plain in _SPACE_LIKE:
        if odd in text:
            text = text.replace(odd, plain)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return text


def tidy_block(text: str) -> str:
    """Whitespace of one finished block: no form feeds, at most one blank line, no edges."""
    text = normalise_lines(text).replace("\f", "\n\n")
    if "\n\n\n" in text:
        text = _BLANK_RUN_RE.sub("\n\n", text)
    text = text.strip("\n")
    return text if text.strip() else ""


# --- hard wraps ------------------------------------------------------------------------------


def _should_join(prev: str, joined: str, nxt: str) -> bool:
    """Is `nxt` the continuation of the sentence on the physical line `prev`?

    `joined` is everything already joined into prev's logical line (for bracket balance)."""
    if is_bullet(nxt) or _BARE_MARKER_RE.match(nxt):
        return False
    if _BARE_MARKER_RE.match(prev):
        return True
    if joined.count("(") > joined.count(")"):
        return True
    prev = prev.rstrip()
    nxt = nxt.strip()
    core = prev.rstrip(CLOSERS)
    if not core or core[-1] in CLAUSE_END:
        return False
    if nxt[0].islower() or nxt[0] == "(":
        return True
    if core[-1] in SENTENCE_END:
        return False
    last_word = prev.split()[-1]
    if last_word.lower() in CONNECTOR_WORDS or prev[-1] in ",-–—":
        return True
    first_word = nxt.split()[0]
    if len(prev) < WRAP_MIN_CHARS or not (_is_capitalised(first_word) or _ORDINAL_RE.match(first_word)):
        return False
    if _is_capitalised(last_word):  # a wrapped proper noun: "the Bali\nProcess"
        return not _is_title_case_label(nxt)
    # A bulleted sentence carried on to a line that ends it: "protect and assist\nVictims of
    # Trafficking (VoT);". Outside bullets this shape is too often a heading and its paragraph.
    return bool(_SYMBOL_BULLET_RE.match(joined)) and last_word.isalpha() and last_word.islower() and ends_sentence(nxt)


def join_hard_wraps(text: str) -> str:
    """Join lines that were broken inside a sentence; keep bullets, headings and blank lines."""
    out: list[str] = []
    prev: str | None = None  # the last physical line, None after a blank line
    for line in text.split("\n"):
        if prev is not None and line.strip() and _should_join(prev, out[-1], line):
            glue = "" if _WORD_HYPHEN_RE.search(prev) and line.lstrip()[:1].isalpha() else " "
            out[-1] = out[-1].rstrip() + glue + line.strip()
        else:
            out.append(line)
        prev = line if line.strip() else None
    return "\n".join(out)


# --- running banners and page joins ----------------------------------------------------------


def _banner_key(line: str) -> str:
    # Digits normalised so that "Page 3 of 9" repeats as "page # of #".
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def _zone(lines: list[str], size: int, from_top: bool) -> list[str]:
    ordered = lines if from_top else lines[::-1]
    return [ln for ln in ordered if ln.strip()][:size]


def find_running_lines(pages: list[list[str]], zone: int, from_top: bool) -> set[str]:
    """Keys of short lines that recur in the top (or bottom) zone of at least half the pages."""
    counts: Counter[str] = Counter()
    for lines in pages:
        keys = set()
        for line in _zone(lines, zone, from_top):
            if len(line.strip()) > BANNER_MAX_CHARS:
                break  # a banner is a block of short lines; body text ends it
            keys.add(_banner_key(line))
        counts.update(keys)
    used = sum(1 for lines in pages if any(ln.strip() for ln in lines))
    needed = max(2, math.ceil(used / 2))
    return {key for key, n in counts.items() if n >= needed}


def _strip_zone(lines: list[str], running: set[str], zone: int, from_top: bool) -> list[str]:
    ordered = lines if from_top else lines[::-1]
    seen = cut = 0
    for i, line in enumerate(ordered):
        if not line.strip():
            continue
        if seen == zone or _banner_key(line) not in running:
            break
        seen += 1
        cut = i + 1
    while cut < len(ordered) and not ordered[cut].strip():
        cut += 1  # the blank lines that separated the banner from the text go with it
    kept = ordered[cut:] if cut else ordered
    return kept if from_top else kept[::-1]


def _is_letterhead(lines: list[str], running: set[str], zone: int) -> bool:
    # A running header with a page number ("Report - page 1") is no letterhead.
    banner = [ln for ln in _zone(lines, zone, True) if _banner_key(ln) in running]
    return bool(banner) and not any(ch.isdigit() for ln in banner for ch in ln)


def remove_running_banners(pages: list[list[str]], zone: int) -> tuple[list[list[str]], list[bool]]:
    """Drop running headers and footers from pages of lines.

    The first page keeps its top banner when it carries no page number: that is the letterhead.
    Returns the pages and, for each page break, whether a banner was removed around it."""
    tops = find_running_lines(pages, zone, from_top=True)
    bottoms = find_running_lines(pages, zone, from_top=False)
    out: list[list[str]] = []
    changed: list[bool] = []
    for i, lines in enumerate(pages):
        new = lines
        if tops and not (i == 0 and _is_letterhead(lines, tops, zone)):
            new = _strip_zone(new, tops, zone, from_top=True)
        if bottoms:
            new = _strip_zone(new, bottoms, zone, from_top=False)
        out.append(new)
        changed.append(new != lines)
    breaks = [changed[i] or changed[i + 1] for i in range(len(pages) - 1)]
    return out, breaks


def _last_line(text: str) -> str:
    lines = [ln for ln in text.rstrip().split("\n") if ln.strip()]
    return lines[-1].strip() if lines else ""


def can_mend(before: str, after: str) -> bool:
    """Does `before` end mid-sentence, with `after` carrying on the same sentence?"""
    last = _last_line(before)
    first = after.lstrip().split("\n", 1)[0].strip()
    if not last or not first or ends_sentence(last) or last.startswith(("#", "|")):
        return False
    if is_bullet(first) or first.startswith(("#", "|", ">")):
        return False
    if is_bullet(last) or len(last) < MEND_MIN_CHARS:
        # A list item or a short line may be a heading: join only a clear continuation.
        return first[0].islower() or last.split()[-1].lower() in CONNECTOR_WORDS
    return True


def remove_text_banners(text: str) -> str:
    """Remove a banner repeated at the page breaks of plain text (form feeds or runs of 2+ blank
    lines) and mend the sentences those breaks cut. Expects `normalise_lines` output."""
    if "\f" not in text and "\n\n\n" not in text:
        return text
    parts = _PAGE_BREAK_RE.split(text)
    pages, seps = parts[0::2], parts[1::2]
    # Blank lines before the first page are not a page break.
    while len(pages) > 1 and not pages[0].strip():
        pages, seps = pages[1:], seps[1:]
    if len(pages) < 2:
        return text
    cleaned, removed = remove_running_banners([p.split("\n") for p in pages], BANNER_ZONE_TEXT)
    texts = ["\n".join(lines).strip("\n") for lines in cleaned]
    out = texts[0]
    for i, page in enumerate(texts[1:]):
        if not page.strip():
            continue
        real_break = removed[i] or "\f" in seps[i]
        lower_next = page.lstrip()[:1].islower()
        mend = (real_break or lower_next) and can_mend(out, page)
        out = out.rstrip() + " " + page.lstrip() if mend else out + PARAGRAPH_BREAK + page
    return out


# --- whole-text pipelines --------------------------------------------------------------------


def clean_plain_text(text: str) -> str:
    """The cleaned display text of a plain-text document."""
    text = normalise_lines(text)
    text = remove_text_banners(text)
    return tidy_block(join_hard_wraps(tidy_block(text))).strip()


def find_plain_headings(text: str) -> tuple[Section, ...]:
    """Heading-like lines of plain text: short lines followed by body text or a list."""
    lines = text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    sections = []
    for i, line in enumerate(lines):
        if not looks_like_heading(line):
            continue
        nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), None)
        if nxt is not None and (ends_sentence(nxt) or is_bullet(nxt)):
            lead = len(line) - len(line.lstrip())
            sections.append(Section(start=offsets[i] + lead, title=line.strip(), level=1))
    return tuple(sections)


def clean_pdf_pages(pages: list[str]) -> AssembledText:
    """Assemble PDF page texts: running headers/footers out, wraps joined, sentences mended
    across page breaks, and `page_starts` recorded in the final text."""
    page_lines = [normalise_lines(p).replace("\f", "\n").split("\n") for p in pages]
    cleaned, _ = remove_running_banners(page_lines, BANNER_ZONE_PDF)
    assembler = TextAssembler()
    previous = ""
    for lines in cleaned:
        page = tidy_block(join_hard_wraps(tidy_block("\n".join(lines))))
        assembler.start_page()
        separator = " " if previous and page and can_mend(previous, page) else None
        assembler.add_block(page, separator=separator)
        previous = page or previous
    assembled = assembler.build()
    return AssembledText(assembled.text, find_plain_headings(assembled.text), assembled.page_starts)


# --- assembly with offsets -------------------------------------------------------------------


class TextAssembler:
    """Builds a document's text from blocks, recording section and page offsets as it goes.

    Kinds: "paragraph", "heading", "item" (list item) and "row" (table row). Consecutive items
    or rows are separated by one newline, everything else by a blank line."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._last_kind: str | None = None
        self._sections: list[Section] = []
        self._page_starts: list[int] = []
        self._pending_pages = 0  # pages started but still without text

    def end_group(self) -> None:
        """The current list or table has ended: the next item or row starts a new paragraph."""
        self._last_kind = None

    def start_page(self) -> None:
        """The next block that has text begins a new page (an empty page begins there too)."""
        self._pending_pages += 1

    def add_block(
        self, text: str, kind: str = "paragraph", level: int = 0, separator: str | None = None
    ) -> None:
        text = " ".join(text.split()) if kind == "heading" else tidy_block(text)
        if not text:
            return
        if self._length:
            if separator is None:
                tight = kind in ("item", "row") and kind == self._last_kind
                separator = LINE_BREAK if tight else PARAGRAPH_BREAK
            self._parts.append(separator)
            self._length += len(separator)
        self._page_starts.extend([self._length] * self._pending_pages)
        self._pending_pages = 0
        if kind == "heading":
            self._sections.append(Section(start=self._length, title=text, level=max(1, level)))
        self._parts.append(text)
        self._length += len(text)
        self._last_kind = kind

    def build(self) -> AssembledText:
        starts = (*self._page_starts, *([self._length] * self._pending_pages))
        return AssembledText("".join(self._parts), tuple(self._sections), starts)
