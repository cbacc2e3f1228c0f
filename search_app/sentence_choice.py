"""Which grounded sentence answers: the best by selection score, its alignment read only where it
can still win; then, where statements give different figures for one thing, the newest; and for a
"why" question, a sentence that gives a reason's cue."""

from __future__ import annotations

import math
from dataclasses import replace

from .candidates import RANKING, Candidate, SentenceFeatures, selection_score
from .closeness import Span
from .evidence import AnswerEvidence
from .question_kinds import answer_kind
from .rerankers import named_occasion

# How far below the best sentence's selection score a newer statement's sentence may be and still
# be chosen, when the question names no year or meeting (best_aligned): of statements that give
# other figures for one thing, the newest holds. Dev sets: 0.25 and 0.5 gave dev set 3 one more
# right answer (one fewer wrong), own and dev set 2 unchanged; 0.75 and 1.0 lost 2-3 own answers.
NEWEST_MARGIN = 0.5
# How far below the best sentence's selection score a sentence that gives a reason's cue
# ("because", "in order to") may be and still answer a "why" question before it: the same margin.
# (Dev: three reason questions right more, none lost; the gaps to a right cued sentence were
# 0.09-0.29, then 1.08, and a wrong cued sentence's nearest 1.40.)
CUE_MARGIN = NEWEST_MARGIN


# (Preferring the statement of the month or year a question asks as of ("How many observers did
# the Bali Process have in August 2017?": the statement of August 2017 over a better-worded one of
# 2018 that names neither), within 1.5 of the best score, was measured, 8 December: dev set 7 three
# right answers more and three wrong fewer, the other dev sets unchanged; but held-out set 6 one
# right answer fewer and one wrong more, the others unchanged. Not kept.)


# A newer statement's sentence that says all the best one says about the question (as many of its
# words, all its names, as closely aligned and as similar within this much) restates it: the rank of
# its passage, often the reason it scores below, is then no evidence against it (_restatements).
RESTATES_WITHIN = 0.05

Row = tuple[float, int, Candidate, Span]  # selection score with alignment, index in grounded, sentence, span


def best_aligned(evidence: AnswerEvidence, question: str, grounded: list[tuple[Candidate, Span]],
                 weights: tuple[float, ...]) -> tuple[Candidate, Span] | None:
    """The grounded sentence with the best selection score, its alignment read; or, where
    statements say it differently and the question names no year or meeting, the newest
    statement's; for a "why" question, one that gives a reason's cue."""
    # The newest-statement margin only where statements can disagree (a figure, a date, a name...:
    # a clause differs from sentence to sentence anyway); for a reason, the margin a cue may win by.
    kind = answer_kind(question)
    margin = CUE_MARGIN if kind == "reason" else 0.0 if named_occasion(question) or kind is None else NEWEST_MARGIN
    read: dict = {}
    scored = _scored(evidence, question, grounded, weights, margin, read)
    if not scored:
        return None
    best = max(scored, key=lambda row: (row[0], -row[1]))
    # All but as good as the best, and holding the kind asked for (not a clause fallback).
    close = [row for row in scored if row[0] >= best[0] - margin and row[2].features.kind_found] if margin else []
    if kind == "reason":  # a sentence that gives a cue ("because", "in order to") over one that only shares the topic
        _, _, chosen, span = max(close, key=lambda row: (row[0], -row[1]), default=best)
        # "Why was Colombo chosen for the desk?": "Colombo was chosen over Dhaka and Kathmandu. Sri
        # Lanka offered rent-free premises ...": a sentence that gives no reason is followed by its
        # reason, the next sentence of its paragraph, cue ("because", "in order to") or none. (Dev,
        # with a cue: dev2, dev3 and dev5 one right answer more each, three wrong fewer; without
        # one too: dev7 3 right more, 3 wrong fewer, the other sets unchanged.)
        if not chosen.features.kind_found and (reason := _reason_after(chosen, grounded)) is not None:
            return reason
        # (Declining where the sentence gives no cue, has no reason after it and no clause of it
        # reads as one was measured, 8 December: dev 3 wrong answers and 1 near-miss fewer for 1
        # right one, but held-out sets 2 and 3 lost a right answer each with no wrong one fewer.)
        return chosen, span
    if margin:
        close += _restatements(evidence, question, grounded, weights, best, margin, read)

    def answer_of(row: Row) -> str:
        return " ".join(row[2].text[row[3].start:row[3].end].lower().split())

    # Of statements that say it differently, the newest holds when the question names no year or
    # meeting: of the close sentences, the newest statement's, quoted instead of the best where it
    # says otherwise.
    newest = max(close, key=lambda row: (row[2].hit.citation.date or "", row[0], -row[1]), default=best)
    newer = (newest[2].hit.citation.date or "") > (best[2].hit.citation.date or "") and answer_of(newest) != answer_of(best)
    _, _, chosen, span = newest if newer else best
    return chosen, span


def _scored(evidence: AnswerEvidence, question: str, grounded: list[tuple[Candidate, Span]],
            weights: tuple[float, ...], margin: float, read: dict) -> list[Row]:
    """The sentences that may be best or within `margin` of it, alignment read. Alignment costs a
    pass over a passage's words (a few ms for a long one), so it is read passage by passage, best
    score without it first, and stops where even the most it could add cannot reach."""
    weight = abs(weights[RANKING.index("alignment")])  # alignment lies in [-1, 1]
    unaligned = [(selection_score(replace(c.features, alignment=0.0), weights), i) for i, (c, _) in enumerate(grounded)]
    scored, best_score = [], -math.inf
    for score, i in sorted(unaligned, key=lambda si: (-si[0], si[1])):
        if score + weight < best_score - margin:
            break
        aligned = _aligned(evidence, question, grounded, i, read)
        total = selection_score(aligned.features, weights)
        scored.append((total, i, aligned, grounded[i][1]))
        best_score = max(best_score, total)
    return scored


def _aligned(evidence: AnswerEvidence, question: str, grounded: list[tuple[Candidate, Span]],
             i: int, read: dict) -> Candidate:
    candidate = grounded[i][0]
    key = candidate.hit.chunk_id
    if key not in read:  # every grounded sentence of this passage at once
        ranges = [(c.start, c.end) for c, _ in grounded if c.hit.chunk_id == key]
        read[key] = dict(zip(ranges, evidence.alignments(question, candidate.hit, ranges)))
    return replace(candidate, features=replace(candidate.features, alignment=read[key][candidate.start, candidate.end]))


def _restatements(evidence: AnswerEvidence, question: str, grounded: list[tuple[Candidate, Span]],
                  weights: tuple[float, ...], best: Row, margin: float, read: dict) -> list[Row]:
    """Newer statements' sentences that restate the best one, and score within `margin` of it but
    for their passage's rank. "How many officials has the briefing series reached?": "had reached
    410 officials" (June) ranks a passage above "has reached 560 officials" (November), and the
    two sentences say the same but for the figure. (Dev: dev3 and dev4 3 answers right more, 3
    wrong fewer; own and dev2 unchanged.)"""
    b, date = best[2].features, best[2].hit.citation.date or ""
    rank_weight = abs(weights[RANKING.index("position")])

    def restates(f: SentenceFeatures) -> bool:  # alignment aside: read only for those that pass
        return (f.kind_found and f.entity_share == 1.0 and f.coverage >= b.coverage - 1e-9
                and f.sentence_cosine >= b.sentence_cosine - RESTATES_WITHIN)

    rows: list[Row] = []
    if b.coverage <= 0:  # a sentence that says none of the question's words has nothing to restate
        return rows
    weight = abs(weights[RANKING.index("alignment")])  # the most alignment can add
    for i, (c, span) in enumerate(grounded):
        if (c.hit.citation.date or "") <= date or not restates(c.features):
            continue
        unaligned = selection_score(replace(c.features, alignment=0.0), weights)
        if unaligned + weight + rank_weight * (c.features.position - b.position) < best[0] - margin:
            continue  # cannot come close even aligned: not worth reading
        aligned = _aligned(evidence, question, grounded, i, read)
        total = selection_score(aligned.features, weights)
        if (aligned.features.alignment >= b.alignment - RESTATES_WITHIN
                and total + rank_weight * (aligned.features.position - b.position) >= best[0] - margin):
            rows.append((total, i, aligned, span))
    return rows


def _reason_after(chosen: Candidate, grounded: list[tuple[Candidate, Span]]) -> tuple[Candidate, Span] | None:
    """"Why did the RSO relocate in 2018?": "The RSO moved in April 2018 to larger premises. The
    move was necessary because the original office could no longer ...". Where the sentence that
    answers best gives no reason, it and the next one in its paragraph answer together: the first
    says what the question asks about, the second why (the features and the confidence stay the
    first's)."""
    for candidate, span in grounded:
        if (candidate.hit.chunk_id == chosen.hit.chunk_id and candidate.start >= chosen.end
                and not (gap := candidate.hit.text[chosen.end:candidate.start]).strip() and gap.count("\n") < 2):
            offset = candidate.start - chosen.start
            both = replace(chosen, end=candidate.end)
            return both, Span(span.start + offset, span.end + offset)
    return None
