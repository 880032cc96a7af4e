import pytest

from qa.errors import CorpusError
from qa.ingest.loader import load_corpus


def test_reads_txt_and_md_recursively_with_titles_and_relative_ids(tmp_path):
    (tmp_path / "a.txt").write_text("\n\n  First Line Title  \nbody text\n", encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b.md").write_text("intro line\n\n## The Heading ##\ntext\n", encoding="utf-8")
    (tmp_path / "ignored.xlsx").write_bytes(b"PK")  # a type qa does not read
    scan = load_corpus(tmp_path)
    assert [(d.doc_id, d.title) for d in scan.documents] == [
        ("a.txt", "First Line Title"),
        ("sub/deeper/b.md", "The Heading"),
    ]
    assert scan.skipped == ()


def test_text_matches_what_open_returns_including_crlf(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Title\r\nLine two\rLine three\r\n")
    [doc] = load_corpus(tmp_path).documents
    assert doc.text == open(path, encoding="utf-8").read()


def test_unreadable_files_are_skipped_with_reasons_and_the_rest_indexes(tmp_path):
    (tmp_path / "good.txt").write_text("Good\n", encoding="utf-8")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "controls.txt").write_bytes(bytes(range(1, 32)) * 10 + b"text")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    scan = load_corpus(tmp_path)
    assert [d.doc_id for d in scan.documents] == ["good.txt"]
    reasons = {s.doc_id: s.reason for s in scan.skipped}
    assert reasons == {
        "empty.md": "empty file",
        "binary.txt": "binary content (NUL bytes) in a text file",
        "controls.txt": "binary content (control bytes) in a text file",
        "dangling.txt": "cannot read: No such file or directory",
    }


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("café crème brûlée\r\nsecond line".encode("latin-1"), "latin-1"),
        ("It’s “quoted” – and costs €5".encode("cp1252"), "cp1252"),
        ("Title\r\nUTF-16 with a mark: Grüße".encode("utf-16"), "utf-16"),
        ("UTF-16 without a mark".encode("utf-16-le"), "utf-16-le"),
        ("\ufeffUTF-8 with a mark".encode("utf-8"), "utf-8"),
    ],
)
def test_other_encodings_are_decoded_as_open_would_with_the_encoding_recorded(tmp_path, raw, encoding):
    path = tmp_path / "doc.txt"
    path.write_bytes(raw)
    [doc] = load_corpus(tmp_path).documents
    assert doc.encoding == encoding
    with open(path, encoding=doc.encoding) as handle:
        assert doc.text == handle.read()


def test_a_file_over_the_size_limit_is_skipped_before_it_is_read(tmp_path):
    (tmp_path / "small.txt").write_text("Small\n", encoding="utf-8")
    with open(tmp_path / "huge.txt", "wb") as handle:
        handle.truncate(50_000_000)  # 50 MB, sparse: the limit is checked on the size, not by reading
    scan = load_corpus(tmp_path, max_bytes=32_000_000)
    assert [d.doc_id for d in scan.documents] == ["small.txt"]
    assert scan.skipped[0].reason == "50 MB, over the 32 MB limit (set QA_MAX_FILE_MB to index it)"


def test_missing_folder_names_the_folder_and_the_fix(tmp_path):
    with pytest.raises(CorpusError, match=r"does not exist: pass --corpus"):
        load_corpus(tmp_path / "nope")


def test_folder_without_documents_says_so_and_what_it_has(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"")
    (tmp_path / "y.doc").write_bytes(b"")  # old binary Word: not read (.docx is)
    with pytest.raises(CorpusError, match=r"has no \.txt, \.md, \.pdf or \.html files \(it has \.doc, \.xlsx files\): add"):
        load_corpus(tmp_path)


def test_an_empty_folder_says_so(tmp_path):
    with pytest.raises(CorpusError, match=r"has no \.txt, \.md, \.pdf or \.html files \(it is empty\)"):
        load_corpus(tmp_path)


def test_a_pdf_without_a_title_is_named_by_its_first_page_else_by_its_file_name():
    from qa.ingest.titles import pdf_title

    assert pdf_title("", ("GNU Coding Standards\nRichard Stallman, et al.", "Contents")) == "GNU Coding Standards"
    # The title page is an image: the next page's "REVISION HISTORY" is front matter, not the title.
    assert pdf_title(None, ("", "ii\nREVISION HISTORY\nNUMBER DATE DESCRIPTION NAME")) == ""
    assert pdf_title("Debian Developer's Reference", ("Cover",)) == "Debian Developer's Reference"


def test_a_text_file_is_titled_by_the_opening_line_it_is_named_after(tmp_path):
    # A page saved as text that opens with a teaser of another article (the default corpus does).
    from qa.ingest.titles import plain_text_title

    text = (
        "Humanitarian Rhetoric, Strategic Interests, and the Politics of Contradiction\n\nImage\n"
        "The Israel-Gaza conflict serves as a lens through which diplomacy is revealed.\n\n"
        "A Shadow Caliphate: The Enduring Threat of the Islamic State Khorasan Province\n\nThe global struggle...\n"
    )
    assert plain_text_title(text, "shadow-caliphate-islamic-state-khorasan").startswith("A Shadow Caliphate")
    assert plain_text_title(text, "notes").startswith("Humanitarian Rhetoric")  # a name of one word names no line
    assert plain_text_title(text).startswith("Humanitarian Rhetoric")


def test_a_plain_text_is_never_titled_by_its_mode_line_or_copyright_and_its_underlined_heading_is_its_title(tmp_path):
    from qa.ingest.titles import plain_text_title

    assert plain_text_title("                -*- text -*-\nGNU Wget\n========\n\nWget fetches files.\n") == "GNU Wget"
    assert plain_text_title("Copyright 1991, 2007 Free Software Foundation, Inc.\n\nThe GNU MP Library\n") == "The GNU MP Library"
    assert plain_text_title("(C) 2020 Someone\nA Tool\n") == "A Tool"
    (tmp_path / "README").write_text("\nRelease notes for Valgrind\n~~~~~~~~~~~~~~~~~~~~~~~~~~\nIf you are building it, read on.\n\n"
                                      "Documentation\n~~~~~~~~~~~~~\nA comprehensive manual is in docs/.\n", encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert document.title == "Release notes for Valgrind" and [h.title for h in document.headings][1:] == ["Documentation"]


def _struck(line: str, how: str) -> str:
    """A line as nroff sets it in bold: each character struck twice, with ("\\b") or without the backspace."""
    return "".join(ch if ch == " " else ch + how + ch for ch in line)


@pytest.mark.parametrize("how", ["\b", ""])
def test_a_plain_text_typeset_for_a_terminal_is_read_as_it_shows_with_its_bold_lines_as_headings(tmp_path, how):
    from qa.ingest.loader import is_supported

    body = "When a spammer sends mail with forged sender addresses, innocent sites are flooded with bounces."
    text = (
        f"{_struck('Postfix Backscatter Howto', how)}\n\n----------\n\n{_struck('Overview', how)}\n\n"
        f"This document describes features of Postfix 2.0 and later.\n\n{_struck('What is backscatter mail?', how)}\n\n"
        f"{body} This is called {'_' + chr(8) + 'b' if how else 'b'}ackscatter mail.\n"
    )
    (tmp_path / "BACKSCATTER_README").write_text(text, encoding="utf-8")
    assert is_supported("BACKSCATTER_README") and is_supported("FAQ") and not is_supported("TLS_README.gz")
    [document] = load_corpus(tmp_path).documents
    assert document.kind == "typeset" and "\b" not in document.text and document.title == "Postfix Backscatter Howto"
    assert "This is called backscatter mail." in document.text  # underlined by "_\b" too
    assert [h.title for h in document.headings] == ["Overview", "What is backscatter mail?"]
    assert all(document.text[h.start :].startswith(h.title) for h in document.headings)


def test_stray_control_bytes_still_make_a_file_binary_and_a_doubled_word_alone_is_just_a_word(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x08\x08\x08\x01\x02 not text \x08\x08\x08")
    (tmp_path / "hex.txt").write_text("Colours\n\nThe mask is aabbccdd and the key\n\naabbccddeeff\n", encoding="utf-8")
    scan = load_corpus(tmp_path)
    [hex_file] = scan.documents
    assert hex_file.kind == "text" and "aabbccddeeff" in hex_file.text
    assert [s.doc_id for s in scan.skipped] == ["binary.txt"]


def test_initials_and_a_date_are_no_title(tmp_path):
    text = "                                jw  21.10.93\n\n   screen: frequently asked questions -- known problems\n=-=-=-=-\n\nQ: Why?\n"
    (tmp_path / "screen-FAQ").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert document.title == "screen: frequently asked questions -- known problems"


def test_a_title_pages_lone_name_leads_its_subtitle_and_a_readme_banner_names_the_project():
    from qa.ingest.titles import markdown_title, pdf_title

    # A Texinfo title page: the name alone on the first line, what it is under it.
    page = "Libtasn1\nAbstract Syntax Notation One (ASN.1) library for the GNU system\nfor version 4.19.0, 18 August 2022\n"
    assert pdf_title(None, (page,)) == "Libtasn1: Abstract Syntax Notation One (ASN.1) library for the GNU system"
    assert pdf_title(None, ("Contents\n1 Introduction . . . 3",)) == "1 Introduction . . . 3"  # front matter is no name
    # A README's HTML banner names the project above its badges and its first section.
    readme = (
        '<p align="center"><a href="https://example.org"><img src="logo.png" alt="HTTPX"></a></p>\n\n'
        '<p align="center"><strong>HTTPX</strong> <em>- A next-generation HTTP client for Python.</em></p>\n\n'
        "HTTPX is a fully featured HTTP client library.\n\n## Features\n\nMany.\n"
    )
    assert markdown_title(readme) == "HTTPX - A next-generation HTTP client for Python."
    assert markdown_title("# pypdf\n\n<b>not a banner: after the heading</b>\n") == "pypdf"


def test_setext_headings_are_headings_and_the_first_is_the_title():
    from qa.ingest.headings import markdown_headings
    from qa.ingest.titles import markdown_title

    text = (
        "python-tabulate\n===============\n\nPretty-print tabular data.\n\n"
        "Installation\n------------\n\nUse pip.\n\n"
        "A paragraph of prose\nthat runs over two lines\n---\n\n"  # prose over a rule: no heading
        "- a list item\n---\n\n"
        "```\ncode\n---\n```\n"
    )
    headings = markdown_headings(text)
    assert [(h.level, h.title) for h in headings] == [(1, "python-tabulate"), (2, "Installation")]
    assert text[headings[1].start :].startswith("Installation\n")
    assert markdown_title(text) == "python-tabulate"


def test_a_manual_page_typeset_as_pdf_is_titled_by_its_name_line_not_its_running_header():
    from qa.ingest.titles import pdf_title

    page = "BASH(1) General Commands Manual BASH(1)\nNAME\nbash - GNU Bourne-Again SHell\nSYNOPSIS\nbash [options]\n"
    assert pdf_title(None, (page,)) == "bash - GNU Bourne-Again SHell"
    assert pdf_title(None, ("BASH(1) General Commands Manual BASH(1)\nbash is a shell.",)) == "BASH(1) General Commands Manual BASH(1)"


def test_a_readme_whose_first_heading_is_one_of_its_sections_is_titled_by_what_names_the_project():
    from qa.ingest.titles import markdown_title

    prose = "is a library which aims to bring enjoyable logging in Python, and more.\n\n"
    sections = "## Installation\n\npip install it\n\n## Features\n\nMany.\n"
    # Loguru's README: a logo, a paragraph, then sections: "Installation" is no title.
    assert markdown_title('<img alt="Loguru logo" src="logo.png">\n\n**Loguru** ' + prose + sections) == "Loguru"
    # RapidFuzz's: an <h1> banner holding only the project's image.
    banner = '<h1 align="center">\n<img src="logo.svg" alt="RapidFuzz" width="400">\n</h1>\n\n'
    assert markdown_title(banner + "Fast matching " + prose + sections) == "RapidFuzz"
    # GitPython's: sections only, one of them named as the file (or its folder) is.
    assert markdown_title("[![ci](b.svg)](ci)\n\n## Gitoxide: A peek\n\nText.\n\n## GitPython\n\nIt is.\n", "gitpython-README") == "GitPython"
    # Rich's: no logo's name, the first paragraph opens with the project's.
    assert markdown_title("![Logo](logo.svg)\n\nRich " + prose + sections) == "Rich"
    # A title heading stays the title: alone at the top level, or a first "#" with no paragraph before it.
    assert markdown_title("# tool\n\nThe tool " + prose + sections) == "tool"
    assert markdown_title("# tool\n\nWords.\n\n# Installation\n\npip install it\n") == "tool"
    assert markdown_title("It " + prose + sections) == "Installation"  # nothing names it: as before


def test_a_plain_text_title_is_no_lead_in_list_item_section_number_or_address(tmp_path):
    from qa.ingest.titles import plain_text_title, reads_as_title

    assert not reads_as_title("NOTE:") and not reads_as_title("* Home")
    assert not reads_as_title("vberthoux@users.sourceforge.netFrequently Asked Questions")
    assert plain_text_title("     * Home\n     * FAQ\n\nFAQ\n\n   For the people who do not read the manual!\n") == "FAQ"
    assert plain_text_title("FAQ\n\n 1. Philosophy\n  1.1 What is cURL?\n") == "FAQ"  # curl's FAQ, not its first section
    # DOSBox's README: its boxed "NOTE:" heading is no title; its first line is.
    text = "DOSBox v0.74-3 Manual (always use the latest version)\n\n\n\n=====\nNOTE:\n=====\n\nWhile we are hoping.\n"
    (tmp_path / "dosbox-README.txt").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert document.title == "DOSBox v0.74-3 Manual (always use the latest version)"


def test_a_plain_text_title_is_no_sentence_and_no_line_of_a_wrapped_paragraph(tmp_path):
    from qa.ingest.titles import pdf_title, plain_text_title, reads_as_title

    # A sentence about the file or who made it names no document; a title ending in a full stop does.
    assert plain_text_title("Developed by ESN, an Electronic Arts Inc. studio.\n") == ""
    assert plain_text_title("Here is the latest version of this file.\n\nXTerm - Frequently Asked Questions\n") == (
        "XTerm - Frequently Asked Questions")
    assert plain_text_title("Nutrition and physical activity guidelines for cancer survivors.\n\nCancer survivors are...\n") == (
        "Nutrition and physical activity guidelines for cancer survivors.")  # a paper's title: SciFact's corpus
    assert not reads_as_title("All rights reserved.") and not reads_as_title("CVS is Copyright (C) 1989-2005 The FSF, Inc.")
    assert pdf_title("", ("https://www.littlecms.com\nCopyright © 2022 Marti Maria Saguer, all rights reserved.\nPlug-in API 2.14\n",)) == (
        "Plug-in API 2.14")
    assert plain_text_title("HTTPX - A next-generation HTTP client for Python.\n") == "HTTPX - A next-generation HTTP client for Python."
    assert plain_text_title("AVRDUDE: A program for AVR microcontroller flash and eeprom.\n").startswith("AVRDUDE:")
    assert plain_text_title("Installation notes.\n") == "Installation notes."  # short: a heading with a stop
    # A title page's name over what it is, a sentence, is the name and its subtitle.
    assert pdf_title(None, ("AVRDUDE\nA program for download/uploading AVR microcontroller flash and eeprom.\n",)) == (
        "AVRDUDE: A program for download/uploading AVR microcontroller flash and eeprom.")
    # Lines of a wrapped paragraph, its start and its end, are no title: CVS's FAQ opens with its licence.
    gpl = ("   CVS is Copyright (C) 1989-2005 The Free Software Foundation, Inc.\n\n"
           "   CVS is free software; you can redistribute it and/or modify\n   it under the terms of the GNU General Public License\n"
           "   any later version.\n\n")
    assert plain_text_title(gpl) == ""
    assert plain_text_title("Frequently Asked Questions\n\nCVS is free software; you can redistribute it\nunder the GPL.\n") == (
        "Frequently Asked Questions")
    simplejson = ("simplejson is dual-licensed software. It is available under the terms\nof the MIT license. This code is "
                  "also licensed to the Python Software Foundation (PSF) under a Contributor\nAgreement.\n\nMIT License\n")
    assert plain_text_title(simplejson) == ""  # "MIT License" is its first section's, not its title
    # Then the file name, made readable: a README's note after its name is part of it.
    (tmp_path / "ujson-licence.txt").write_text("Developed by ESN, an Electronic Arts Inc. studio.\nCopyright (c) 2014, "
                                                "Electronic Arts Inc.\nAll rights reserved.\n\nRedistribution and use in "
                                                "source and binary forms, with or without\nmodification, are permitted.\n",
                                                encoding="utf-8")
    (tmp_path / "README.SMIME").write_text("This file describes how to configure mutt to use S/MIME.\n", encoding="utf-8")
    assert {d.doc_id: d.title for d in load_corpus(tmp_path).documents} == {"README.SMIME": "README SMIME",
                                                                               "ujson-licence.txt": "Ujson licence"}
