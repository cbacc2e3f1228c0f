"""Which country a question asks about, and when a sentence is about another one."""

from __future__ import annotations

import pytest

from search_app.naming import asked_countries, names_another_country


@pytest.mark.parametrize("question, countries", [
    ("How many tribunals does Sri Lanka have?", {"Sri Lanka"}),
    ("Who was the Australian Co-Manager of the RSO?", {"Australia"}),  # by adjective
    ("What did the Indonesian and Bangladeshi delegates say?", {"Indonesia", "Bangladesh"}),
    ("Which Thai police officer spoke?", {"Thailand"}),
    ("Which Japanese agency took part?", {"Japan"}),
    ("What is the plan for the Indian Ocean?", set()),  # an ocean's name, not India
    ("Who chaired the Sixth Annual Meeting?", set()),
])
def test_the_countries_a_question_names_by_name_or_adjective(question, countries):
    assert asked_countries(question) == countries


def _answer(sentence: str, words: str) -> tuple[int, int]:
    at = sentence.index(words)
    return at, at + len(words)


@pytest.mark.parametrize("question, sentence, answer, context, another", [
    # About one other country, outside the words that answer.
    ("How many tribunals does Sri Lanka have?", "Bangladesh reported that its seven tribunals had convicted 131.",
     "seven tribunals", "", True),
    ("Who was the Australian Co-Manager?", "It was opened by Fuad Adriansyah, RSO Co-Manager (Indonesia).",
     "Fuad Adriansyah", "", True),
    # The asked country is named too, in the sentence, in its answer, or before it in the passage or title.
    ("How much did Australia pledge?", "Australia pledged AUD 1.5 million, while Thailand gave USD 50,000.",
     "AUD 1.5 million", "", False),
    ("Which Sri Lankan agency hosted it?", "It was hosted by the Sri Lanka Bureau of Foreign Employment in Colombo, "
     "with Thailand's support.", "Sri Lanka Bureau of Foreign Employment", "", False),
    ("How many tribunals does Bangladesh have?", "The government set up seven tribunals, as Japan did.",
     "seven tribunals", "Bali Process meets Bangladesh.", False),
    # The countries that answer are no others; nor do several countries make the sentence another's.
    ("Which countries did the Australian minister visit?", "The minister visited Thailand and Malaysia.",
     "Thailand and Malaysia", "", False),
    ("When did the co-chairs meet Bangladesh's foreign secretary?", "The Co-Chairs from Australia and Indonesia met "
     "the Foreign Secretary on 18 March 2024.", "18 March 2024", "", False),
    # Where something happened is no country it is about.
    ("Who was the Australian co-chair?", "The Conference, held in Bali, Indonesia, was co-chaired by Ms Kate Moore.",
     "Kate Moore", "", False),
    ("How many victims did Australia's programme assist?", "The programme, delivered in Cambodia, assisted 300 victims.",
     "300 victims", "", False),
    # Nothing to tell: the question names no country, or the sentence none.
    ("How many tribunals were set up?", "Bangladesh set up seven tribunals.", "seven tribunals", "", False),
    ("How many tribunals does Sri Lanka have?", "The government set up seven tribunals.", "seven tribunals", "", False),
])
def test_a_sentence_about_one_other_country_does_not_answer(question, sentence, answer, context, another):
    assert names_another_country(question, sentence, _answer(sentence, answer), context) is another
