"""What of a PDF page is layout, not what it says: headings placed where their number starts,
running headers that name the section, tables of contents and footnotes (issue 12)."""

from qa.config import ChunkerParams
from qa.ingest.chunker import chunk_document
from qa.ingest.loader import load_corpus
from tests.documents import MANUAL_SECTIONS, write_manual_pdf
from tests.fakes import FakeCounter

PARAMS = ChunkerParams(max_tokens=96, overlap_tokens=24)


def manual(tmp_path):
    write_manual_pdf(tmp_path / "manual.pdf")
    [document] = load_corpus(tmp_path).documents
    return document, chunk_document(document, FakeCounter(), PARAMS)


def test_a_numbered_heading_begins_at_its_number_and_its_section_starts_a_chunk(tmp_path):
    # The bookmarks say "How to report a bug", the page "1.3 How to report a bug": placed on
    # the title's words, the heading began after "1.3 ", inside the line the chunker cuts
    # before, so the section's first chunk carried the previous section's heading path.
    document, chunks = manual(tmp_path)
    for number, title, sentence in MANUAL_SECTIONS:
        [heading] = [h for h in document.headings if h.title == title]
        assert document.text[heading.start :].startswith(f"{number} {title}\n")
        [first] = [c for c in chunks if sentence in c.text]
        assert first.text.startswith(f"{number} {title}")
        assert first.heading_path == f"Getting started with the scheduler > {title}"


def test_a_running_header_naming_the_chapter_and_section_stays_out_of_passages(tmp_path):
    # "CHAPTER 1. GETTING STARTED WITH THE ... 1.3. HOW TO REPORT..." differs on every page:
    # no repetition finds it, the bookmarks it names do.
    document, chunks = manual(tmp_path)
    for page in (3, 4, 5):
        assert document.page_text(page).startswith("CHAPTER 1. GETTING STARTED WITH THE ...")  # `qa show` keeps it
    assert not [c for c in chunks if "CHAPTER" in c.text]
    for chunk in chunks:
        assert document.page_text(chunk.page)[chunk.char_start : chunk.char_end] == chunk.text


def _headings_by_page(pages, headings):
    """Headings given as (page index, offset, level, title), as the chunker passes them: per page, up to its end."""
    from qa.records import Heading

    return [
        tuple(Heading(offset - sum(len(p) + 1 for p in pages[page:n]), level, title) for page, offset, level, title in headings if page <= n)
        for n in range(len(pages))
    ]


def test_an_edge_line_is_a_header_when_it_only_names_headings_in_force():
    from qa.ingest.page_furniture import furniture_spans

    def body(n):
        subject = ("mirrors", "pools", "suites", "queues", "keys")[n - 1]
        return f"The {subject} are described here in some detail.\nEach of the {subject} has its own rules."

    pages = [
        "Chapter 6\nThe Debian archives\n" + body(1) + "\n6.7 What are all those directories at the Debian archives?\n" + body(1) + "\n21",
        "CHAPTER 6. THE DEBIAN ARCHIVES 6.7. WHAT ARE ALL THOSE DIRECTORIES AT …\n" + body(2) + "\n22",
        "CHAPTER 6. THE DEBIAN ARCHIVES 6.8. WHAT ARE ALL THOSE DIRECTORIES INSIDE…\n6.8 What are all those directories inside dists/stable/main?\n" + body(3) + "\n23",
        # A heading at a page's top whose words begin like a section's before it: not a header.
        "6.9 What are all those directories at the mirrors?\n" + body(4) + "\n24",
        # A sentence that happens to open with a chapter's title: not a header either.
        "The Debian archives are mirrored.\n" + body(5) + "\n25",
    ]
    first = pages[0]
    headings = [
        (0, 0, 1, "The Debian archives"),
        (0, first.index("6.7"), 2, "What are all those directories at the Debian archives?"),
        (2, pages[2].index("6.8"), 2, "What are all those directories inside dists/stable/main?"),
        (3, 0, 2, "What are all those directories at the mirrors?"),
    ]
    spans = furniture_spans(pages, _headings_by_page(pages, headings))
    named = [[page[a:b] for a, b in on_page] for page, on_page in zip(pages, spans)]
    assert named[1] == [pages[1].split("\n")[0], "22"]
    assert named[2] == [pages[2].split("\n")[0], "23"]  # naming the section that starts below it
    assert named[3] == ["24"] and named[4] == ["25"]
    assert named[0] == ["21"]  # the chapter's own opening lines are its heading, not a header
    assert furniture_spans(pages)[1] == ((len(pages[1]) - 2, len(pages[1])),)  # without headings: only the page number

def test_a_table_of_contents_gives_no_passage_and_qa_show_still_prints_it(tmp_path):
    document, chunks = manual(tmp_path)
    contents = document.page_text(1)
    assert "1.2 Where the scheduler keeps its jobs . . ." in contents
    # A contents entry holds a question's words and says only where the answer is.
    assert not [c for c in chunks if c.page == 1]
    assert not [c for c in chunks if ". . . ." in c.text]
    [answer] = [c for c in chunks if "Queued jobs are kept under the spool" in c.text]
    assert answer.page == 3


def test_contents_and_index_lines_are_found_with_their_wrapped_titles_chapters_and_letters():
    from qa.ingest.contents_lines import contents_spans

    contents = "\n".join(
        [
            "Table of Contents",
            "1 Definitions and overview 1",  # a chapter: no leader
            "1.1 What is this FAQ? . . . . . . . . . . . . . . . . . 1",
            "1.2 What is the difference between Debian and other distributions? Why",  # wrapped
            "should I choose Debian? . . . . . . . . . . . . . . . . 2",
            "1.3 From an administrator's point of view, which distribution requires attention? 3",
            "2 Getting and installing Debian 5",
            "2.1 What is the latest version? .................................. 5",
            "2.2 Where can I get the images? …………………… xi",
            "2.3 How do I install Debian from CD-ROMs? . . . . . . . . . . . . . . . . . . . .",
        ]
    )
    rest = "2.4 Can I install Debian from the Internet? . . . . . . . 6\nThe Installation\nThis chapter explains the installer in detail."
    index = "Index\n–\n-x Arduino . . . . . . . . 19\n-x AVR Dragon. . . . . . 19\nA\navrdude.conf. . . . . . . . 36\nC\nConfiguration File . . . 36\nT\nTerminal Mode . . . . . 30, 33"
    spans = contents_spans([contents, rest, index], [(), (), ()])
    assert [contents[a:b] for a, b in spans[0]] == contents.split("\n")
    # The page after carries the block on: its first entry, not the chapter that follows.
    assert [rest[a:b] for a, b in spans[1]] == ["2.4 Can I install Debian from the Internet? . . . . . . . 6"]
    assert [index[a:b] for a, b in spans[2]] == index.split("\n")


def test_text_with_a_few_dots_or_numbers_at_line_ends_is_not_a_table_of_contents():
    from qa.ingest.contents_lines import contents_spans

    pages = [
        # Sphinx prose: one line ends in "...." (a quoted sentence cut short).
        "More generally speaking, try to avoid referring to user actions.\nuse the active voice, like Enable this if ... instead of This can be enabled if....\nJust give facts.",
        # A hex dump: dots, but no page numbers, and not a block of entries.
        "avrdude> dump eeprom 0 16\n0000 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff |................|\navrdude> erase",
        # A table whose rows end in numbers.
        "Decimal integer 12345 1, 2, 4, or 8\nOctal integer 012345 1, 2, 4, or 8\nSize in bytes 4\nCount of items 12\nDays in the week 7",
        # A line ending in a word that reads as a Roman numeral ("did", "mix") is no entry.
        "Which option did you pick? The one you did\nand the second . . . . . . . . . 4\nthe third . . . . . . . . . . 5\nthe fourth . . . . . . . . 6",
    ]
    spans = contents_spans(pages, [(), (), (), ()])
    assert spans[:3] == ((), (), ())
    assert [pages[3][a:b] for a, b in spans[3]][0] == "and the second . . . . . . . . . 4"


def test_a_footnote_is_a_passage_of_its_own_and_the_model_reads_it_without_its_number(tmp_path):
    from qa.index.indexer import _embedded_spans
    from qa.ingest.sentences import split_sentences
    from tests.documents import MANUAL_FOOTNOTE

    document, chunks = manual(tmp_path)
    page = document.page_text(3)
    assert f"job.1\n" in page and f"\n1{MANUAL_FOOTNOTE}" in page  # as PDFium reads a superscript
    [note] = [c for c in chunks if MANUAL_FOOTNOTE in c.text]
    assert note.text == f"1{MANUAL_FOOTNOTE}" == page[note.char_start : note.char_end]
    assert note.embedded_text.endswith(f" {MANUAL_FOOTNOTE}") and f"1{MANUAL_FOOTNOTE[:3]}" not in note.embedded_text
    assert not [c for c in chunks if c is not note and MANUAL_FOOTNOTE[:20] in c.text]  # the running text's chunks end before it
    # Sentence vectors pool the model's reading of each sentence: the spans still line up.
    spans = [(s.start, s.end) for s in split_sentences(note.text)]
    read = note.embedded_text
    assert [read[a:b] for a, b in _embedded_spans(note, spans)] == [" " + note.text[1:]]


def test_footnotes_are_numbered_lines_at_the_foot_referred_to_above():
    from qa.ingest.footnotes import page_footnotes

    latex = (
        "You must choose the package name to consist only of lower case letters.\n"
        "It must be at least two characters long and start with an alphanumeric character.\n"
        "It is a good idea to keep its length within 30 characters. 11\n"
        "It must start with a digit (0-9). 12 Keep its length within 8 characters if possible. 1\u00b3\n"
        "11The default package name field length of aptitude is 30.\n"
        "12If you follow the Developer's Reference, the ITP\nprocess will usually catch this kind of issue.\n"
        "1\u00b3The default version field length of aptitude is 10.\n"
        "11 / 57"
    )
    fop = "Unshareable files are those that are not shareable.10\nThe rest of the page says more.\n10 A description of the conventions can be found in the documentation."
    found = page_footnotes([latex, fop], [((len(latex) - 7, len(latex)),), ()], [[], []])
    assert latex[found[0].start :].startswith("11The default")
    assert [latex[a:b] for a, b in found[0].numbers] == ["11", "12", "1\u00b3"]
    assert fop[found[1].start :].startswith("10 A description") and [fop[a:b] for a, b in found[1].numbers] == ["10"]


def test_numbered_lines_that_are_not_footnotes_are_left_alone():
    from qa.ingest.footnotes import page_footnotes

    pages = [
        # A pin table: numbered rows, no sentence.
        "Use the following pin mapping, see 1 and 2:\nAVRISP Target ATtiny\n1 (SDI) TPIDATA 1\n2 (VTref) Vcc 5\n3 (SCK) TPICLK 3",
        # A chapter heading at the foot of a page (its bookmark starts there).
        "This release was last updated in 2021, see 2 below.\n2 Keeping Free Software Free\nThis chapter discusses how GNU software avoids legal difficulties.",
        # Zero is no note's number; "20th" is an ordinal.
        "The test returns 0 or 20 as it should.\n0 if the string matches the pattern.\n20th century software is described here.",
        # A note number nothing above refers to.
        "The text above says nothing of notes.\n7 Several methods of patch maintenance are in use.",
    ]
    chapter = pages[1].index("2 Keeping")
    assert page_footnotes(pages, [(), (), (), ()], [[], [chapter], [], []]) == (None, None, None, None)


def test_rows_that_differ_only_in_numbers_inside_words_are_not_a_running_footer():
    from qa.ingest.page_furniture import furniture_spans

    # avrdude's part list runs over pages; "t24 ATtiny24" and "t85 ATtiny85" read alike only
    # when digits inside words count as page numbers.
    parts = [("t24", "ATtiny24"), ("t25", "ATtiny25"), ("t84", "ATtiny84"), ("t85", "ATtiny85"), ("t861", "ATtiny861")]
    said = ("Parts go by short names.", "Each name is case blind.", "Old parts are kept.", "New ones come first.", "The list ends here.")
    pages = [f"Chapter 2: Command Line Options {n}\n{s}\n{short} {name}" for n, s, (short, name) in zip(range(6, 11), said, parts)]
    assert [[page[a:b] for a, b in spans] for page, spans in zip(pages, furniture_spans(pages))] == [
        [page.split("\n")[0]] for page in pages
    ]


def test_contents_without_leaders_are_found_by_the_headings_they_list():
    from qa.ingest.contents_lines import contents_spans

    titles = [
        "I just upgraded, and …",
        "My UPS driver now says it's broken, and won't start. What now?",
        "Which UPS should I buy?",
        "I have an APC Smart-UPS connected with a grey APC serial cable and it won't work.",
        "Why isn't upssched part of upsmon?",
    ]
    contents = (
        "Contents\n1 I just upgraded, and . . . 1\n2 My UPS driver now says it’s broken, and won’t start. What now? 1\n"
        "7 Which UPS should I buy? 2\n8 I have an APC Smart-UPS connected with a grey APC serial cable and it won’t\n"
        "work. 2\n10 Why isn’t upssched part of upsmon? 3"
    )
    [found] = contents_spans([contents], [()], titles)
    assert [contents[a:b] for a, b in found] == contents.split("\n")
    # The same headings in the text they open: no page numbers after them (one line that
    # happens to end in a number is no block).
    text = "7 Which UPS should I buy?\nOne that works.\n10 Why isn’t upssched part of upsmon? 3\nIt used to be.\n2 My UPS driver now says it’s broken, and won’t start. What now?"
    assert contents_spans([text], [()], titles) == ((),)
    assert contents_spans([contents], [()]) == ((),)  # without the headings, nothing tells these lines from text
    # The chunker's one question about a page passes the document's headings on.
    from qa.ingest.page_layout import page_layouts
    from qa.records import Heading

    [layout] = page_layouts([contents], [tuple(Heading(len(contents), 1, title) for title in titles)])
    assert layout.left_out == found
