"""Whose date a date is: a date question about a numbered meeting is not answered by another
event's date in a sentence that also names the meeting, nor by the date of another meeting
numbered last before it."""

from __future__ import annotations

import re

import pytest

from search_app.closeness import Span
from search_app.event_dates import belongs_to_another_event

SYMPOSIUM = ("The Meeting welcomed the Working Group, as directed by the Fifth Ministerial Conference, and the "
             "convening of the Regional Symposium on Labour Exploitation in Bangkok (25-26 March 2015).")


def _date(sentence: str) -> Span:
    m = re.search(r"\d{1,2}(?:-\d{1,2})? [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{4}", sentence)
    return Span(m.start(), m.end())


@pytest.mark.parametrize("question, sentence, another", [
    # The date follows another event named after the meeting: it is that event's.
    ("When was the Fifth Bali Process ministerial meeting held?", SYMPOSIUM, True),
    ("When was the Sixth SOM held?", "As agreed at the Sixth Senior Officials Meeting, members held a workshop in "
     "Jakarta on 22 March 2016.", True),
    # An event in an aside between commas does not take the date.
    ("When was the Sixth SOM held?", "The Co-Chairs convened the Sixth Senior Officials Meeting in Bali, after a "
     "workshop in Jakarta, on 22 March 2016.", False),
    # The meeting's own date, with its name and acronym before it.
    ("When was the Fifth Ministerial Meeting held?", "Recommendations from the Fifth Ministerial Meeting (April 2013)", False),
    ("When was the Eleventh Senior Officials Meeting held?",
     "The Eleventh Bali Process Senior Officials Meeting (SOM) was held in Canberra on 18-19 March 2026.", False),
    ("When was the Ninth Ministerial Conference held?", "Ninth Bali Process Ministerial Conference, Nusa Dua, Bali, 12 February 2025", False),
    # An event's generic noun is the meeting's own: "held as a two-day event".
    ("When was the Sixth Ministerial Conference held?", "The Sixth Ministerial Conference was held in Bali as a two-day "
     "event on 22-23 March 2016.", False),
    # Nothing to tell: the question names no numbered meeting.
    ("When was the Regional Symposium held?", SYMPOSIUM, False),
    # The sentence numbers another meeting before the date, and not the one asked about.
    ("When was the Seventh Ministerial Conference held?", SYMPOSIUM, True),
    ("When did the Network hold its first meeting?", "The Network was established by the Working Group at its Fifth "
     "Annual Meeting in Kuala Lumpur in November 2019.", True),
    ("When did the Network hold its first meeting?", "The first meeting of the Network, after the Fifth Annual "
     "Meeting had set it up, took place on 11-13 February 2020.", False),
    ("When did the Network hold its first meeting?", "The Network held its first meeting in Bangkok on 11-13 "
     "February 2020.", False),
    ("When did the Network hold its first meeting?", "The Network met in Bangkok on 11-13 February 2020.", False),
])
def test_a_date_belongs_to_the_last_event_named_before_it(question, sentence, another):
    assert belongs_to_another_event(question, sentence, _date(sentence)) is another


@pytest.mark.parametrize("sentence, another", [
    ("Senior officials approved an RSO core budget for 2023 of AUD 7.4 million.", True),
    ("The 2021 budget of the RSO is AUD 6.2 million.", True),
    ("The core budget for 2020 was AUD 5 million, and the budget for 2021 AUD 6 million.", False),
    ("The budget rose in 2020.", False),  # the question's own year
    ("Members met in 2023 to discuss the budget.", False),  # a year of something else
    ("The core budget for 2019 and 2020 was AUD 1.2 million each year.", False),  # the question's year is there
])
def test_a_thing_asked_of_one_year_is_not_answered_by_its_figure_for_another(sentence, another):
    from search_app.event_dates import gives_another_year

    assert gives_another_year("What was the RSO's core budget for 2020?", sentence) is another


@pytest.mark.parametrize("question, sentence, another", [
    ("Where will the group meet for the second time?", "The inaugural meeting of the group was held on 22 September "
     "2026 in Manila.", True),
    ("Where will the group meet for the second time?", "Its second meeting will be held in Wellington.", False),
    ("Where did the group hold its first meeting?", "The inaugural meeting of the group was held in Manila.", False),
])
def test_a_place_belongs_to_the_meeting_named_before_it(question, sentence, another):
    at = sentence.rindex(" in ") + 4
    assert belongs_to_another_event(question, sentence, Span(at, len(sentence) - 1)) is another


@pytest.mark.parametrize("text, ordinals", [
    ("Where will the group meet for the second time?", {2}),
    ("The inaugural meeting of the group was held in Manila.", {1}),
    ("She gave an inaugural address.", set()),
    ("Members spoke for the first time.", set()),
    ("The Network, set up at the Fifth Annual Meeting, first met in Bangkok.", {1, 5}),
])
def test_the_ordinals_a_text_gives_a_meeting(text, ordinals):
    from search_app.naming import meeting_ordinals

    assert meeting_ordinals(text) == ordinals



REPORT = "Report of the First Meeting of the Expert Network"


@pytest.mark.parametrize("question, title, sentence, another", [
    ("How many participants attended the second meeting of the Network?", REPORT,
     "The session was rated useful by 28 of the 34 participants.", True),
    ("How many participants attended the first meeting of the Network?", REPORT,
     "The session was rated useful by 28 of the 34 participants.", False),
    # The sentence names the asked meeting, or the question asks what will happen at it.
    ("How many participants attended the second meeting of the Network?", REPORT,
     "The second meeting was attended by 40 participants.", False),
    ("Where will the second meeting of the Network be held?", REPORT, "It will meet next in Jakarta.", False),
    # A title that numbers no meeting tells nothing.
    ("How many participants attended the second meeting of the Network?", "Network news",
     "The session was rated useful by 28 of the 34 participants.", False),
])
def test_a_statement_on_another_numbered_meeting_speaks_of_the_asked_one_only_where_it_names_it(
        question, title, sentence, another):
    from search_app.event_dates import numbers_another_meeting

    assert numbers_another_meeting(question, title, sentence) is another


@pytest.mark.parametrize("question, sentence, another", [
    ("How many Bali Process workshops were held in 2005?",
     "Senior officials welcomed the 22 workshops held under the Bali Process since April 2003.", True),
    ("How many officials did the RSO train during 2023 alone?", "The RSO has trained 3,300 officials since 2012.", True),
    # The total since the year asked about, a count over years, or no year asked: nothing to tell.
    ("How many officials did the RSO train in 2012?", "The RSO has trained 300 officials since 2012.", False),
    ("How many officials did the RSO train in 2012-2015?", "The RSO has trained 3,300 officials since 2012.", False),
    ("How many officials has the RSO trained?", "The RSO has trained 3,300 officials since 2012.", False),
    ("How many workshops were held in 2005?", "In 2005, 22 workshops were held.", False),
    ("How many workshops were held in 2005?", "Since April 2003, the Bali Process has held 22 workshops.", True),
    # The year asked is there too: its own count stands beside the running total.
    ("How many workshops were held in 2005?", "In 2005, 4 workshops were held, bringing the total since 2003 to 22.",
     False),
])
def test_a_running_total_since_another_year_is_no_count_of_one_year(question, sentence, another):
    from search_app.event_dates import counts_since_another_year

    assert counts_since_another_year(question, sentence) is another
