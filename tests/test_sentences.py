import random

from qa.ingest.sentences import answer_sentence_spans, is_section_heading, paragraphs, reflowed, split_sentences


def texts(text):
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_splits_on_terminal_punctuation():
    assert texts("One thing happened. Then another! Did it? Yes.") == [
        "One thing happened.",
        "Then another!",
        "Did it?",
        "Yes.",
    ]


def test_keeps_abbreviations_initials_and_acronyms_inside_a_sentence():
    text = "Forces of the U.S. and Dr. Smith met George W. Bush, e.g. in March. It ended."
    assert texts(text) == ["Forces of the U.S. and Dr. Smith met George W. Bush, e.g. in March.", "It ended."]


def test_non_breaking_spaces_after_a_full_stop_end_a_sentence():
    assert texts("It held territory.\xa0The group adapted.") == ["It held territory.", "The group adapted."]


def test_paragraphs_and_headings():
    text = "Origins and History\n\nThe group formed in 2015. It grew.\n\nIdeology\n\nIt is radical."
    sentences = split_sentences(text)
    assert [text[s.start : s.end] for s in sentences] == [
        "Origins and History",
        "The group formed in 2015.",
        "It grew.",
        "Ideology",
        "It is radical.",
    ]
    assert [s.heading for s in sentences] == [True, False, False, True, False]
    assert [s.paragraph for s in sentences] == [0, 1, 1, 2, 3]


def test_soft_wrapped_lines_join_but_list_items_stay_apart():
    text = "This sentence is wrapped across two lines because the\nauthor used a narrow editor window.\n- first item\n- second item"
    assert texts(text) == [
        "This sentence is wrapped across two lines because the\nauthor used a narrow editor window.",
        "- first item",
        "- second item",
    ]


def test_every_non_space_character_is_in_exactly_one_sentence():
    text = "  Title\n\nA first. A second...  And (a third).\nline\n\n\n  last words"
    covered = [False] * len(text)
    for s in split_sentences(text):
        for i in range(s.start, s.end):
            assert not covered[i]
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_answer_sentences_leave_out_headings_and_questions():
    text = "What should be done?\n\nCoordination among services has improved a lot. Origins"
    spans = answer_sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Coordination among services has improved a lot."]


def test_a_table_row_or_definition_answers_though_it_has_no_full_stop():
    text = (
        "The following files are kept in /etc.\n\n"
        "Files\n\n"
        "The files of this directory include:\n"
        "motd  Post-login message of the day file\n"
        "mtab  Status information about mounted filesystems\n"
        "Which file holds the message of the day?\n"
        "See also"
    )
    assert [text[s:e] for s, e in answer_sentence_spans(text)] == [
        "The following files are kept in /etc.",
        "motd  Post-login message of the day file",
        "mtab  Status information about mounted filesystems",
    ]


def test_answer_sentences_fall_back_to_what_there_is():
    text = "Popular posts from this blog\n\nGeopolitical Forecast For 2025"
    assert [text[s:e] for s, e in answer_sentence_spans(text)] == [
        "Popular posts from this blog",
        "Geopolitical Forecast For 2025",
    ]


def test_a_list_item_wrapped_onto_the_next_line_is_one_sentence():
    text = (
        "• developers-reference - the Debian Developer's Reference (http://www.debian.org/doc/devref) describes\n"
        "all matters not specifically about the technical details of packaging.\n"
        "• quilt - manages patches\n"
        "The following is important."
    )
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences[0].startswith("• developers-reference") and sentences[0].endswith("details of packaging.")
    assert sentences[1:] == ["• quilt - manages patches", "The following is important."]


def test_a_definition_term_on_its_own_line_goes_with_the_description_under_it():
    # As a PDF draws a manual's list of return values: the term is not the end of the line before it.
    text = (
        "BZ_DATA_ERROR\n"
        "if a data integrity error was detected in the compressed data\n"
        "BZ_DATA_ERROR_MAGIC\n"
        "if the compressed data doesn't begin with the right magic bytes\n"
        "BZ_OK\n"
        "otherwise"
    )
    assert texts(text) == [
        "BZ_DATA_ERROR\nif a data integrity error was detected in the compressed data",
        "BZ_DATA_ERROR_MAGIC\nif the compressed data doesn't begin with the right magic bytes",
        "BZ_OK",
        "otherwise",
    ]
    # A list of names stays a list: a lower-case line of one name is no description.
    assert texts("Commands\nls\ncat\ngrep") == ["Commands", "ls", "cat", "grep"]


def test_a_numbered_section_heading_inside_a_pdf_page_is_no_answer():
    text = (
        "3.5. /boot : Static files of the boot loader\n"
        "3.5.1. Purpose\n"
        "This directory contains everything required for the boot process."
    )
    assert texts(text)[:2] == ["3.5. /boot : Static files of the boot loader", "3.5.1. Purpose"]
    # Nor is the prose under a heading long enough to look wrapped part of it.
    assert texts("1.2.1 Solving linear systems over Z with zsolve\nIn this example you learn about zsolve.") == [
        "1.2.1 Solving linear systems over Z with zsolve", "In this example you learn about zsolve."
    ]
    assert [text[s:e] for s, e in answer_sentence_spans(text)] == ["This directory contains everything required for the boot process."]
    # A numbered list item still answers: one level of numbering is no section.
    assert not is_section_heading("2. Run the build script once more")


def test_a_number_opening_a_heading_or_a_list_item_is_not_a_sentence_of_its_own():
    text = "3. Running your program under Memcheck\n\nIf you run it like this, use valgrind.\n1. Install valgrind.\n2. Run the build script once more"
    assert texts(text) == [
        "3. Running your program under Memcheck", "If you run it like this, use valgrind.", "1. Install valgrind.", "2. Run the build script once more"
    ]
    # The heading is no answer; the list item is one.
    assert [text[s:e] for s, e in answer_sentence_spans(text)] == ["If you run it like this, use valgrind.", "2. Run the build script once more"]
    assert texts("It grew to 3. Then it shrank.") == ["It grew to 3.", "Then it shrank."]


def test_reflowing_joins_wrapped_prose_and_keeps_code_lines_and_the_length():
    prose = "This is a long line of prose a page wrapped because it ran out of room for\nthe rest of it."
    code = "fn main() {\n    let s = \"foo\";\n}\n#![allow(unused)] // lets an unused item be, as every example here does\nfn f() {}"
    assert reflowed(prose) == prose.replace("\n", " ")
    assert reflowed(code) == code
    assert len(reflowed(prose + "\n\n" + code)) == len(prose + "\n\n" + code)


def _paragraphs_of_sentences(text):
    """(start, end, heading) per paragraph, grouped from split_sentences: what `paragraphs` must equal."""
    grouped = []
    for sentence in split_sentences(text):
        if grouped and sentence.paragraph == len(grouped) - 1:
            grouped[-1] = (grouped[-1][0], sentence.end, grouped[-1][2])
        else:
            grouped.append((sentence.start, sentence.end, sentence.heading))
    return grouped


def test_paragraphs_are_those_of_the_sentences():
    rng = random.Random(18)
    pieces = ["Word", "word", "U.S.", "e.g.", "Dr.", ". ", "? ", "! ", "\n", "\n\n", " \n \n", "\t", " ", "# ", "- ",
              "1) ", "\ufeff", "\u2026", '"', ")", ":", "Short Title", "A heading line", "x" * 3]
    texts = ["", "\n\n", "Title\n\nFirst paragraph. Second sentence.\n\nNext Part\n\nMore text here."]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    for text in texts:
        assert paragraphs(text) == _paragraphs_of_sentences(text), repr(text)


def test_a_manual_pages_option_and_the_description_hanging_under_it_are_one_sentence():
    page = (
        "       -c, --count\n"
        "              Suppress normal output; instead print a count of matching lines.\n"
        "       -n, --line-number\n"
        "              Prefix each line of output with the 1-based line number.\n"
        "     -J destination\n"
        "\t     Connect to the target host by first making a ssh connection.\n"
    )
    found = [" ".join(page[s.start : s.end].split()) for s in split_sentences(page)]
    assert "-n, --line-number Prefix each line of output with the 1-based line number." in found
    assert "-J destination Connect to the target host by first making a ssh connection." in found
    assert "-c, --count Suppress normal output; instead print a count of matching lines." in found
    # Not an option: a description's own line that happens to start with a dash, or a flush line.
    assert len(split_sentences("Use it so.\n-5 degrees is cold here.\nIt is.\n")) == 3


def test_a_justified_line_of_few_words_runs_on_into_the_next_when_that_goes_on_in_lower_case():
    # screen's FAQ justifies its text: seven words spread over a full line are not a heading.
    text = (
        "A:   Screen  always   interprets   control-sequences   sent   by   the\n"
        "     applications   and  translates/optimizes  them  for  the  current\n"
        "     terminal type.  Screen always  parses  the  user  input.\n"
    )
    found = [" ".join(text[s.start : s.end].split()) for s in split_sentences(text)]
    assert found[0].endswith("for the current terminal type.") and len(found) == 2
    assert len(split_sentences("A Short Title Of Five\nwhat follows in lower case.\n")) == 2  # a short line still stands apart


def test_a_chunk_starting_mid_line_reads_its_first_line_whole():
    # The chunk starts at "Mutt will..."; its line began 'from "no" (that's the default).  '.
    chunk = "Mutt will then try to use\napplication/pgp wherever it makes sense.  In particular, it does not.\n"
    alone = [chunk[a:b] for a, b in answer_sentence_spans(chunk)]
    assert alone[0] == "Mutt will then try to use"  # six words: a short line standing apart
    read = [chunk[a:b] for a, b in answer_sentence_spans(chunk, "from \"no\" (that's the default).  ")]
    assert read[0] == "Mutt will then try to use\napplication/pgp wherever it makes sense."


def test_a_commands_synopsis_names_its_options_and_answers_nothing():
    from qa.ingest.sentences import is_statement

    synopsis = "privoxy [--chroot ] [--config-test ] [--pidfile pidfile ] [--user user[.group] ] [configfile ]"
    text = f"{synopsis}\nIf no --pidfile option is given, no PID file will be used."
    assert [text[a:b] for a, b in answer_sentence_spans(text)] == ["If no --pidfile option is given, no PID file will be used."]
    assert not is_statement(synopsis)
    assert is_statement("Use tput [-x] to keep the scrollback buffer.")  # one option in brackets is a mention
