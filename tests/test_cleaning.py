"""Cleaning that keeps citations exact: banners, mending, hard wraps, whitespace, offsets."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from indexer.cleaning import (
    TextAssembler,
    can_mend,
    clean_pdf_pages,
    clean_plain_text,
    find_plain_headings,
    join_hard_wraps,
    normalise_lines,
    remove_running_banners,
    remove_text_banners,
    tidy_block,
)
from indexer.documents import load_metadata, read_documents
from indexer.models import Document

SEED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SLIDES = "2013-09-27-ctip-regional-support-office-slides.txt"
SOM_STATEMENT = "2016-03-22-sixth-senior-officials-meeting-co-chairs-statement.txt"
WG_STATEMENT = "2023-11-09-wg-trafficking-ninth-annual-meeting-co-chairs-statement.md"
BANNER_TITLE = "The Bali Process"
BANNER_LINE = "on People Smuggling, Trafficking in Persons and Related Transnational Crime"


def read_seed(name: str) -> Document:
    (doc,) = read_documents(SEED_CORPUS / name, SEED_CORPUS, load_metadata(SEED_CORPUS))
    return doc


def lines_of(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]


def assert_sections_point_at_their_titles(doc: Document) -> None:
    for section in doc.sections:
        assert doc.text[section.start :].startswith(section.title), section
    assert [s.start for s in doc.sections] == sorted(s.start for s in doc.sections)


# --- whitespace ------------------------------------------------------------------------------


def test_normalise_lines_fixes_whitespace_but_not_words():
    raw = "Co-Chairs\u00a0Statement  \r\nline two\t\rline three\u2028four"
    assert normalise_lines(raw) == "Co-Chairs Statement\nline two\nline three\nfour"


def test_normalise_lines_keeps_page_break_markers():
    assert normalise_lines("a\n\n\n\nb\fc") == "a\n\n\n\nb\fc"


def test_tidy_block_collapses_blank_runs_and_edges():
    assert tidy_block("\n\n para one \n\n\n\n\npara two\f\fpara three\n\n") == " para one\n\npara two\n\npara three"
    assert tidy_block(" \n\t\n") == ""


def test_clean_plain_text_never_alters_words():
    raw = "Title\r\n\r\nThe\u00a0Meeting   agreed.  \n\n\n\n\nMembers   welcomed it.\n"
    cleaned = clean_plain_text(raw)
    assert cleaned == "Title\n\nThe Meeting   agreed.\n\nMembers   welcomed it."
    assert cleaned.split() == raw.replace("\u00a0", " ").split()


# --- hard wraps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "joined"),
    [
        # the next line starts in lowercase or with a bracket
        ("• Reach a better understanding of current initiatives\naddressing trafficking.", "• Reach a better understanding of current initiatives addressing trafficking."),
        ("Recommendations from the Fifth Ministerial Meeting\n(April 2013)", "Recommendations from the Fifth Ministerial Meeting (April 2013)"),
        # the line ends with a connector word or a comma
        ("Trafficking in\nPersons and Related Transnational Crime", "Trafficking in Persons and Related Transnational Crime"),
        ("regional training centres of excellence and\nNational Training Directors.", "regional training centres of excellence and National Training Directors."),
        ("IOM, UNHCR,\nUNODC and ILO", "IOM, UNHCR, UNODC and ILO"),
        # a wrapped proper noun on a long line
        ("2. A new impetus: Recommendations from the Bali\nProcess 10th Anniversary", "2. A new impetus: Recommendations from the Bali Process 10th Anniversary"),
        # inside an open bracket
        ("48 members (including 45 states; IOM, UNHCR and\nUNODC), 29 observers (including 19 observer countries;\n11 International Agencies)",
         "48 members (including 45 states; IOM, UNHCR and UNODC), 29 observers (including 19 observer countries; 11 International Agencies)"),
        # a word broken at its hyphen keeps the hyphen and no space is added
        ("the joint TFPP-\nDWP exercise", "the joint TFPP-DWP exercise"),
        # a bullet marker alone on its line
        ("•\nFirst point", "• First point"),
        # a bulleted sentence carried on to the line that ends it
        ("• More effective and coordinated responses, and protect and assist\nVictims of Trafficking (VoT);", "• More effective and coordinated responses, and protect and assist Victims of Trafficking (VoT);"),
    ],
)
def test_wrapped_lines_are_joined(raw, joined):
    assert join_hard_wraps(raw) == joined


@pytest.mark.parametrize(
    "raw",
    [
        "The way forward\nParticipants welcomed the convening of the meetings.",
        "Objectives of the meeting today\n• Reach a better understanding",
        "The Bali Process\nBali Process People Smuggling, Trafficking in Persons and",
        "Co-Chaired by the Governments of Australia & Indonesia\n48 members",
        "The Meeting agreed on the agenda.\nMembers agreed on the text.",
        "including by:\nenhancing and implementing national legislation;",
        "• first point that wraps onto\n• second point",
        "Process Working Group on Trafficking to be established\n1. The Bali Process",
        "– explore the extent of labour trafficking\n– identify avenues for cooperation",
        "Support technical training and assistance\nII. Identify and disseminate best practices",
        "options for implementation in consultation with Bali Process\nThank You",
        "Established in 2002 following first Regional Ministerial\n\nconference notes",
        "Recommendations of the Sixth Ministerial Conference on the way ahead\nMembers agreed on the draft text.",
    ],
)
def test_real_line_structure_is_kept(raw):
    assert join_hard_wraps(raw) == raw


def test_slide_deck_wraps_are_joined_into_sentences():
    doc = read_seed(SLIDES)
    lines = lines_of(doc.text)
    for sentence in [
        "• Reach a better understanding of current initiatives in addressing trafficking issues in Asia and the Pacific.",
        "• Identify gaps in efforts and difficulties in combatting trafficking in the region, in particular with regard to regional training activities.",
        "• Provide recommendations on way forward to the Bali Process Working Group on Trafficking to be established.",
        "2. A new impetus: Recommendations from the Bali Process 10th Anniversary and Fifth Ministerial Meeting (April 2013)",
        "48 members (including 45 states; IOM, UNHCR and UNODC), 29 observers (including 19 observer countries; 11 International Agencies)",
        "Established in 2002 following first Regional Ministerial Conference in Bali",
        "Bali Process People Smuggling, Trafficking in Persons and Related Transnational Crime",
        "1. The Bali Process and its efforts in combating trafficking to date",
        "3. The role of the RSO and potential areas of intervention in CTiP",
        "– explore the extent to which the issue of labour trafficking affected Bali Process States",
        "II. Identify and disseminate best practices on protection of refugees and victims of trafficking in persons and international migration.",
    ]:
        assert sentence in lines, sentence


def test_slide_deck_keeps_bullets_and_headings_on_their_own_lines():
    doc = read_seed(SLIDES)
    lines = lines_of(doc.text)
    for heading in ["The Bali Process", "Objectives of the meeting today", "27 September 2013", "Thank You",
                    "Co-Chaired by the Governments of Australia & Indonesia", "The Regional Support Office (RSO)"]:
        assert heading in lines, heading
    bullets = [ln for ln in lines if ln.startswith("•")]
    raw = (SEED_CORPUS / SLIDES).read_text(encoding="utf-8")
    assert len(bullets) == raw.count("\n•") == 18  # none swallowed by another line
    assert all(ln.count("•") == 1 for ln in lines if "•" in ln)
    numbered = [ln for ln in lines if ln[:2] in ("1.", "2.", "3.")]
    assert len(numbered) == 6  # the agenda and the three section titles
    assert sum(ln.startswith("– ") for ln in lines) == 3
    assert doc.text.endswith("in consultation with Bali Process\nThank You")


def test_slide_deck_keeps_every_word_in_order():
    raw = (SEED_CORPUS / SLIDES).read_text(encoding="utf-8")
    assert read_seed(SLIDES).text.split() == raw.split()


def test_statement_wraps_are_joined():
    doc = read_seed(SOM_STATEMENT)
    assert "regular meetings of regional training centres of excellence and National Training Directors." in doc.text
    assert "the draft Bali Declaration on People Smuggling, Trafficking in Persons and Related Transnational Crime to be considered" in doc.text
    assert "\nThe way forward\nParticipants welcomed" in doc.text
    assert len(lines_of(doc.text)) == 11


# --- banners and mending ---------------------------------------------------------------------


def test_seed_banner_appears_once_and_split_sentences_are_mended():
    doc = read_seed(WG_STATEMENT)
    assert doc.text.count(BANNER_LINE) == 1
    assert doc.text.startswith(f"{BANNER_TITLE}\n\n{BANNER_LINE}\n\n")
    assert "corruption challenges as key enabling factors, and highlighted the poly-criminality" in doc.text
    assert "drawing on the 2022 joint TFPP-DWP Tabletop Exercise. This was followed by a panel" in doc.text
    assert sum(s.title == BANNER_TITLE for s in doc.sections) == 1


def test_seed_markdown_sections_and_plain_text():
    doc = read_seed(WG_STATEMENT)
    assert_sections_point_at_their_titles(doc)
    assert [(s.level, s.title) for s in doc.sections] == [
        (1, "The Bali Process"),
        (2, "Co-Chairs' Statement"),
        (3, "Working Group on Trafficking in Persons Ninth Annual Meeting, Regional Event on Victim Protection and Partnerships, and side events 7, 8 and 9 November 2023"),
        (3, "Ninth Annual Meeting"),
        (2, "Regional Event"),
    ]
    for markup in ("#", "**", "*", "[", "]("):
        assert markup not in doc.text
    assert "Working Group's Forward Work Plan 2021-23." in doc.text
    assert "\n1. Victim-centred approaches to detection, investigation and prosecution\n2. Protecting" in doc.text


@pytest.mark.parametrize("name", sorted(p.name for p in SEED_CORPUS.iterdir() if p.name != "metadata.json"))
def test_every_seed_document_has_exact_section_offsets(name):
    doc = read_seed(name)
    assert_sections_point_at_their_titles(doc)
    assert doc.text == doc.text.strip()
    assert "\n\n\n" not in doc.text
    assert not any(line != line.rstrip() for line in doc.text.split("\n"))


BANNERED = """# Report of the Meeting

Bali Process Secretariat

The meeting opened with remarks from the Co-Chairs, who welcomed
the delegates and thanked the hosts for the arrangements made for the



# Report of the Meeting

Bali Process Secretariat

meeting. Members then reviewed the work plan.

## Outcomes

Members agreed to meet again.



# Report of the Meeting

Bali Process Secretariat

## Annex

Participants are listed below.
"""


def test_text_banner_repeats_are_removed_and_the_letterhead_kept():
    cleaned = remove_text_banners(BANNERED)
    assert cleaned.count("# Report of the Meeting") == 1
    assert cleaned.count("Bali Process Secretariat") == 1
    assert cleaned.startswith("# Report of the Meeting\n\nBali Process Secretariat\n\nThe meeting opened")
    assert "the arrangements made for the meeting. Members then reviewed" in cleaned
    # the page before the last break ends a sentence: a paragraph break, not a join
    assert "Members agreed to meet again.\n\n## Annex" in cleaned


def test_repeated_headings_away_from_page_breaks_are_kept():
    text = "Recommendations\n\nFirst part.\n\nRecommendations\n\nSecond part.\n\nRecommendations\n\nThird part."
    assert remove_text_banners(text) == text
    assert clean_plain_text(text).count("Recommendations") == 3


def test_page_tops_that_differ_are_not_banners():
    text = "Chapter one\nText one.\n\n\n\nChapter two\nText two.\n\n\n\nChapter three\nText three."
    cleaned = remove_text_banners(text)
    assert all(f"Chapter {n}" in cleaned for n in ("one", "two", "three"))


def test_page_number_footers_repeat_with_digits_normalised():
    pages = [["Body text one.", "Page 1 of 3"], ["Body text two.", "Page 2 of 3"], ["Body text three.", "Page 3 of 3"]]
    cleaned, removed = remove_running_banners(pages, zone=2)
    assert cleaned == [["Body text one."], ["Body text two."], ["Body text three."]]
    assert removed == [True, True]


def test_running_header_with_page_number_is_not_kept_as_letterhead():
    pages = [["Annual Report - page 1", "Body one."], ["Annual Report - page 2", "Body two."]]
    cleaned, _ = remove_running_banners(pages, zone=2)
    assert cleaned == [["Body one."], ["Body two."]]


def test_banner_on_fewer_than_half_the_pages_is_kept():
    pages = [["Note", "a."], ["Note", "b."], ["c."], ["d."], ["e."], ["f."]]
    cleaned, removed = remove_running_banners(pages, zone=2)
    assert cleaned == pages
    assert not any(removed)


def test_form_feed_page_breaks_in_text_files():
    text = "Statement header\nThe Members agreed that the regional response should be\fStatement header\nstrengthened further.\fStatement header\nEnd."
    cleaned = clean_plain_text(text)
    assert cleaned == "Statement header\nThe Members agreed that the regional response should be strengthened further.\n\nEnd."


@pytest.mark.parametrize(
    ("before", "after", "mend"),
    [
        ("corruption challenges as key", "enabling factors, and highlighted", True),
        ("drawing on the 2022 joint TFPP-DWP Tabletop", "Exercise. This was followed", True),
        ("The meeting ended.", "Next item", False),
        ("## Regional Event", "The Regional Event supported", False),
        ("Outcomes", "Members agreed", False),
        ("Outcomes of the", "meeting", True),
        ("4. Sustainable returns and reintegration", "TFPP and WG-D co-chairs shared insights", False),
        ("a long paragraph that ends without any punctuation at all", "• a bullet", False),
        ("a long paragraph that ends without any punctuation at all", "## Heading", False),
        ("", "anything", False),
    ],
)
def test_can_mend(before, after, mend):
    assert can_mend(before, after) is mend


# --- plain headings --------------------------------------------------------------------------


def test_find_plain_headings_needs_body_text_or_a_list_after_the_line():
    text = "Title Of Paper\nSubtitle line\nThe way forward\nMembers agreed.\n\nObjectives\n• one\nSigned\nAuthor Name"
    sections = find_plain_headings(text)
    assert [s.title for s in sections] == ["The way forward", "Objectives"]
    for s in sections:
        assert text[s.start :].startswith(s.title)


# --- assembly --------------------------------------------------------------------------------


def test_assembler_records_offsets_into_the_final_text():
    a = TextAssembler()
    a.add_block("Main  Title\n", kind="heading", level=1)
    a.add_block("  \n\n")  # nothing: skipped without a separator
    a.add_block("First paragraph.\n\n\n\nStill first.")
    a.add_block("Sub", kind="heading", level=2)
    a.add_block("• one", kind="item")
    a.add_block("• two", kind="item")
    a.end_group()
    a.add_block("1. again", kind="item")
    a.add_block("A | B", kind="row")
    a.add_block("1 | 2", kind="row")
    built = a.build()
    assert built.text == (
        "Main Title\n\nFirst paragraph.\n\nStill first.\n\nSub\n\n• one\n• two\n\n1. again\n\nA | B\n1 | 2"
    )
    assert [(s.title, s.level) for s in built.sections] == [("Main Title", 1), ("Sub", 2)]
    for s in built.sections:
        assert built.text[s.start :].startswith(s.title)


def test_assembler_page_starts_skip_empty_pages():
    a = TextAssembler()
    a.start_page()
    a.add_block("Page one.")
    a.start_page()  # an empty page
    a.start_page()
    a.add_block("continues here", separator=" ")
    a.start_page()
    built = a.build()
    assert built.text == "Page one. continues here"
    assert built.page_starts == (0, 10, 10, len(built.text))
    doc = Document("d", "d.pdf", "T", built.text, page_starts=built.page_starts)
    assert doc.page_at(0) == 1
    assert doc.page_at(10) == 3
    assert doc.page_at(len(built.text) - 1) == 3


def test_clean_pdf_pages_removes_running_lines_mends_and_keeps_page_offsets():
    pages = [
        "Bali Process Co-Chairs' Statement\nCo-Chairs' Statement\nMinisters agreed that the regional response to irregular\nmigration should be strengthened through closer cooperation and\nPage 1",
        "Bali Process Co-Chairs' Statement\nshared responsibility among members.\nThe Way Forward\nMembers will meet again.\nPage 2",
        "Bali Process Co-Chairs' Statement\n\nAnnex A lists the participants.\nPage 3",
    ]
    built = clean_pdf_pages(pages)
    assert built.text.count("Bali Process Co-Chairs' Statement") == 1  # the first page's letterhead
    assert "Page " not in built.text
    assert "closer cooperation and shared responsibility among members." in built.text
    assert "Ministers agreed that the regional response to irregular migration should be" in built.text
    assert len(built.page_starts) == 3
    assert built.text[built.page_starts[1] :].startswith("shared responsibility")
    assert built.text[built.page_starts[2] :].startswith("Annex A")
    assert built.text[built.page_starts[1] - 1] == " "
    assert [s.title for s in built.sections] == ["Co-Chairs' Statement", "The Way Forward"]


FRAGMENTS = [
    "• A bullet point about cooperation", "– a dash item", "1. Numbered item", "II. Roman item",
    "The Bali Process", "Thank You", "and the members of", "(April 2013)", "agreed to meet.",
    "including by:", "UNODC), 29 observers (including", "TFPP-", "DWP exercise", ")", "\"", "•", "",
    "Regional Support Office (RSO) and the International Organization for Migration", "of the",
    "Established in 2002 following first Regional Ministerial", "Conference in Bali", "x" * 300,
]


@pytest.mark.parametrize("seed", range(40))
def test_cleaning_random_lines_keeps_every_character_that_is_not_whitespace(seed):
    rng = random.Random(seed)
    raw = "\n".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40)))
    raw = re.sub(r"\n{3,}", "\n\n", raw)  # page breaks (2+ blank lines) may drop banners: not here
    cleaned = clean_plain_text(raw)
    assert "".join(cleaned.split()) == "".join(raw.split())
    assert cleaned == cleaned.strip() and "\n\n\n" not in cleaned
