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
    ("How many workshops were held in 2005?", "Since April 2003, the Bali Process has held 22 workshops.", True),
    ("How many staff did the RSO have in 2016?", "RSO staff: 17, up from nine when the Office opened in 2012", True),
    ("What was the RSO's core budget for 2020?", "Core budget 2021 | AUD 6.2 million", True),
    ("How many officials attended the seminar in Manila in October 2010?",
     "The workshop held in Chiang Mai in July 2009 was attended by 74 officials.", True),
    # The year asked is there, or in the sentence before; or no year at all: nothing to tell.
    ("How many officials did the RSO train in 2012?", "The RSO has trained 300 officials since 2012.", False),
    ("How many workshops were held in 2005?", "In 2005, 4 workshops were held, bringing the total since 2003 to 22.",
     False),
    ("How many workshops were held in 2005?", "In 2005, 22 workshops were held.", False),
    ("How many workshops were held in 2005?", "Members held 22 workshops.", False),  # (no statement date given)
    # A span of years, or no year asked.
    ("How many officials did the RSO train in 2012-2015?", "The RSO has trained 3,300 officials since 2012.", False),
    ("How many officials has the RSO trained?", "The RSO has trained 3,300 officials since 2012.", False),
])
def test_a_count_of_other_years_is_no_count_of_the_year_asked(question, sentence, another):
    from search_app.event_dates import counts_another_year

    assert counts_another_year(question, sentence) is another


def test_the_sentence_before_may_give_the_year_of_a_count():
    from search_app.event_dates import counts_another_year

    # "Figures for 2014:" heads a list whose items compare with the year before.
    assert not counts_another_year("How many victims were identified in 2014?",
                                   "5,870 victims identified, up from 4,100 in 2013", before="Figures for 2014:")


@pytest.mark.parametrize("date, another", [("2016-03-01", False), ("2017-02-20", False), ("2027-09-10", True), (None, False)])
def test_a_count_of_no_year_is_read_by_its_statement_s_year(date, another):
    from search_app.event_dates import counts_another_year

    # A statement of the year asked, or of the next (reporting on it), may say it; one of 2027 does not.
    assert counts_another_year("How many staff did the RSO have in 2016?", "Staff: 38, from 12 nationalities", "",
                               date) is another
    # A statement of the year asked may compare with another year.
    assert not counts_another_year("How many staff did the RSO have in 2016?", "Staff: 14, up from nine in 2012", "",
                                   "2016-05-01")


def test_a_meeting_held_by_video_conference_is_held_at_no_other_event():
    sentence = "The Ninth Senior Officials Meeting (SOM) was held by video conference on 16 June 2021."
    question = "On what date did the Ninth Senior Officials Meeting take place?"
    assert belongs_to_another_event(question, sentence, _date(sentence)) is False
    other = "The Ninth Senior Officials Meeting welcomed the Regional Conference on 16 June 2021."
    assert belongs_to_another_event(question, other, _date(other)) is True
    for mode in ("video-conference", "web conference", "Video Conference"):
        held = f"The Ninth Senior Officials Meeting was held by {mode} on 16 June 2021."
        assert belongs_to_another_event(question, held, _date(held)) is False, mode


@pytest.mark.parametrize("question, sentence, date, another", [
    # A year the question gives something else than the count asks no year of the count.
    ("How many members has the Bali Process had since its founding in 2002?", "The Bali Process has 45 members.",
     "2023-05-01", False),
    ("How many member states signed the Declaration adopted in 2016?", "It was signed by 30 member states.",
     "2023-05-01", False),
    # "FY2022" is a year; a statement of the year asked still gives no running total since another.
    ("What was the budget for 2023?", "The FY2022 budget was AUD 5 million.", "2021-01-01", True),
    ("How many workshops were held in 2005?", "The 22 workshops held under the Bali Process since April 2003.",
     "2005-06-01", True),
    # A date is not a year of the count.
    ("How many staff did the RSO have in 2016?", "On 2016-02-01 the RSO had 14 staff.", "2016-02-01", False),
])
def test_the_year_of_a_count_is_the_one_asked_of_it(question, sentence, date, another):
    from search_app.event_dates import counts_another_year

    assert counts_another_year(question, sentence, "", date) is another
