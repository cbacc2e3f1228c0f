"""How bench/quality.py scores a short answer against the expected one."""

from __future__ import annotations

import pytest

from bench.quality import span_matches


@pytest.mark.parametrize("returned, expected, same", [
    ("78 convictions", "78 Convictions.", True),  # case, closing punctuation
    ("Technical Experts Group", "the Technical Experts Group", True),  # a leading article
    ("Kirsten Oakley", "Ms Kirsten Oakley", True),  # a courtesy title
    ("Gregory Ashcombe", "the Hon. Gregory Ashcombe MP", True),
    ("Lynn Bell", "Ambassador Lynn Bell", False),  # an office is more than courtesy
    ("Kirsten Oakley", "Kirsten", False),
    ("20-21 November 2019", "20\u201321 November 2019", True),  # dash styles
    ("20 and 21 November 2019", "20-21 November 2019", True),  # one span of days, written two ways
    ("20 November 2019", "20-21 November 2019", False),
    # The same answer with extra words on either side: a body's initials, a place's country, a count's noun.
    ("International Labour Organization (ILO)", "International Labour Organization", True),
    ("ILO", "International Labour Organization", False),
    ("Kuala Lumpur, Malaysia", "Kuala Lumpur", True),
    ("Wellington", "Wellington, New Zealand", True),
    ("Kuala Lumpur, Malaysia", "Malaysia", False),
    ("78 convictions", "78", True),
    ("nine", "nine grants", True),
    ("78 convictions", "78 convictions in 30 cases", False),
    ("2 million", "2", False),
    ("5 per cent", "5", False),
    ("780 convictions", "78", False),
    ("more than 5,700 officials", "more than 5,700", True),
    ("5,700 officials", "more than 5,700", False),  # a bound says something
    ("travel restrictions made meeting in person impossible", "because travel restrictions made meeting in person "
     "impossible", True),
    ("to allow Ministers to consider the review", "in order to allow Ministers to consider the review", True),
    ("to allow Ministers to consider the review", "because Ministers wanted a review", False),
    ("the pandemic", "because of the pandemic", True),  # the cue before an article
    # Not the same answer: a list of countries, a date, a unit, a currency, a part.
    ("Thailand, Malaysia", "Thailand", False),
    ("Thailand, Malaysia", "Thailand, Cambodia", False),
    ("22 March", "22", False),
    ("5 percentage points", "5", False),
    ("2 bn", "2", False),
    ("2 AUD", "2", False),
    ("28 of the participants", "28", False),
])
def test_a_short_answer_matches_the_expected_one_normalised(returned, expected, same):
    assert span_matches(returned, expected) is same


def test_a_sentence_holds_the_answer_however_it_writes_a_span_of_days():
    from bench.quality import contains_answer

    assert contains_answer("The meeting was held on 22 and 23 September 2026 in Manila.", "22-23 September 2026")
    assert not contains_answer("The meeting was held on 22 September 2026 in Manila.", "22-23 September 2026")
