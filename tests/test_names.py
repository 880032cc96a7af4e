"""Names a question uses that the corpus never mentions (qa.search.names), and what a reader sees."""

import math

from qa.analyzer import ENGLISH
from qa.search.names import missing_names, question_names, spelled_out_stems


class Vocabulary:
    """The one IndexReader method the check reads: IDF over chunks, unseen stems weighing most.
    An identifier's parts are words the corpus holds, as the index counts them (`with_parts`)."""

    def __init__(self, text: str) -> None:
        self.held = ENGLISH.with_parts(ENGLISH.stems(text))

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        return {stem: math.log(1 + 10 / (3.5 if stem in self.held else 0.5)) for stem in stems}


def _missing(question: str, corpus: str, passages: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The missing names as `gather` finds them: an acronym `passages` spell out is not unseen."""
    unseen = frozenset(stem for stem in ENGLISH.question_stems(question) if stem not in Vocabulary(corpus).held)
    unseen -= spelled_out_stems(ENGLISH, question, unseen, passages)
    return missing_names(Vocabulary(corpus), ENGLISH, question, unseen)


def test_a_name_is_a_word_written_as_one_not_a_sentences_first_word():
    assert question_names("Does libidn2 support internationalized email addresses with SMTPUTF8?") == ("libidn2", "SMTPUTF8")
    assert question_names("Which Debian release first made Wayland the default?") == ("Debian", "Wayland")
    assert question_names("How do I get fontconfig to load a WOFF2 web font?") == ("WOFF2",)
    # Written in capitals throughout, only a word with capitals or digits inside is one.
    assert question_names("How Do I Load A WOFF2 Font In Fontconfig?") == ("WOFF2",)
    assert question_names("Can aiofiles use io_uring on Linux?") == ("io_uring", "Linux")
    # A sentence's first word, two letters ("MB") and numbers are not names.
    assert question_names("Why could it not handle files over 512 MB? Where is it?") == ()


def test_a_question_naming_what_the_corpus_never_mentions_is_told_from_one_it_words_otherwise():
    corpus = "Libidn2 converts internationalized domain names. Email addresses hold domain names too. Pakistan borders Iran."
    assert _missing("Does libidn2 support internationalized email addresses with SMTPUTF8?", corpus) == ("SMTPUTF8",)
    assert _missing("Does Libidn2 convert domain names?", corpus) == ()
    # Another form of a word the corpus holds is no other thing: "Pakistani" of "Pakistan"...
    assert _missing("Why did the Pakistani defectors leave?", corpus) == ()
    # ...nor is a long name one letter off (a misspelling), but a short one is another name.
    assert _missing("Does Libidnn2 convert domain names?", corpus) == ()
    assert _missing("Who governs Iraq?", corpus) == ("Iraq",)
    # German capitalises its nouns: where the question's everyday words are foreign to the corpus
    # too, a capital is no sign of a name.
    assert _missing("Was ist das Ziel von Libidn2?", corpus) == ()
    assert _missing("What is the Ziel of Libidn2?", corpus) == ("Ziel",)
    # A longer word that only begins with a corpus word is another thing ("Schematron", "schema").
    assert _missing("Can it validate against Schematron?", "An XML schema validates documents.") == ("Schematron",)


def test_a_missing_name_refuses_the_answer_and_says_why():
    from qa.config import RetrievalParams
    from qa.records import Answer, ChunkRow, Passage
    from qa.render import answer_to_dict, render_text
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    text = "Libidn2 converts internationalized domain names and email addresses to ASCII."
    rows = {1: ChunkRow(1, "libidn2.pdf", "Libidn2", 0, len(text), 1, 1, text)}
    question = "Does libidn2 support internationalized email addresses with SMTPUTF8?"
    weights = {stem: 2.0 for stem in ENGLISH.question_stems(question)}

    def ranked(missing, params=RetrievalParams()):
        evidence = Evidence(question, ENGLISH, 5, (1,), (1,), (1,), rows, {1: 0.75}, {1: ((0.75, 0, len(text)),)}, weights, None,
                            missing_names=missing)
        return score(evidence, params, 5)

    # Close in meaning and in words: answered, unless the one name no passage holds decides.
    assert not ranked(()).no_answer
    refused = ranked(("SMTPUTF8",))
    assert refused.no_answer and refused.missing_names == ("SMTPUTF8",)
    assert not ranked(("SMTPUTF8",), RetrievalParams(refuse_missing_names=False)).no_answer

    passage = Passage(rank=1, chunk=rows[1], file="/corpus/libidn2.pdf", score=1.0, similarity=0.75, highlight_start=0,
                      highlight_end=len(text), weak=True)
    answer = Answer(question, (passage,), no_answer=True, missing_names=("SMTPUTF8",))
    assert "answers this question: it never mentions SMTPUTF8." in render_text(answer)
    assert answer_to_dict(answer)["missing_names"] == ["SMTPUTF8"]


def test_an_acronym_the_passages_found_spell_out_is_not_missing():
    from qa.search.names import spelled_out

    licence = "Eclipse Public License - v 2.0. Each Contributor hereby grants Recipient a patent license; it does not cover hardware."
    # The licence never says "EPL"; the passages found for the question (or their title) spell it out.
    assert _missing("Does the EPL 2.0 patent grant cover hardware?", licence, (licence,)) == ()
    assert _missing("Does the EPL 2.0 patent grant cover hardware?", licence) == ("EPL",)
    assert _missing("Does the GPL cover hardware?", licence, (licence,)) == ("GPL",)
    assert spelled_out_stems(ENGLISH, "Does the EPL cover hardware?", frozenset({"epl"}), [licence]) == {"epl"}
    assert spelled_out("BLS", ["figures of the Bureau of Labor Statistics show"])
    assert spelled_out("NTP", ["the Network-Time Protocol"])
    # Each capital starts a capitalised word, in order, one word after the other.
    assert not spelled_out("EPL", ["the eclipse public license"])
    assert not spelled_out("EPL", ["Eclipse and the Public License"])


def test_an_acronym_the_corpus_writes_in_full_is_not_a_word_the_answer_must_hold():
    from qa.records import ChunkRow
    from qa.search.evidence import Evidence

    row = ChunkRow(1, "epl.txt", "Eclipse Public License - v 2.0", 0, 10, 1, 1, "text")
    evidence = Evidence("Does the EPL cover hardware?", ENGLISH, 5, (1,), (1,), (1,), {1: row}, {1: 0.5}, {1: ()},
                        {"epl": 8.6, "cover": 3.9, "hardwar": 4.7}, "yes/no", spelled_stems=frozenset({"epl"}))
    assert evidence.expected_weights == {"cover": 3.9, "hardwar": 4.7}


def test_a_name_written_with_its_version_is_held_where_the_corpus_names_it_without():
    gpl = "The GNU GPL lets you sell copies of a program. Fontconfig reads WOFF fonts."
    assert _missing("Am I allowed to sell copies of a GPLv3 program?", gpl) == ()
    # A digit alone is part of the name: WOFF2 is another format than WOFF.
    assert _missing("Does Fontconfig read WOFF2 fonts?", gpl) == ("WOFF2",)


def test_an_acronym_with_its_version_and_a_short_version_are_read_as_the_corpus_writes_them():
    lgpl = "GNU LESSER GENERAL PUBLIC LICENSE Version 3, 29 June 2007. An Application is any work that uses an interface."
    unseen = frozenset({"lgplv3", "lgpl", "v3"})
    assert spelled_out_stems(ENGLISH, "Is subclassing using its interface under LGPLv3?", unseen, [lgpl]) == {"lgplv3"}
    assert spelled_out_stems(ENGLISH, "In the LGPL v3, what counts as an Application?", unseen, [lgpl]) == {"lgpl", "v3"}
    # A version the passages do not say is still a word they lack.
    assert spelled_out_stems(ENGLISH, "In the LGPL v2, what counts as an Application?", frozenset({"lgpl", "v2"}), [lgpl]) == {"lgpl"}


def test_an_everyday_things_acronym_is_held_where_the_corpus_says_its_plain_word():
    # Bowtie's manual says "a low-memory machine (with less than about 4 GB of memory)", never RAM.
    manual = "If bowtie thrashes on a low-memory machine, change bowtie --offrate to a larger value."
    assert _missing("bowtie thrashes on a machine with 2 GB of RAM. What can I change?", manual) == ()
    # Without the plain word it is missing like any name; and a name is not an everyday thing.
    assert _missing("Does bowtie align short reads in RAM?", "Bowtie aligns short reads quickly.") == ("RAM",)
    assert _missing("Does bowtie thrash on a CUDA machine?", manual) == ("CUDA",)


def test_an_identifier_is_held_where_the_corpus_holds_its_parts():
    # The FASTA guide's font has no underscore: its PDF text says "LIB MEMK=2G".
    corpus = "By default, 2GB is available on 32-bit systems (LIB MEMK=2G)."
    assert _missing("How much memory does FASTA use for library buffering by default (LIB_MEMK)?", corpus) == ()
    assert _missing("Can aiofiles use io_uring on Linux?", "aiofiles runs file operations in a thread pool on Linux.") == ("io_uring",)


def test_an_identifier_is_held_where_the_corpus_writes_it_inside_another():
    # "LSB" is a part of OPUS_SET_LSB_DEPTH, which lexical search finds for it: a word the corpus holds.
    opus = "OPUS_SET_LSB_DEPTH configures the depth of signal being encoded (default 24). OPUS_SET_VBR sets variable bit rate."
    assert _missing("What LSB depth should I configure for G.711 input?", opus) == ()


class Chunks:
    """The two IndexReader methods the compound check reads: chunks holding any of the stems, and their rows."""

    def __init__(self, texts: list[str], title: str = "Manual") -> None:
        from qa.records import ChunkRow

        self.rows = {i: ChunkRow(i, "manual.txt", title, 0, len(t), 1, 1, t) for i, t in enumerate(texts)}

    def lexical_search(self, stems: list[str], k: int, within=None) -> list[int]:
        return [i for i, row in self.rows.items() if set(stems) & ENGLISH.stems(row.text)][:k]

    def chunks(self, chunk_ids: list[int]) -> dict:
        return {i: self.rows[i] for i in chunk_ids}


def test_a_compound_name_is_parts_joined_by_a_slash_or_hyphen_not_an_everyday_compound():
    from qa.search.names import question_compounds

    assert question_compounds("Does the Werkzeug server support HTTP/2 or DNS-over-HTTPS?") == ("HTTP/2", "DNS-over-HTTPS")
    assert question_compounds("Is there a RISC-V back end, and does it build on x86-64?") == ("RISC-V", "x86-64")
    # A word joined to a name ("MPL-covered", "non-GPL"), words alone ("built-in") and a range of numbers are not names.
    assert question_compounds("Must I document MPL-covered code in a non-GPL, built-in module from 2015-16?") == ()
    # Nor is a name with a small word at an end: "ASCII-only" says something of ASCII, which the corpus may say otherwise.
    assert question_compounds("How do I escape Cyrillic for an ASCII-only terminal?") == ()
    # Nor is a number in scientific notation: a value the reader gives, which a manual states as a range.
    assert question_compounds("numdiff fails on a number like 1e-2147483640 or 2E-5; what exponent range does it accept?") == ()


def test_a_compound_name_no_passage_says_side_by_side_is_missing():
    from qa.search.names import missing_compounds

    manual = Chunks(["The server speaks HTTP 1.1 over port 2 and 8080.", "Plain http URLs are redirected."])
    # Every word of "HTTP/2" is in the manual, never the two together: the manual does not say.
    assert missing_compounds(manual, ENGLISH, "Does the server support HTTP/2?") == ("HTTP/2",)
    assert missing_compounds(manual, ENGLISH, "Does the server support HTTP/1.1?") == ()
    said = Chunks(["HTTP/2 is on by default.", "Turn on HTTP version 3 with --quic.", "Build with WiFi support."])
    assert missing_compounds(said, ENGLISH, "Does the server support HTTP/2?") == ()
    # Written as a version ("HTTP version 3") or as one word ("WiFi"), the name is held.
    assert missing_compounds(said, ENGLISH, "Is HTTP/3 supported?") == ()
    assert missing_compounds(said, ENGLISH, "Can I build it with Wi-Fi?") == ()
    # A document's file name holds it too: a licence's text says "Version 3", its file "lgpl-3.0-licence.txt".
    licence = Chunks(["GNU LESSER GENERAL PUBLIC LICENSE Version 3, 29 June 2007"], title="GNU Lesser General Public License")
    question = "Can object code include header material under LGPL-3.0?"
    assert missing_compounds(licence, ENGLISH, question) == ("LGPL-3",)
    assert missing_compounds(licence, ENGLISH, question, file_names=["licences/lgpl-3.0-licence.txt"]) == ()
    # Written as the question writes it in a passage found for the question, it is held without a search.
    assert missing_compounds(Chunks([]), ENGLISH, "Does the server support HTTP/2?", ["HTTP/2 is on by default."]) == ()


def test_a_camel_case_name_the_corpus_writes_as_words_is_not_missing():
    class Corpus(Chunks):
        def term_weights(self, stems: set[str]) -> dict[str, float]:
            return Vocabulary(" ".join(row.text for row in self.rows.values())).term_weights(stems)

    corpus = Corpus(["Scalene works with PyTorch version 1.5.1 on Mac OS X, but only on Macs."])
    text = corpus.rows[0].text

    def missing(question: str) -> tuple[str, ...]:
        unseen = frozenset(stem for stem in ENGLISH.question_stems(question) if stem not in ENGLISH.stems(text))
        return missing_names(corpus, ENGLISH, question, unseen)

    # "macOS" is "Mac OS" written as one name; "iPadOS" is not in the corpus in any form.
    assert missing("Which PyTorch version works with Scalene on macOS?") == ()
    assert missing("Does Scalene work with PyTorch on iPadOS?") == ("iPadOS",)
