"""The short answer inside an answering sentence, by the kind of thing a question asks for;
and no span (so no answer) when the sentence holds nothing of that kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.question_kinds import answer_kind
from search_app.spans import find_span, kinds_to_try


@pytest.mark.parametrize("question, kind", [
    ("When was the Bali Process founded?", "date"),
    ("In what year did the office open?", "year"),
    ("How many members does the forum have?", "number"),
    ("How much funding did Australia pledge to the fund?", "amount"),
    ("Who chaired the meeting?", "agent"),
    ("Which Australian official co-chaired the meeting?", "person"),
    ("sixth SOM date", "date"),
    ("jclec meaning", "definition"),
    ("What is the PSHTA?", "definition"),
    ("What did members ask the RSO to do?", None),
    ("Which organisation runs the toolkit?", "organisation"),
    ("Where did the Working Group meet?", "place"),
    ("In which city was the workshop held?", "place"),
    ("In which district of Bangkok is the Office located?", "place"),
    ("Minimum fine for trafficking offences under the 2012 act?", "amount"),
    ("What portion of the 2021 budget went to the programme?", "number"),
    ("What is the smallest fine a trafficker can receive?", "amount"),
    ("What penalties does the act set?", None),
    ("Which countries attended the consultation?", "list"),
    ("What does TFPP stand for?", "definition"),
    ("Why did members set up the task force?", "reason"),
    ("What did the ministers agree on returns?", None),
    ("JCLEC", None),
    ("Which strategy did ministers adopt in 2023?", "title"),
    ("Which two handbooks did the office publish?", "title"),
    ("What was the toolkit renamed?", "title"),
    ("Which UN convention did members ratify?", "organisation"),
    # A verb, a preposition or another question word before the noun: no name is asked for.
    ("Who renamed the task force?", "agent"),
    ("Why was the task force renamed?", "reason"),
    ("Who is entitled to vote?", "agent"),
    ("On what exact day was Nauru admitted?", "date"),
    ("How many adverts has the platform flagged to date?", "number"),  # "to date" asks for no date
    ("Which hotel or venue hosted the first meeting?", "place"),
    ("By when are providers expected to deliver the indicators?", "date"),
    ("What is the maximum value of a single grant?", "amount"),
    ("What is the value of partnerships?", None),
    # An office after a relative clause or a preposition is not what is asked for.
    ("What is the name of the report that the minister launched?", None),
    ("Who was the lead agency at the minister's meeting?", "agent"),
    ("What did Australia's total commitment amount to?", "amount"),
    ("What did it cost to build the platform?", "amount"),
    ("What is the name of the New Zealand-funded victim support officer?", "person"),
    ("What is the name of the RSO's platform?", None),
    # An office only a person holds asks for a person; a co-chair may be a government.
    ("Who is the RSO's Indonesian Co-Manager in 2026?", "person"),
    ("Who was Australia's foreign minister at the conference?", "person"),
    ("Who was the Australian co-chair?", "agent"),
    ("What changes to the law were made?", None),
    ("What guides the work of the office?", None),
    ("What acts of exploitation were discussed?", None),
    ("Which projects did Australia fund?", None),
    ("How often do ministers meet?", "frequency"),
    ("How frequently are reports published?", "frequency"),
    ("When was the office opened, and by whom?", "date"),
    ("What name was given to the new database?", "title"),
    ("What is the name of the minister?", "person"),
    # A cost is a sum of money, unless the question asks who bore it or why.
    ("What is the estimated cost of the platform?", "amount"),
    ("workshop cost", "amount"),
    ("Who bore the costs of returns?", "agent"),
    ("Why did costs rise?", "reason"),
    ("Which country covers the costs of the fund?", "place"),
    ("Which agency bears the cost of voluntary returns?", "organisation"),
    ("What are the costs of scam centres to victims?", None),
    ("Who will bear the cost?", "agent"),
    ("How much does the platform cost?", "amount"),
])
def test_the_kind_a_question_asks_for(question, kind):
    assert answer_kind(question) == kind


def span_of(question: str, sentence: str, long_forms=()) -> str | None:
    span = find_span(question, answer_kind(question), sentence, tuple(long_forms))
    return None if span is None else sentence[span.start : span.end]


@pytest.mark.parametrize("question, sentence, expected", [
    ("When did the co-chairs meet the ministry?", "The Co-Chairs met officials of the Ministry on March 18, 2024.", "March 18, 2024"),
    ("When was the regional event held?", "The regional event took place in Bangkok on 7-9 November 2023.", "7-9 November 2023"),
    ("When was the Bali Process founded?", "The Bali Process was established in 2002 as a forum for dialogue.", "2002"),
    ("In what year did the RSO open?", "The Regional Support Office opened in September 2012 in Bangkok.", "2012"),
    ("How many members does the Bali Process have?", "The Bali Process has 45 member states and 4 member organisations.",
     "45 member states"),
    ("How many observers took part?", "It counts 48 members and 29 observers in all.", "29 observers"),
    ("How many traffickers did the tribunals convict?", "The tribunals convicted 94 traffickers in 2023.", "94 traffickers"),
    ("How much did the donors pledge?", "Donors pledged USD 3.1 million for the programme in 2021.", "USD 3.1 million"),
    # A currency by its name, and a sum converted in brackets after it (the same sum).
    ("What is the minimum fine under the act?", "Offenders face a fine of at least 50,000 Bangladeshi Taka (BDT) ($476).",
     "at least 50,000 Bangladeshi Taka"),
    ("How much did Thailand pledge?", "Thailand pledged 2 million baht in 2019.", "2 million baht"),
    ("How much did Malaysia contribute?", "Malaysia contributed MYR 1.5 million for 2024.", "MYR 1.5 million"),
    ("What is the budget?", "The budget for 2021 is AUD 6.2 million.", "AUD 6.2 million"),
    ("Who co-chaired the meeting for Australia?", "The meeting was co-chaired by Ambassador Lynn Bell of Australia.", "Lynn Bell"),
    ("Where did the Working Group meet in 2023?", "The Working Group met in Bangkok, Thailand, on 7 November 2023.",
     "Bangkok, Thailand"),
    ("In which city did the Working Group meet?", "The Working Group met in Bangkok, Thailand, on 7 November 2023.", "Bangkok"),
    ("Who was the Indonesian co-manager?", "It was opened by Ms Sarah Lindqvist, Co-Manager (Australia), and Mr Hendra "
     "Wibisono, Co-Manager (Indonesia).", "Hendra Wibisono"),
    ("Who did the co-chairs meet?", "They met Foreign Secretary Ambassador Masud Bin Momen at the Ministry.", "Masud Bin Momen"),
    ("Where will the next meeting be held?", "The next meeting will be hosted by Malaysia in Kuala Lumpur.", "Kuala Lumpur"),
    ("In which country did the Working Group meet?", "The Working Group met in Bangkok, Thailand, on 7 November 2023.", "Thailand"),
    # The question's own word leading a list is no item of it.
    ("In which languages will summaries be added?", "Summaries in Bahasa Indonesia and Thai will be added in 2015.",
     "Bahasa Indonesia and Thai"),
    ("Which countries took part?", "Officials from Thailand, Malaysia and Sri Lanka took part.", "Thailand, Malaysia and Sri Lanka"),
    ("On what date in 2006 did officials meet?", "Officials met in Bangkok on 14 March 2006, after a 2005 workshop.",
     "14 March 2006"),
    # A venue is a place when the question asks for one, its name whole.
    ("Which venue hosted the meeting?", "The meeting was held at the Bali International Convention Centre and "
     "Ministers adopted the plan.", "Bali International Convention Centre"),
    ("On what exact day was the office opened?", "The office opened on 2026-01-14.", "2026-01-14"),
    ("Which hotel hosted the meeting?", "The meeting was held at the Grand Hyatt Jakarta on 4 May 2019.",
     "Grand Hyatt Jakarta"),
    ("What venue hosted the first meeting?", "The first meeting was held at the Brisbane Convention and Exhibition "
     "Centre in Brisbane on 10 November 2004.", "Brisbane Convention and Exhibition Centre"),
    ("Which venue hosted the first meeting?", "The inaugural meeting was held on 22 and 23 September 2026 at the "
     "Philippine International Convention Center in Manila.", "Philippine International Convention Center"),
    ("At what venue was the Conference held?", "Eighth Ministerial Conference, Adelaide Convention Centre, Adelaide, "
     "10 February 2023", "Adelaide Convention Centre"),
    # A district, province... is named with its noun when the question asks for one.
    ("In which district of Bangkok is the Office?", "The Office moved in 2018 to the Sathorn district of Bangkok.",
     "Sathorn district"),
    ("Which countries joined the pilot?", "The pilot covers Indonesia, Malaysia, Thailand and Viet Nam.", "Indonesia, Malaysia, Thailand and Viet Nam"),
    # A list of countries names one: "the RSO and IOM" does not answer "which countries".
    ("Which countries took part?", "The RSO and IOM met delegates from Nepal, Sri Lanka and the Maldives.",
     "Nepal, Sri Lanka and the Maldives"),
    ("Which countries took part?", "The RSO and IOM met delegates of the Member States.", None),
    # A share is asked for: not the sum it is a share of.
    ("What portion of the budget went to training?", "The budget is AUD 6.2 million, and about one fifth of it "
     "went to training.", "about one fifth"),
    ("What share of cases began online?", "Of the 120 cases, 47 per cent began online.", "47 per cent"),
    # An event is not a body, though a body's name leads it.
    ("Which agency hosted the workshop?", "The Bali Process Regional Workshop on Victim Identification was hosted by "
     "the Sri Lanka Bureau of Foreign Employment.", "Sri Lanka Bureau of Foreign Employment"),
    # A rank is a title before a name; a platform named like a person is none.
    ("Which police officer welcomed the course?", "Police Major General Somchai Rattanakul, Commander of the "
     "Division, welcomed the participants.", "Somchai Rattanakul"),
    ("Who is the programme manager?", "The programme will host Digital Recruitment Watch from 2022.", None),
    # A year alone does not say on what date.
    ("On what exact date was the conference first planned?", "It was planned for 2020 and postponed until 2021.", None),
    ("Who led the raid?", "INTERPOL briefed members on Operation Lunar Gate, which freed 1,140 people.", "INTERPOL"),
    # Countries are asked for only where the list asked for is of countries.
    ("Which United Nations agencies supported it?", "It was supported by IOM, UNHCR and UNODC.", "IOM, UNHCR and UNODC"),
    ("Which organisations help governments?", "Support comes from IOM and UNODC.", "IOM and UNODC"),
    # A sum in brackets that is not alone there is a part, not a conversion; no currency inside a word.
    ("How much did Australia pledge?", "Australia pledged AUD 2 million (AUD 500,000 in the first year).", "AUD 2 million"),
    # A target is no outcome, unless the question asks for one.
    ("How many officials had completed the course by 2017?", "The RSO has trained 1,350 officials, with a target of "
     "training 300 frontline officials by the end of 2017.", "1,350 officials"),
    ("How many officials did the plan aim to train?", "It set a target of training 300 officials.", "300 officials"),
    ("How many inspectors will the Network train by 2021?", "The Network should train 120 inspectors by 2021.",
     "120 inspectors"),
    # A country's name is no body's ("Lao PDR").
    ("Which organisation gave grants?", "Shelters in Cambodia and Lao PDR received grants.", None),
    # A currency's code is no body.
    ("Which organisation funds the office?", "The core budget for 2026 has been set at AUD 8.3 million.", None),
    # A body the question names by its initials is not what it asks for.
    ("Which ministry co-hosted the workshop with the RSO?", "The Bali Process Regional Support Office (RSO) convened "
     "the workshop with the Ministry of Home Affairs of Malaysia.", "Ministry of Home Affairs of Malaysia"),
    ("Which organisation briefed members?", "Experts from the International Organization for Migration briefed members.",
     "International Organization for Migration"),
    ("What does TFPP stand for?", "Members praised the Task Force on Planning and Preparedness (TFPP).", "Task Force on Planning and Preparedness"),
    ("Why was the toolkit developed?", "The toolkit was developed to help officials identify victims at borders.",
     "to help officials identify victims at borders"),
    # Items joined by "and" answer together; a second count only when the question asks for it.
    ("When did the special meetings take place?", "Members welcomed the two Special Meetings (29 May and 4 December 2015).",
     "29 May and 4 December 2015"),
    ("How many members and observers took part?", "Ministers of 44 members and 16 observers took part.",
     "44 members and 16 observers"),
    ("Who will publish the briefs?", "The briefs will be published by IOM and the RSO over the coming months.", "IOM and the RSO"),
    ("Which organisation will publish the briefs?", "The briefs will be published by IOM and the RSO.", "IOM"),
    # The name beside the country the question names, not the first within reach of it.
    ("Who represented Indonesia as co-chair?", "It was co-chaired by Ms Anne Sheehan (Australia) and Mr Caka Awal (Indonesia).",
     "Caka Awal"),
    # Of several people, the one the question's country describes, before or after the name.
    ("Who co-chaired the conference for Indonesia?", "The Conference was co-chaired by H.E. Ana Wirawan, Minister for "
     "Foreign Affairs of the Republic of Indonesia, and the Hon. James Clarke MP, Minister for Foreign Affairs of "
     "Australia.", "Ana Wirawan"),
    ("Name the Australian minister who co-chaired the conference.", "The Conference was co-chaired by H.E. Ana "
     "Wirawan, Minister for Foreign Affairs of the Republic of Indonesia, and the Hon. James Clarke MP, Minister for "
     "Foreign Affairs of Australia.", "James Clarke"),
    # What comes before the sentence's verb, and the verb coming back after the last name, is
    # everyone's: "the Sixth Ministerial Conference" and "the first Co-Managers" describe no one.
    ("Name the Australian minister who co-chaired the Sixth Ministerial Conference.", "The Sixth Ministerial "
     "Conference was co-chaired by H.E. Ana Wirawan, Minister for Foreign Affairs of the Republic of Indonesia, and "
     "the Hon. James Clarke MP, Minister for Foreign Affairs of Australia.", "James Clarke"),
    ("Who was the Australian co-chair of the Third Regional Ministerial Conference?", "The Third Regional Ministerial "
     "Conference was co-chaired by the Minister for Foreign Affairs of the Republic of Indonesia, Dr Budi Santoso, and "
     "the Minister for Foreign Affairs of Australia, the Hon. Kate Moore.", "Kate Moore"),
    ("Who was appointed as the first Australian Co-Manager of the RSO?", "Ms Kate Moore of the Australian Department "
     "of Foreign Affairs and Trade and Mr Budi Santoso of the Indonesian Ministry of Foreign Affairs have been "
     "appointed as the first Co-Managers of the RSO.", "Kate Moore"),
    ("Who is the Indonesian co-manager?", "Ms Kate Moore, who is Australian, and Mr Budi Santoso, who is the "
     "Indonesian Co-Manager, opened the office.", "Budi Santoso"),
    # People named together with only "and" between them answer together; an office between them parts them.
    ("Who wrote the policy brief?", "This brief was written by Dr Maya Lindqvist and Ms Nguyen Thi Lan of the RSO.",
     "Maya Lindqvist and Ms Nguyen Thi Lan"),
    ("Who is the Indonesian Co-Manager?", "The Co-Managers were appointed: Ms Kate Moore and Mr Budi Santoso of "
     "Indonesia.", "Budi Santoso"),  # one office, one person
    ("Which foreign secretary met the delegation?", "The delegation met Foreign Secretary Ambassador Masud Bin Momen "
     "and Secretary Md. Ruhul Amin at the Ministry.", "Masud Bin Momen"),
    ("Who was the Indonesian co-chair?", "On 7 November, the Director of Security and Disarmament of the Republic of "
     "Indonesia, Mr Budi Santoso, and First Assistant Secretary, Law and Rights Division, Australian Department, "
     "Ms Kate Moore, co-chaired the Working Group meeting.", "Budi Santoso"),
    # A rank after a title ("Deputy Chief of Mission") is not a name when a full name stands.
    ("Who is the Indonesian co-manager?", "Trafficking remains a pervasive issue, said Rina Kusuma, RSO Co-Manager "
     "(Indonesia) and Deputy Chief of Mission, in her remarks.", "Rina Kusuma"),
    # The list a plural head names; of two dates, the one the question's words stand beside.
    ("Which two governments co-chair the forum?", "The forum is co-chaired by the Governments of Norway & Chile.",
     "Norway & Chile"),
    ("When did the taskforce hold its annual meeting?", "Members joined a training on 9 May 2022, and the Taskforce "
     "Annual Meeting on 10 May 2022.", "10 May 2022"),
    ("How long did the workshop last?", "Over the course of the three-day workshop, 40 delegates met.", "three-day"),
    ("How long will the programme run?", "The programme, funded with AUD 2 million, runs for four years.", "four years"),
    # Initials make a body, not a person; a body the question names by its initials is not the answer.
    ("Who led the session on recruitment?", "The session was led by the Pacific Institute of Justice (PIJ) and UN Women.",
     "Pacific Institute of Justice (PIJ) and UN Women"),
    ("With which agency did the RSO build its toolkit?", "The Bali Process RSO shared its toolkit (developed jointly "
     "with UNHCR).", "UNHCR"),
    # An event's place and dates in brackets; a country in brackets for "which country".
    ("In which city was the roundtable on returns held?", "Members welcomed the Roundtable on Returns (Manila, "
     "3-4 December 2015).", "Manila"),
    ("Which country holds the lead shepherd role?", "A representative of the Lead Shepherd (Philippines) spoke.",
     "Philippines"),
    # "Which country" is answered by a country's name wherever it stands; a dateline gives a place.
    ("Which country joined the forum in 2024?", "The forum now has 46 members, after Mongolia joined in 2024.", "Mongolia"),
    ("Which country hosted the meeting?", "The meeting was hosted by Thailand, with support from IOM.", "Thailand"),
    ("Which country hosted the workshop?", "Thailand hosted the workshop in Bangkok.", "Thailand"),
    ("Which country hosted the meeting?", "The Philippines hosted the meeting.", "Philippines"),
    ("Where was the Ninth Ministerial Conference held?", "Ninth Ministerial Conference, Nusa Dua, Bali, 12 February 2025",
     "Nusa Dua, Bali"),
    ("Where did the officials meet?", "Senior Officials' Meeting, Bangkok, Thursday, 7 March 2024", "Bangkok"),
    ("Which country hosted the Sixth Ministerial Conference?", "Sixth Ministerial Conference, Bali, Indonesia, 23 March 2016",
     "Indonesia"),
    # Bounds of amounts and times; a purpose from its "to".
    ("How much did the workshop cost?", "It was funded at a cost of approximately AUD 185,000.", "approximately AUD 185,000"),
    ("How much starting capital was proposed?", "The fund was proposed with starting capital of USD 4,000, the minimum.",
     "USD 4,000"),
    ("When was the toolkit to be launched?", "The toolkit is expected to be launched in early 2019.", "early 2019"),
    ("Why did the office publish the brief?", "The office published the brief in order to warn job seekers.",
     "to warn job seekers"),
    # "What" asks for the thing, not the doing, and not what it is for.
    # A name ends at the line's end: a job title often stands on the next line.
    ("Who wrote the commentary?", "Commentary by\nSyed Raiyan Amir\nResearch Associate The Center for Policy Studies",
     "Syed Raiyan Amir"),
    ("What documents has the office prepared?", "The office has drafted concept notes in order to explore options.",
     "concept notes"),
    # The ", and" before a list's last item ends no clause.
    ("What are the three pillars of the plan?", "Members adopted a new plan organised around three pillars: prevention, "
     "protection of victims, and prosecution of offenders.", "prevention, protection of victims, and prosecution of offenders"),
    ("What did members discuss?", "Members discussed the budget, and agreed to meet in May.", "the budget"),
    ("What did members discuss?", "Members discussed the budget, reviewed the workplan, and adopted the report.",
     "the budget, reviewed the workplan"),  # things done are no list
])
def test_the_words_that_answer(question, sentence, expected):
    assert span_of(question, sentence, ["Task Force on Planning and Preparedness"]) == expected


@pytest.mark.parametrize("question, sentence, expected", [
    ("Who leads the drafting group?", "Members agreed to a small drafting group, led by Malaysia and IOM, to prepare "
     "guidance.", "Malaysia and IOM"),
    ("Who will publish the briefs?", "The briefs will be published by IOM and the RSO over the coming months.",
     "IOM and the RSO"),
    ("Who will publish the briefs?", "The briefs will be published by Ms Kate Moore of IOM.", "Kate Moore"),
])
def test_who_is_a_person_else_the_bodies_and_countries_named_together(question, sentence, expected):
    # As the answer picker asks: each kind in turn, the first a sentence holds.
    spans = (find_span(question, kind, sentence, fallback=False) for kind in kinds_to_try(answer_kind(question)))
    span = next(s for s in spans if s is not None)
    assert sentence[span.start : span.end] == expected


@pytest.mark.parametrize("question, sentence", [
    ("Where was the Fifth Ministerial Conference held?", "The Fifth Ministerial Conference was held on 2 April 2013."),
    ("When did the ministers adopt the declaration?", "The ministers adopted the Bali Declaration on People Smuggling."),
    ("How many officials were trained?", "Officials from the region were trained on victim identification."),
    ("Who founded the Walk Free Foundation?", "The Walk Free Foundation published the Global Slavery Index."),
    ("Which official briefed the delegation?", "The Ministry of Expatriates' Welfare and Overseas Employment briefed it."),
    ("Which official hosted the meeting?", "The meeting took place in Colombo, Sri Lanka, last June."),
    # "On what date in 2006": a date of another year, or a span of years, is none.
    ("On what date in 2006 did officials meet?", "Australia gave AUD 2.0 million (2007-2009)."),
    ("On what date in 2006 did officials meet?", "Australia gave AUD 1.2 million (2005-2006)."),
    ("On what date in 2006 did officials meet?", "Officials met in Bangkok on 14 March 2007."),
    ("What dates in 2006 did officials meet?", "Officials met in Bangkok on 14 March 2007."),
    # A venue asked for: a town is none.
    ("Which hotel or venue hosted the meeting?", "The Group was established in Bali on 22 March 2016."),
    ("Which venue in Bangkok hosted the workshop?", "Ministers adopted the Framework in Nusa Dua on 12 February 2025."),
    # What should or will be done is no outcome.
    ("How many inspectors had the Network trained by 2021?", "The Network should train 120 inspectors by 2021."),
    # "On what exact day": a month does not say.
    ("On what exact day was Nauru admitted?", "It followed the admission of Nauru in January 2026."),
    # A share of something the sentence does not name is a share of something else.
    ("What share of trafficking cases began online in 2022?", "About one fifth of it is allocated to the programme."),
    # A count of something else than what the question counts; a day of a date is no count.
    ("How many staff work at the office?", "The events were attended by seven additional Bali Process members."),
    ("How many delegates attended the meeting?", "Participants welcomed the two Special Meetings held in 2015."),
    ("How many participants attended the roundtable?", "The Roundtable on Returns (Manila, 3-4 December 2015) met."),
    ("How many members does the forum have?", "The number of victims rose to 45 in 2024."),
    ("Which country joined the forum in 2024?", "The forum welcomed the Pacific Islands Forum in 2024."),
    # A count needs what is counted: not another noun after it, not a country inside a person's name.
    ("How many members attended the workshop?", "Members of 12 agencies attended the workshop."),
    ("How many delegates attended?", "Delegates: 3 days of discussion followed."),
    ("Which country opened the meeting?", "Mr Jordan Lee of the office opened the meeting."),
    ("Which country led the session?", "The session was led by Chad Evans."),
    ("Which country spoke at the meeting?", "The Thailand Institute of Justice spoke at the meeting."),
    ("How much did Australia pledge?", "Australia pledged EUR 1,5 million."),  # no figure cut short
    ("Where was the release issued?", "Press release, Monday, 12 February 2025"),
    # A country in brackets after a person is whom they speak for, not where something was held.
    ("Where was the workshop held?", "Ms Anne Sheehan (Australia) opened the workshop."),
])
def test_a_sentence_without_the_kind_asked_for_gives_no_span(question, sentence):
    assert span_of(question, sentence) is None


@pytest.mark.parametrize("question, sentence, expected", [
    ("How many countries take part?", "The Bali Process has 45 members and 4 observers.", "45 members"),
    ("How many traffickers did the Dhaka tribunal find guilty?", "The Dhaka Tribunal recorded 78 convictions in 30 cases.",
     "78 convictions"),
    ("How many delegates attended?", "The meeting was attended by 60 officials from 16 members.", "60 officials"),
    # What is counted may stand before the number; a comma after a number is not part of it.
    ("How many staff did the office start with?", "The Office will open with an initial staff of nine.", "nine"),
    ("How many people worked at the office in 2018?", "Office staff: 17, up from nine in 2012.", "17"),
    ("How many members does the forum have?", "Its membership stood at 45 in 2024.", "45"),
    ("How many officials attended the course?", "It offered a course for 60 frontline immigration and police officials.",
     "60"),
    # What bounds a figure is part of it; a verb's "over" or "about" is not.
    ("How many officials has the office trained?", "It has trained more than 5,000 officials.", "more than 5,000 officials"),
    ("How many suspects were handed over?", "Indonesia handed over 12 suspects.", "12 suspects"),
    ("How many victims did police mention?", "Police talked about 45 victims.", "45 victims"),
    ("How long was the workshop?", "The workshop was held over two days.", "two days"),
    ("How many victims were rescued?", "Police rescued 1,50,000 victims.", "1,50,000 victims"),
    ("How long did it run?", "It ran for more than two years.", "more than two years"),
    ("How many delegates attended?", "Some 300 delegates attended.", "Some 300 delegates"),
    ("How many officials were trained?", "The office trained over 5,000 officials.", "over 5,000 officials"),
    # What is counted before its number, and words after it that count nothing else.
    ("How many members does the forum have?", "Membership rose to 48 this year.", "48"),
    ("How many members does the forum have?", "Membership stood at 45 following the 2023 conference.", "45"),
    ("How many staff work at the office?", "Office staff: 17 (up from nine).", "17"),
    # A fraction is one figure; "twenty-fifth" is no fraction.
    ("How much of the budget goes to training?", "About one fifth of it goes to training.", "About one fifth"),
    ("How many members voted for it?", "Two-thirds of members voted for it.", "Two-thirds"),
    ("How many third-country nationals were returned?", "Two third-country nationals were returned in May.", "Two"),
    # Nor does a look-alike of a counted word's kin ("participating", one letter from "participant").
    ("How many people participated?", "Officers in 11 of the 15 participating members said so.", None),
    # A target answers what something is meant to do.
    ("How many survivors is the initiative meant to employ?", "It aims at employing 500 survivors by 2028.",
     "500 survivors"),
    ("How many survivors has the initiative employed?", "It aims at employing 500 survivors by 2028.", None),
])
def test_a_count_may_be_given_in_kindred_words(question, sentence, expected):
    assert span_of(question, sentence) == expected


@pytest.mark.parametrize("question, sentence, typos, expected", [
    # A counted word no statement holds, one letter off a word the sentence counts, still counts...
    ("how many trafickers have the tribunals convicted", "The tribunals had convicted 212 traffickers.",
     {"trafickers"}, "212 traffickers"),
    # ...a real word one letter from another never does ("countries" is one letter from "counts").
    ("How many countries signed the pledge?", "He was convicted on 12 counts.", set(), None),
    ("How many trafickers were convicted?", "The tribunals had convicted 212 traffickers.", set(), None),
])
def test_a_mistyped_counted_word_counts_only_where_no_statement_holds_it(question, sentence, typos, expected):
    from search_app.spans import find_span

    span = find_span(question, "number", sentence, typos=frozenset(typos))
    assert (sentence[span.start:span.end] if span else None) == expected


def test_what_the_question_names_is_not_the_answer():
    # "In 2023" is the question's own date, not the answer to "where".
    assert span_of("In 2023, where did the Working Group meet?",
                   "In 2023 the Working Group met in Colombo for two days.") == "Colombo"
    assert span_of("How many members joined after 2016?", "Since 2016, 4 members have joined.") == "4 members"


def test_a_what_question_gets_the_clause_after_its_own_words():
    sentence = "Members asked the RSO to review national legislation on migrant smuggling."
    assert span_of("What did members ask the RSO to do?", sentence) == "review national legislation on migrant smuggling"


@pytest.mark.parametrize("question, sentence, expected", [
    # The name, less what the question already says.
    ("Which 2018 Bali Process plan guides the work on returns?",
     "Members endorsed the 2018 Bali Process Regional Plan of Action on Returns, prepared by the RSO.",
     "Regional Plan of Action on Returns"),
    # A plural head then "on": several named by their topics.
    ("Which two handbooks did the office publish?",
     "The office published the Handbooks on Victim Screening and Border Data Sharing in May.",
     "Victim Screening and Border Data Sharing"),
    # Named by the words before it, whatever its head.
    ("What was the toolkit renamed in 2024?", "In 2024 the toolkit was renamed the Regional Guide on Screening Migrants.",
     "Regional Guide on Screening Migrants"),
    ("How often does the forum meet?", "The forum meets twice a year, alternating between Bangkok and Jakarta.",
     "twice a year"),
    ("How frequently are reports published?", "Reports are published annually by the office.", "annually"),
    ("What fine does the offence carry?", "The offence carries a fine of at least 20,000 pesos.", "at least 20,000 pesos"),
])
def test_a_name_a_frequency_or_a_bound_is_the_short_answer(question, sentence, expected):
    assert span_of(question, sentence) == expected


@pytest.mark.parametrize("question, sentence", [
    ("Which plan did members discuss?", "Members discussed a plan to share data between border agencies."),
    ("How often does the forum meet?", "The forum met in Bangkok to review its work."),
])
def test_a_name_or_frequency_the_sentence_lacks_leaves_the_clause_never_a_decline(question, sentence):
    # Such questions were answered by a clause before they had kinds: no new reason to decline.
    assert span_of(question, sentence) is not None


@pytest.mark.parametrize("question, sentence, expected", [
    # A body's name with the initials the statement gives it, whichever of the two stood out.
    ("Which programme ran the border training?",
     "The Mekong Border Partnership (MBP) ran the border training for customs officers.",
     "Mekong Border Partnership (MBP)"),
    ("Which agency hosted the workshop on data?",
     "The workshop on data was hosted by the Regional Statistics Office (RSTO).",
     "Regional Statistics Office (RSTO)"),
    # ... and where the name goes on after them.
    ("To which body does the taskforce report?",
     "The taskforce reports to the Steering Group (SG) of Senior Officials every year.",
     "Steering Group (SG) of Senior Officials"),
    # A body renamed is called what follows "renamed".
    ("What is the data expert group called now?",
     "The Data Experts Group (DEG) has been renamed the Working Group on Migration Data (WG-MD).",
     "Working Group on Migration Data (WG-MD)"),
    # Asked as a body: the ministry, not the official's post.
    ("Which ministry co-chaired the meeting?",
     "The meeting was co-chaired by the Deputy Secretary-General of the Ministry of Home Affairs of Malaysia.",
     "Ministry of Home Affairs of Malaysia"),
])
def test_a_body_is_named_as_the_statement_names_it(question, sentence, expected):
    assert answer_kind(question) == "organisation"
    assert span_of(question, sentence) == expected


def test_initials_chosen_alone_are_given_with_the_name_they_stand_for():
    from search_app.closeness import Span
    from search_app.spans import with_initials

    sentence = "It was hosted by the Regional Statistics Office (RSTO) and UNODC (the UN Office on Drugs)."
    at = sentence.index("RSTO")
    got = with_initials(sentence, Span(at, at + 4))
    assert sentence[got.start : got.end] == "Regional Statistics Office (RSTO)"
    unodc = sentence.index("UNODC")  # not defined by the words before it: left as it is
    assert with_initials(sentence, Span(unodc, unodc + 5)) == Span(unodc, unodc + 5)


@pytest.mark.parametrize("question, sentence, expected", [
    ("Why did convictions rise?", "Convictions rose sharply, largely attributed to the new specialist courts set up in 2021.",
     "the new specialist courts set up in 2021"),
    # The purpose up to the next one.
    ("Why did the office set up the taskforce?",
     "The office set up the taskforce to develop contingency plans, to run exercises and to report to ministers.",
     "to develop contingency plans"),
    # Why something is a problem: what it leads to.
    ("Why is it a problem when cases are tried as fraud?",
     "Some cases are tried as fraud rather than trafficking, which can result in lighter sentences.", "lighter sentences"),
    # A concern: what it is at, all of it.
    ("Why were ministers concerned about online scams?",
     "Ministers expressed concern at the growth of scam compounds, their links to organised crime, and the harm to victims.",
     "the growth of scam compounds, their links to organised crime, and the harm to victims"),
    ("Why did ministers launch the forum?",
     "We recognise that businesses have a role in ending forced labour, and we agree to launch the forum.",
     "businesses have a role in ending forced labour"),
])
def test_the_reason_is_what_the_sentence_gives_as_one(question, sentence, expected):
    assert answer_kind(question) == "reason"
    assert span_of(question, sentence) == expected


def test_what_the_question_already_says_is_no_reason_for_it():
    sentence = "Some cases are tried as fraud, resulting in lighter sentences."
    # Asked why it is a problem, the answer is what it leads to...
    assert span_of("Why is it a problem that cases are tried as fraud?", sentence) == "lighter sentences"
    # ...unless the question already says that.
    assert span_of("Why is it a problem that trying cases as fraud leads to lighter sentences?", sentence) != \
        "lighter sentences"
    # A question about a cause is not asking what a thing leads to.
    assert span_of("Why did the issue of online scams grow?",
                   "Scam centres grew thanks to weak regulation, leading to thousands of victims.") == "weak regulation"


@pytest.mark.parametrize("question, sentence, expected", [
    # "named" is a plain verb here; the Strategy is the name asked for.
    ("Which strategy did ministers adopt?",
     "Ministers named Indonesia and Australia as Co-Chairs and adopted the Adelaide Strategy for Cooperation.",
     "Adelaide Strategy for Cooperation"),
    # Of two names in one capitalised run, the one of the kind asked for.
    ("Which toolkit did the office share?", "Members read the Co-Chairs' Statement and the Screening Toolkit.",
     "Screening Toolkit"),
    # "daily" before a noun says nothing about how often.
    ("How often does the forum meet?", "The forum discussed the daily lives of migrant workers.", None),
    ("How often does the forum meet?", "The forum, which meets monthly, discussed the daily lives of workers.", "monthly"),
])
def test_names_and_frequencies_are_not_taken_from_plain_words(question, sentence, expected):
    from search_app.closeness import Span  # noqa: F401  (find_span's value type)

    span = find_span(question, answer_kind(question), sentence, fallback=False)
    assert (None if span is None else sentence[span.start : span.end]) == expected


def test_lists_in_lower_case_are_read_after_what_introduces_them_only():
    question = "Which sectors did members discuss?"
    assert span_of(question, "Members discussed risks in sectors such as fishing, farming and construction in the region.") == \
        "fishing, farming and construction"
    # Without "including" or "such as", clauses joined by commas are no list.
    assert span_of(question, "Members discussed the issues, noting progress, and agreed to meet again.") != \
        "the issues, noting progress, and agreed to meet"


def test_a_long_list_without_and_is_read_in_linear_time():
    import subprocess
    import sys

    code = ("from search_app.spans import find_span; find_span('Which sectors did members discuss?', 'list', "
            "'Members discussed sectors such as ' + ', '.join(['the item number'] * 3000) + '.')")
    # Not a speed figure: milliseconds against a bound that only a list read in more than one
    # way (exponential backtracking, minutes or more) can reach; in a child process so that
    # such a regression fails here rather than hanging the suite.
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=True, timeout=60)


def test_a_ranks_word_before_a_bodys_name_makes_no_person_of_it():
    sentence = "The case went to the Royal Thai Police Anti-Trafficking Division for investigation."
    assert find_span("Which officer investigated the case?", "person", sentence, (), fallback=False) is None


def test_a_share_of_it_is_a_share_of_what_the_sentence_before_names():
    question, sentence = "What share of the budget went to shelters?", "About one fifth of it went to shelters."
    assert find_span(question, "number", sentence) is None  # of what, nothing says
    span = find_span(question, "number", sentence, before="The 2022 budget was AUD 5 million. ")
    assert sentence[span.start : span.end] == "About one fifth"
    # Only the sentence right before: a budget named earlier in the passage is not "it".
    assert find_span(question, "number", sentence, before="The budget was set. Cases rose. ") is None


@pytest.mark.parametrize("question, sentence, expected", [
    ("What does KADIN stand for?", "The Co-Chairs thanked the Indonesian Chamber of Commerce and Industry (KADIN) "
     "for co-organising the plenary.", "Indonesian Chamber of Commerce and Industry"),
    ("What does KADIN stand for?", "The Co-Chairs thanked KADIN for co-organising the plenary.", None),
    ("What does KADIN stand for?", "It was hosted by the Chamber (KADIN).", None),  # one word is no long form
    ("What does KADIN stand for?", "The Chamber (KADIN) hosted it.", None),  # nor one word and "The"
    ("What does Kadin stand for?", "Australia and the Indonesian Chamber of Commerce and Industry (KADIN) met.",
     "Indonesian Chamber of Commerce and Industry"),  # the name alone, whatever case the question types
])
def test_a_name_before_initials_in_brackets_is_what_they_stand_for_where_none_spells_them_out(question, sentence, expected):
    from search_app.spans import find_span

    span = find_span(question, "definition", sentence, (), fallback=False)
    assert (sentence[span.start:span.end] if span else None) == expected
    # Where a statement spells the letters out, only that long form defines them.
    assert find_span(question, "definition", sentence, ("kamar dagang dan industri",), fallback=False) is None
