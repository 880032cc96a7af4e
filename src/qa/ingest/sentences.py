"""Split text into sentence spans (character offsets), for chunking and highlighting.

Rule-based on purpose: it runs on every document at index time and on every
passage at answer time, must never lose a character, and needs no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A blank line (possibly holding spaces) separates paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# Candidate sentence ends: terminal punctuation, optional closers, then whitespace.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d{1,3}[.)])\s")
# A numbered section heading as a PDF prints it in the running text: "3.5.1. Purpose",
# "4.1 Non-GNU Standards" (two levels or more: "2. Run make" is a list item).
_SECTION_NUMBER = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})+\.?\s+[^\sa-z]")
_SECTION_HEADING_WORDS = 12
# Nothing but a number before a full stop ("3.", "2.1.") opens a heading or a list item.
_NUMBERING = re.compile(r"\s*\d{1,3}(?:\.\d{1,3})*\.")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs etc e.g i.e cf al inc ltd co corp no fig gen col lt sgt "
    "capt rev hon jan feb mar apr jun jul aug sep sept oct nov dec approx dept est".split()
)
# Lines shorter than this many words that end without punctuation read as headings
# or list items, never as the first half of a wrapped sentence.
_SHORT_LINE_WORDS = 8
# ...unless the line is as long as a wrapped line of text is, its words spread by justification.
_WRAPPED_LINE_CHARACTERS = 50


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int  # index of the paragraph (blank-line separated block) holding it
    heading: bool  # a short unpunctuated line standing alone as its own paragraph


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of `text[start:end]`, as spans into `text`, in order, whitespace trimmed.

    Every non-whitespace character of the range lies in exactly one sentence.
    """
    end = len(text) if end is None else end
    sentences: list[Sentence] = []
    for paragraph, (p_start, p_end) in enumerate(_paragraphs(text, start, end)):
        units = list(_line_units(text, p_start, p_end))
        for u_start, u_end in units:
            sentences += [Sentence(s_start, s_end, paragraph, False) for s_start, s_end in _split_unit(text, u_start, u_end)]
        if len(units) == 1 and len(sentences) and _looks_like_heading(text[p_start:p_end]):
            last = sentences[-1]
            if last.start == _strip_span(text, p_start, p_end)[0]:
                sentences[-1] = Sentence(last.start, last.end, paragraph, True)
    return sentences


def paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, heading) of each paragraph of `text`, as `split_sentences` reads it: the span
    of its sentences, and whether its one sentence is marked `heading`.

    Without splitting every paragraph into sentences (finding a plain text's headings did,
    and that was as long as splitting the whole text again): a heading is one line,
    so one unit, and only a paragraph that looks like one is split to see it is one sentence.
    """
    blocks = []
    for p_start, p_end in _paragraphs(text, 0, len(text)):
        heading = _looks_like_heading(text[p_start:p_end]) and len(_split_unit(text, p_start, p_end)) == 1
        # Its sentences end where it ends, unless byte-order marks trail its last one (in no sentence).
        end = split_sentences(text, p_start, p_end)[-1].end if text[p_end - 1] == "\ufeff" else p_end
        blocks.append((p_start, end, heading))
    return blocks


def _paragraphs(text: str, start: int, end: int):
    cursor = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        yield from _nonblank(text, cursor, match.start())
        cursor = match.end()
    yield from _nonblank(text, cursor, end)


def _nonblank(text: str, start: int, end: int):
    s, e = _strip_span(text, start, end)
    if s < e:
        yield s, e


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _line_units(text: str, start: int, end: int):
    """Join soft-wrapped lines of a paragraph; keep hard line breaks (lists, headings) apart."""
    unit_start = start
    for newline, hard in _line_breaks(text, start, end):
        if hard:
            yield from _nonblank(text, unit_start, newline)
            unit_start = newline + 1
    yield from _nonblank(text, unit_start, end)


def _line_breaks(text: str, start: int, end: int):
    """(offset, hard) of each line break inside a paragraph: hard ends a line that stands
    apart (a heading, a list item), soft only wraps a line the page was too narrow for."""
    cursor = start
    while (newline := text.find("\n", cursor, end)) != -1:
        line = text[cursor:newline].strip()
        next_line_end = text.find("\n", newline + 1, end)
        next_line = text[newline + 1 : end if next_line_end == -1 else next_line_end]
        after_next = "" if next_line_end == -1 else text[next_line_end + 1 : _line_end(text, next_line_end + 1, end)]
        yield newline, _is_hard_break(line, next_line, after_next, text[cursor:newline])
        cursor = newline + 1


def reflowed(text: str) -> str:
    """`text` with each soft line wrap made a space, for showing a passage at another width:
    a PDF's lines of 100 characters wrapped again at 96 read as ragged pairs. Lists, headings,
    table rows and code keep their lines; so does a word hyphenated at a line's end (its
    hyphen stays, and "de- veloped" would read worse). The same length as `text`, so
    offsets into it hold."""
    chars = list(text)
    for p_start, p_end in _paragraphs(text, 0, len(text)):
        for newline, hard in _line_breaks(text, p_start, p_end):
            line = text[text.rfind("\n", 0, newline) + 1 : newline]
            following = text[newline + 1 : _line_end(text, newline + 1, len(text))]
            if not hard and not line.rstrip().endswith("-") and not _looks_like_code(line) and not _looks_like_code(following):
                chars[newline] = " "
    return "".join(chars)


_CODE_MARKS = re.compile(r"[{};]|//|#!|=>|\(\)|^\s*\$ |^\s{2,}\S|^\t")


def _looks_like_code(line: str) -> bool:
    """Braces, a statement's semicolon, a comment, an indent, a shell prompt: a line of code
    keeps its line break when shown, whatever its length."""
    return bool(_CODE_MARKS.search(line))


def _line_end(text: str, start: int, end: int) -> int:
    newline = text.find("\n", start, end)
    return end if newline == -1 else newline


def _is_hard_break(line: str, next_line: str, after_next: str = "", raw_line: str = "") -> bool:
    if not line:
        return True
    # A manual page's option and the description hanging under it ("-n, --line-number" over
    # "        Prefix each line of output with...") are one sentence: what the option does,
    # with its name; the option's line ends the description before it.
    if _is_option_term(next_line, after_next):
        return True
    if _is_option_term(raw_line, next_line):
        return False
    # A definition list as a PDF draws it: a term alone on its line, its description on the
    # next ("BZ_DATA_ERROR_MAGIC" / "if the stream does not begin..."). The term belongs to
    # the description after it, not to the end of the description before it.
    if _is_term(next_line, after_next, description_words=1):
        return True
    if _is_term(line, next_line):
        return False
    if _SECTION_NUMBER.match(next_line):
        return True
    if is_section_heading(line) and not next_line.lstrip()[:1].islower():
        return True  # "1.2.1 Solving linear systems with zsolve" is not the start of the prose under it
    if line[-1] in ".!?:;\u2026\"'\u201d\u2019)]":
        return True
    if _BULLET.match(next_line):
        return True
    if _BULLET.match(line):
        # A list item a PDF wraps onto the next line goes on in lower case there
        # ("...Reference describes\nall matters..."): that is the same sentence.
        return not next_line.lstrip()[:1].islower()
    if next_line.lstrip()[:1].islower() and len(line) >= _WRAPPED_LINE_CHARACTERS:
        # A few words spread over a justified line ("applications   and  translates  them  for
        # the  current" over "terminal type."): the sentence goes on in lower case.
        return False
    return len(line.split()) < _SHORT_LINE_WORDS


# A definition list's term: a name of a few words at most, its description after it.
_TERM_WORDS = 3


def _is_term(line: str, following: str, description_words: int = _TERM_WORDS) -> bool:
    """Whether `line` reads as a term whose description is `following`: a line of a few words
    without closing punctuation, then one of `description_words` or more that goes on in lower
    case (as "if ...", "returns ..."; one word of a list of names is no description)."""
    stripped = line.strip()
    return (
        bool(stripped)
        and len(stripped.split()) <= _TERM_WORDS
        and stripped[-1] not in ".!?:;,\u2026"
        and following.lstrip()[:1].islower()
        and len(following.split()) >= description_words
        and not _BULLET.match(line)
    )


# An option as a manual page lists it: "-n, --line-number", "--exclude-dir=GLOB", "-J destination".
_OPTION = re.compile(r"^\s*--?[A-Za-z0-9]")
_OPTION_WORDS = 6


def _is_option_term(line: str, following: str) -> bool:
    """Whether `line` names an option whose description hangs under it, indented deeper."""
    stripped = line.strip()
    if not _OPTION.match(line) or not following.strip() or len(stripped.split()) > _OPTION_WORDS:
        return False
    if stripped[-1] in ".!?:;,\u2026":
        return False
    indent = len(line.expandtabs()) - len(line.expandtabs().lstrip())
    return len(following.expandtabs()) - len(following.expandtabs().lstrip()) > indent


def _looks_like_heading(block: str) -> bool:
    stripped = block.strip()
    if not stripped or "\n" in stripped:
        return False
    if stripped.startswith("#"):
        return True
    # The last character first: most paragraphs end a sentence, and splitting one into words costs more.
    return stripped[-1] not in ".!?,;" and len(stripped.split()) <= 12


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        boundary = match.end()
        if not _is_sentence_boundary(text, match.start(), boundary, end):
            continue
        if _NUMBERING.fullmatch(text, cursor, boundary):
            continue  # "3. Running your program", "2.1. Purpose": a heading's or an item's number
        spans += _nonblank(text, cursor, boundary)
        cursor = boundary
    spans += _nonblank(text, cursor, end)
    return spans


def _is_sentence_boundary(text: str, punct_start: int, boundary: int, end: int) -> bool:
    # What follows must begin a sentence: skip the whitespace, then look.
    follow = boundary
    while follow < end and text[follow].isspace():
        follow += 1
    if follow >= end:
        return True
    nxt = text[follow]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'\u201c\u2018([" or not nxt.isalpha()):
        return False  # "e.g. the", "approx. five": lower case continues the sentence
    if text[punct_start] != ".":
        return True
    word = _WORD_BEFORE.search(text, max(0, punct_start - 20), punct_start)
    if word is None:
        return True
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "George W. Bush"
    if "." in token and all(len(part) <= 2 for part in token.split(".")):
        return False  # dotted acronym mid-sentence: "U.S. forces", "U.N. Security Council"
    return True


# Sentences shorter than this (headings, captions, "Post a Comment") match many
# questions by accident; they are answer candidates only when a chunk has nothing longer.
MIN_ANSWER_WORDS = 4
# An option in brackets, as a synopsis lists it ("[-x]", "[--pidfile pidfile ]"); this many make one.
_BRACKETED_OPTION = re.compile(r"\[\s*--?[A-Za-z]")
_SYNOPSIS_OPTIONS = 2


def answer_sentence_spans(text: str, line_before: str = "") -> list[tuple[int, int]]:
    """The spans of `text` that may be highlighted as the answering sentence.

    `line_before`: what its line holds before `text` starts (a chunk may start mid-line).
    A line break is read with its whole line: "Mutt will then try to use" is a chunk's first
    line but the end of a line of ten words, which wraps into the next, not a short line
    standing apart (the sentence was highlighted cut in half).

    When the text has prose: its statements, i.e. sentences and lines of a few
    words that are neither headings nor questions. A table row or a definition
    ("motd  Post-login message of the day file") states an answer without a full
    stop; headings, captions, link lists, questions ("What should be done?") and
    lines that open a list ("...methods, including:") introduce answers but are
    not ones. Used at index time (each gets a vector), and answering reads the
    spans stored then.
    """
    lead = len(line_before)
    sentences = [
        Sentence(max(s.start - lead, 0), s.end - lead, s.paragraph, s.heading)
        for s in split_sentences(line_before + text)
        if s.end > lead
    ]
    if any(is_prose(text[s.start : s.end]) and not s.heading for s in sentences):
        return [(s.start, s.end) for s in sentences if not s.heading and is_statement(text[s.start : s.end])]
    longer = [(s.start, s.end) for s in sentences if len(text[s.start : s.end].split()) >= MIN_ANSWER_WORDS]
    return longer or [(s.start, s.end) for s in sentences] or [(0, len(text))]


def is_statement(sentence: str) -> bool:
    """A few words that state something, full stop or not (a sentence, a table row, a definition line).

    Not a question, nor a line that opens a list ("...including:"): those introduce answers.
    Nor a command's synopsis ("privoxy [--chroot ] [--pidfile pidfile ] ..."): it names every
    option and says what none of them does.
    """
    return (
        len(sentence.split()) >= MIN_ANSWER_WORDS
        and sentence[-1] not in "?:"
        and not is_section_heading(sentence)
        and len(_BRACKETED_OPTION.findall(sentence)) < _SYNOPSIS_OPTIONS
    )


def is_section_heading(sentence: str) -> bool:
    """A numbered heading inside the text ("5.10. /var/log : Log files and directories"):
    it names a section, it does not answer."""
    return (
        bool(_SECTION_NUMBER.match(sentence))
        and sentence[-1] not in ".!?\u2026"
        and len(sentence.split()) <= _SECTION_HEADING_WORDS
    )


def is_prose(sentence: str) -> bool:
    """A real sentence: a few words ending in terminal punctuation (not a heading or a link)."""
    return len(sentence.split()) >= MIN_ANSWER_WORDS and sentence[-1] in ".!\u2026\"'\u201d\u2019)]"
