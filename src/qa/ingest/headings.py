"""Find a document's headings, and the heading path ("Tactics > Urban Terrorism") at any offset.

Markdown (and HTML, extracted as Markdown) says what its headings are. Plain
text does not: a heading there is a short unpunctuated line standing alone
between paragraphs of prose, and only such lines are taken, because a heading
path that is wrong ("Image", "Post a Comment") is worse than none.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from qa.records import Heading
from qa.ingest.markdown_text import heading_words, references
from qa.ingest.sentences import is_prose, paragraphs, split_sentences

PATH_SEPARATOR = " > "
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A Setext heading's underline, and lines that cannot be the heading above one.
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*\r?$")
_SUMMARY_OPEN = re.compile(r"<summary(?:\s[^<>]*)?>", re.IGNORECASE)
# A line opening with a summary, perhaps its <details> before it; not "use `<summary>` to ..." in prose.
_SUMMARY_LINE = re.compile(rf"[ \t]*(?:<details(?:\s[^<>]*)?>[ \t]*)?({_SUMMARY_OPEN.pattern})", re.IGNORECASE)
_SUMMARY_LINES = 5  # a summary closes within this many lines
_SUMMARY_CLOSE = re.compile(r"</summary\s*>", re.IGNORECASE)
_NOT_SETEXT_TEXT = re.compile(r"^ {0,3}(?:[-*+][ \t]|\d+[.)][ \t]|>|#|\||<|```|~~~)")
_TITLE_WORD = re.compile(r"[^\W\d_]{2,}")
# A plain-text heading has at most this many words, like a section title, not a caption.
_MAX_HEADING_WORDS = 10
# The paragraph after it must open with a prose sentence and hold this many words: a heading introduces a section.
_MIN_SECTION_WORDS = 12


def markdown_headings(text: str) -> tuple[Heading, ...]:
    """ATX headings (`#` to `######`) and Setext ones (a lone line over "===" or "---") outside
    fenced code blocks, titled by their words as rendered (no emphasis marks, backticks, HTML
    tags, badges or link targets); and the `<summary>` of a `<details>` block, one level under
    the heading above it: READMEs set out their FAQs so ("<summary>How do I use Scalene with
    Django?</summary>"), and the answer is read under its question."""
    defined = references(text)
    headings = []
    fence = None
    offset = 0
    before = before_that = ""  # the two lines above, for a Setext heading's underline
    level = 0  # of the last Markdown heading: a summary's is one more
    summary = None  # where an open <summary> starts, until its </summary>
    for line in text.splitlines(keepends=True):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0]
            elif marker[0] == fence:
                fence = None
        elif fence is None:
            match = _ATX.match(line.rstrip("\r\n"))
            if summary is None and (opened := _SUMMARY_LINE.match(line)):
                summary, summary_lines = offset + opened.start(1), 0
            if summary is not None:
                summary_lines += 1
                if (closed := _SUMMARY_CLOSE.search(text, summary, offset + len(line))) is not None:
                    title = heading_words(_SUMMARY_OPEN.sub("", text[summary : closed.start()], count=1).strip(), defined)
                    if title:
                        headings.append(Heading(summary, min(level + 1, 6), title))
                    summary = None
                elif summary_lines >= _SUMMARY_LINES:
                    summary = None  # no summary this long: a "<summary>" written about, not one
            elif match:
                title = heading_words(match.group(2), defined)
                if title:
                    level = len(match.group(1))
                    headings.append(Heading(offset + line.index("#"), level, title))
            elif (underline := _SETEXT_UNDERLINE.match(line)) and _setext_title_line(before, before_that):
                # "Usage\n=====": the line above is a heading, of level 1 under "=", 2 under "-".
                title = heading_words(before.strip(), defined)
                if title:
                    start = offset - len(before.lstrip())  # the heading line's first non-blank character
                    level = 1 if underline.group(1)[0] == "=" else 2
                    headings.append(Heading(start, level, title))
        before_that, before = before, line
        offset += len(line)
    return tuple(headings)


def _setext_title_line(line: str, above: str) -> bool:
    """Whether `line` can be a Setext heading's text: a paragraph's only line (blank above it,
    or the start), not indented as code, not a list item, a quote, a table row or an ATX heading.
    A paragraph of several lines over "---" is a heading to CommonMark too, but in a README it is
    far more often prose over a rule, so only a lone line counts."""
    if not line.strip() or above.strip() or line.startswith(("    ", "\t")):
        return False
    return not _NOT_SETEXT_TEXT.match(line)


def rst_headings(text: str) -> tuple[Heading, ...]:
    """reStructuredText section titles, as docutils parses them (levels by nesting), placed at
    the title's line in `text`. Sphinx's own directives and roles are unknown to docutils and
    only reported (quietly); a text docutils cannot parse at all has no headings, not a failure."""
    from docutils import nodes
    from docutils.core import publish_doctree

    quiet = {"report_level": 5, "halt_level": 5, "warning_stream": False, "file_insertion_enabled": False,
             "raw_enabled": False, "doctitle_xform": False, "sectsubtitle_xform": False}
    try:
        doctree = publish_doctree(text, settings_overrides=quiet)
    except Exception:  # docutils' own errors are many and not one class; the file still reads as text
        return ()
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)
    headings = []
    for section in doctree.findall(nodes.section):
        title = section.children[0] if section.children else None
        if not isinstance(title, nodes.title) or not title.line:
            continue
        n = title.line - 2  # docutils gives the underline's line (1-based); the title is the line above
        if not 0 <= n < len(lines) or " ".join(lines[n].split()) != " ".join(title.rawsource.split()):
            continue
        depth = sum(1 for ancestor in _ancestors(section) if isinstance(ancestor, nodes.section))
        indent = len(lines[n]) - len(lines[n].lstrip())
        headings.append(Heading(starts[n] + indent, min(depth + 1, 6), " ".join(title.astext().split())))
    return tuple(sorted(headings, key=lambda heading: heading.start))


def _line_starts(lines: list[str]) -> list[int]:
    """Where each line (kept with its line end) starts in the text, and where the text ends."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _ancestors(node):
    while (node := node.parent) is not None:
        yield node


def plain_text_headings(text: str) -> tuple[Heading, ...]:
    """Heading lines of plain text, where they can be told reliably: underlined ones
    (`underlined_headings`), numbered ones (`numbered_headings`), and lines that stand alone
    as section titles; and an FAQ's questions under them (`question_headings`,
    `outdented_questions`).

    Taken as a section title: a line standing alone as a paragraph, of at most ten words,
    starting with a capital, ending without punctuation (a colon ends a lead-in, not a
    heading), after a paragraph that ends in a prose sentence and before one that opens
    with one (and holds at least 12 words). The first paragraph is the title, not a section
    heading.
    """
    # A text that underlines or numbers its headings says which lines are headings: guessing
    # others from prose around them would only add a caption or a licence's lone line.
    marked = _with_numbered(underlined_headings(text), numbered_headings(text)) or manual_page_headings(text)
    sections = marked or _standing_titles(text)
    # Questions set out to the left of their answers, where nothing else marks the FAQ's parts
    # (a numbered FAQ's questions are its numbered headings already).
    questions = question_headings(text) or (() if marked else outdented_questions(text))
    if not questions:
        return sections
    merged = list(sections)
    for question in questions:
        around = headings_in_force(sections, question.start)
        merged.append(Heading(question.start, min((around[-1].level + 1) if around else 1, 6), question.title))
    return tuple(sorted(merged, key=lambda heading: heading.start))


def _with_numbered(underlined: tuple[Heading, ...], numbered: tuple[Heading, ...]) -> tuple[Heading, ...]:
    """Underlined headings and the numbered ones under them: rkhunter's FAQ underlines its parts
    ("1. GENERAL QUESTIONS" over "====") and numbers its questions ("1.1) What is Rootkit
    Hunter?"), each a section of its own. A numbered heading is at least one level under the
    underlined one it stands in; one on an underlined heading's line is that heading."""
    if not underlined or not numbered:
        return underlined or numbered
    taken = {heading.start for heading in underlined}
    merged = list(underlined)
    for heading in numbered:
        if heading.start in taken:
            continue
        around = headings_in_force(underlined, heading.start)
        merged.append(Heading(heading.start, min(max(heading.level, around[-1].level + 1 if around else 1), 6), heading.title))
    return tuple(sorted(merged, key=lambda heading: heading.start))


def _standing_titles(text: str) -> tuple[Heading, ...]:
    blocks = paragraphs(text)
    headings = []
    for n in range(1, len(blocks) - 1):
        start, end, heading = blocks[n]
        line = text[start:end]
        if not heading or not _looks_like_section_title(line):
            continue
        before = text[blocks[n - 1][0] : blocks[n - 1][1]]
        after = text[blocks[n + 1][0] : blocks[n + 1][1]]
        if _ends_prose(before) and len(after.split()) >= _MIN_SECTION_WORDS and _opens_prose(after):
            headings.append(Heading(start, 1, " ".join(line.split())))  # no-break spaces and runs become one space
    return tuple(headings)


def manual_page_headings(text: str) -> tuple[Heading, ...]:
    """The sections of a manual page as `man` prints it (NAME, SYNOPSIS, DESCRIPTION, CASE
    FOLDING): capitalised lines at the left margin of a text whose body is indented, at least
    `_MIN_NUMBERED` of them. Postfix's and many projects' HTML manual pages are this text in a
    <pre>; so is a page saved from a terminal."""
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)
    written = [line for line in lines if line.strip()]
    indented = sum(1 for line in written if line.startswith(("   ", "\t")))
    if not written or indented < _MANUAL_BODY_SHARE * len(written):
        return ()
    headings = []
    for n, line in enumerate(lines):
        if _MANUAL_SECTION.match(line) and not _MANUAL_PAGE_HEADER.search(line):
            headings.append(Heading(starts[n], 1, " ".join(line.split())))
        elif headings and _MANUAL_SUBSECTION.match(line) and n + 1 < len(lines) and _deeper(lines[n + 1], line):
            # "   Matching Control" over the options it groups, as grep's page has them
            headings.append(Heading(starts[n] + 3, 2, " ".join(line.split())))
    return tuple(headings) if sum(h.level == 1 for h in headings) >= _MIN_NUMBERED else ()


def _deeper(line: str, than: str) -> bool:
    return bool(line.strip()) and len(line) - len(line.lstrip()) > len(than) - len(than.lstrip())


def manual_page_title(text: str, headings: tuple[Heading, ...]) -> str:
    """What the NAME section of a manual page says ("access - Postfix SMTP server access
    table"): the page's own title, where its HTML <title> may be only "Postfix manual"."""
    if not headings or headings[0].title != "NAME":
        return ""
    after = text[headings[0].start :].split("\n", 4)[1:4]  # the three lines under NAME, not the whole page
    return next((" ".join(line.split()) for line in after if line.strip()), "")


def question_headings(text: str) -> tuple[Heading, ...]:
    """The questions of a plain-text FAQ written as "Q: Why is it impossible to download a file
    ...?" paragraphs (screen's FAQ, mutt's PGP notes), titled "Q: ..." as the FAQ words them:
    each heads the answer after it, so a passage of the answer is found and cited under its
    question. At least two, and marked as a FAQ marks them: answers opening with "A:", or
    most of the paragraphs asking (a "Q." may also number a list)."""
    found = [
        (match.start(1), " ".join(match.group(2).replace('"', " ").split()))
        for match in _QUESTION_PARAGRAPH.finditer(text)
    ]
    found = [(start, words) for start, words in found if len(words.split()) <= _MAX_QUESTION_WORDS]
    asking = sum("?" in words for _, words in found)
    if len(found) < 2 or not (_ANSWER_LINE.search(text) or 2 * asking >= len(found)):
        return ()
    return tuple(Heading(start, 1, f"Q: {words}") for start, words in found)


def outdented_questions(text: str) -> tuple[Heading, ...]:
    """The questions of a plain-text FAQ that sets each question out to the left of its answer,
    as a web page's FAQ saved as text does (tcsh's: "  Why is the meta key broken in tcsh-5.20
    and up?" over answers indented by three): a paragraph of at most `_MAX_QUESTION_WORDS`
    words ending in "?", indented less than the paragraph after it. At least `_MIN_NUMBERED` of
    them, or a question inside an answer would pass for one; then each paragraph set out at
    their margin over a deeper one is a question, whether or not it ends in "?"."""
    # Each paragraph: (where its first word starts, its words, how far its first line is indented).
    blocks = [(start, " ".join(text[start:end].split()), start - text.rfind("\n", 0, start) - 1) for start, end, _ in paragraphs(text)]
    set_out = [(start, words, indent) for (start, words, indent), (_, _, deeper) in zip(blocks, blocks[1:])
               if indent < deeper and len(words.split()) <= _MAX_QUESTION_WORDS]
    asking = [indent for _, words, indent in set_out if words.endswith("?")]
    if len(asking) < _MIN_NUMBERED:
        return ()
    # ...and then every paragraph set out as they are is one, asking or not ("I am trying to
    # compile tcsh and I am getting compile errors that look like:").
    margin = max(set(asking), key=asking.count)
    return tuple(Heading(start, 1, f"Q: {words}") for start, words, indent in set_out if indent == margin)


def underlined_headings(text: str) -> tuple[Heading, ...]:
    """Headings a plain text underlines ("5. Termination" over "--------------"), as licences,
    READMEs and change logs written before Markdown do: a line of at most 12 words standing
    after a blank line (or an overline) over a line of one punctuation character repeated at
    least as long as the title is, nearly. Levels in the order the underline characters first
    appear, as reStructuredText counts them; a box drawn around a heading is not its text."""
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)
    levels: dict[str, int] = {}
    headings = []
    for n in range(len(lines) - 1):
        title, under = _unboxed(lines[n]), _unboxed(lines[n + 1])
        above = _unboxed(lines[n - 1]) if n else ""
        if not title or not _UNDERLINE.match(under) or len(under) < 0.7 * len(title) or len(title.split()) > 12:
            continue
        if _UNDERLINE.match(title) or not any(ch.isalpha() for ch in title):
            continue  # a rule under a rule, or a table border
        if title != lines[n].strip() and under[0] == lines[n].strip()[0]:
            continue  # the last line in a box, over the box's edge
        if above and above != under:
            continue  # the last line of a paragraph over a rule, not a heading
        level = levels.setdefault(under[0] + ("o" if above == under else ""), len(levels) + 1)
        headings.append(Heading(starts[n] + lines[n].index(title), min(level, 6), " ".join(title.split())))
    return tuple(headings)


def numbered_headings(text: str) -> tuple[Heading, ...]:
    """Headings a plain text numbers as an outline, as FAQs, standards, licences and manuals
    do: "6  ABOUT THE FONTLOG", "6.2  Is the FONTLOG required?", "1. Definitions.", or a title
    run in before the section's first sentence ("2. Grant of Copyright License. Subject to
    ...", titled by its capitalised words). Each stands after a blank line or a rule; levels by the
    number's parts; "Article 3 - ACCEPTANCE" is numbered 3. "Chapter 2. Getting Started" and
    "APPENDIX A" lines are top-level headings, and a manual numbering its sections afresh in
    each chapter (DocBook's text output) has them one level below their chapter.

    Numbers also open list items and a table of contents, so in each chapter only the longest
    run of numbered lines that follow one another as an outline does (1, 1.1, 1.1.1, 1.2,
    2...) is taken, at least `_MIN_NUMBERED` of them in all; numbering without subsections
    ("1.", "2.", "3.") counts only when its sections are longer than list items are.
    """
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)
    found: list[tuple[tuple[int, ...], int, str]] = []  # (number, line, title)
    parts: list[tuple[int, str]] = []  # (line, title) of chapters and appendices
    for n in range(1, len(lines)):
        above = lines[n - 1].strip()
        if above and not _UNDERLINE.match(above):
            continue  # a rule above is a break too: Exuberant Ctags' FAQ rules off each question
        line = " ".join(lines[n].split())
        match = _NUMBERED_LINE.match(line)
        if _PART_LINE.match(line) and len(line.split()) <= _MAX_HEADING_WORDS:
            parts.append((n, line))
        elif (article := _ARTICLE_LINE.match(line)) and len(line.split()) <= _MAX_HEADING_WORDS:
            found.append(((int(article.group(1)),), n, line))
        elif match and (title := _numbered_title(_wrapped_question(lines, n, match.group(3), continued := _continues(lines, n)), _runs_on(lines, n))):
            number = tuple(int(part) for part in match.group(1).split("."))
            found.append((number, n, f"{match.group(1)}{match.group(2)} {title}"))
    # A manual in chapters numbers sections afresh in each; before the first chapter stand
    # its front matter and table of contents.
    chapters = any(_CHAPTER_LINE.match(title) for _, title in parts)
    bounds = [0] + [n for n, _ in parts] + [len(lines)]
    taken: list[tuple[tuple[int, ...], int, str]] = []
    for low, high in list(zip(bounds, bounds[1:]))[1 if chapters else 0 :]:
        inside = [entry for entry in found if low <= entry[1] < high]
        numbers = [number for number, _, _ in inside]
        chain = _longest_outline(numbers)
        if len(chain) >= 2 or len(bounds) == 2:
            taken += [inside[i] for i in chain]
        if chain:
            # Texts joined into one file (a licence with its third-party notices, an FAQ
            # numbering each category's questions afresh) number each anew: an outline wholly
            # before or after the longest is one too, when it reads as sections of its own.
            main = [inside[i] for i in chain]
            for rest in (inside[: chain[0]], inside[chain[-1] + 1 :]):
                for indexes in _outlines([number for number, _, _ in rest]):
                    outline = [rest[i] for i in indexes]
                    taken += outline if _another_outline(lines, outline, main) else []
    taken.sort(key=lambda entry: entry[1])
    if not _sections(text, starts, taken):
        return ()
    in_chapter = int(chapters)

    def at(n: int) -> int:
        return starts[n] + lines[n].index(lines[n].strip())

    headings = [Heading(at(n), min(len(number) + in_chapter, 6), title) for number, n, title in taken]
    headings += [Heading(at(n), 1, title) for n, title in parts if chapters or n > taken[0][1]]
    return tuple(sorted(headings, key=lambda heading: heading.start))


def _wrapped_question(lines: list[str], n: int, rest: str, continued: bool) -> str:
    """`rest`, the words after line n's number, with the lines its paragraph runs on into when
    (`continued`, `_continues`) together they ask a question ("3.1) Rootkit Hunter tells me there
    is something wrong with my" over "     system. What do I do?"): an FAQ's question wraps like
    any sentence."""
    if not continued:
        return rest
    following = []
    for line in lines[n + 1 : n + 2 + _WRAPPED_QUESTION_LINES]:
        if not line.strip():
            break
        following.append(line.strip())
    if len(following) > _WRAPPED_QUESTION_LINES:
        return rest  # a paragraph longer than a question is
    joined = " ".join([rest, *following])
    return joined if joined.endswith("?") and len(joined.split()) <= _MAX_QUESTION_WORDS else rest


def _continues(lines: list[str], n: int) -> bool:
    """Whether line n runs on into a hanging indent ("1. Make sure that openssl" over "   is
    installed."): a list item's sentence wrapped, not a title standing on its line."""
    # Not after a blank line, or over a sub-item ("(a) Third Party Claims.") under a title.
    return _runs_on(lines, n) and _deeper(lines[n + 1], lines[n])


def _runs_on(lines: list[str], n: int) -> bool:
    """Whether line n's words run on into the next line's lower-case ones, at any indent: "7.1 Under
    no circumstances shall the Agreement oblige the Licensor to" / "provide technical assistance"
    is a clause's sentence, not its title."""
    following = lines[n + 1].strip() if n + 1 < len(lines) else ""
    return following[:1].islower()


def _numbered_title(rest: str, continued: bool = False) -> str:
    """The title after a section number, or "" when the line is not a heading: a question, a
    capitalised title run in before a sentence ("Grant of Copyright License. Subject to"), or
    the whole line when it is one unpunctuated title (and not the start of a wrapped sentence)."""
    words = rest.split()
    if ("?" in rest or (_ASKING.match(rest) and rest.endswith(":"))) and len(words) <= _MAX_QUESTION_WORDS:
        return rest  # an FAQ's question, perhaps with a sentence of context after it (or the text it asks about)
    # An initialism's full stops ("U.S. GOVERNMENT RESTRICTED RIGHTS. The technical data") end no
    # title: read with them masked, the title taken from `rest` as written.
    run_in = _RUN_IN_TITLE.match(_INITIALISM.sub(lambda m: m.group(0).replace(".", "_"), rest))
    if run_in:
        title = rest[run_in.start(1) : run_in.end(1)]
        capitalised = all(word[0].isupper() for word in title.split() if len(word) > 3)
        return title if capitalised else ""
    if rest[-1] not in ":.!,;" and len(words) <= _MAX_HEADING_WORDS and not continued:
        return rest
    return ""


def _sections(text: str, starts: list[int], outline: list[tuple[tuple[int, ...], int, str]]) -> bool:
    """Whether numbered lines (number, line, title) read as an outline's sections: at least
    `_MIN_NUMBERED` of them and, numbered without subsections ("1.", "2.", "3."), longer than
    list items are."""
    if len(outline) < _MIN_NUMBERED:
        return False
    if all(len(number) == 1 for number, _, _ in outline):
        between = [len(text[starts[a] : starts[b]].split()) for (_, a, _), (_, b, _) in zip(outline, outline[1:])]
        return sorted(between)[len(between) // 2] >= _MIN_NUMBERED_SECTION_WORDS
    return True


def _another_outline(lines: list[str], outline: list[tuple[tuple[int, ...], int, str]], main: list[tuple[tuple[int, ...], int, str]]) -> bool:
    """Whether numbered lines beside the `main` outline are sections too: as many as sections
    need, no deeper in the page than the main outline (a list inside a section is indented),
    and text of a section's length between them besides numbered lines (a table of contents
    has none, or its subsections' entries)."""

    def indent(n: int) -> int:
        return len(lines[n]) - len(lines[n].lstrip())

    if len(outline) < _MIN_NUMBERED or min(indent(n) for _, n, _ in outline) > min(indent(n) for _, n, _ in main):
        return False
    between = [
        sum(len(line.split()) for line in lines[a + 1 : b] if not _NUMBERED_LINE.match(" ".join(line.split())))
        for (_, a, _), (_, b, _) in zip(outline, outline[1:])
    ]
    return sorted(between)[len(between) // 2] >= _MIN_NUMBERED_SECTION_WORDS


def _outlines(numbers: list[tuple[int, ...]]) -> list[list[int]]:
    """Indexes of outlines in `numbers` that follow one another without interleaving: the
    longest (`_longest_outline`), and those of the numbers before and after it."""
    chain = _longest_outline(numbers)
    if not chain:
        return []
    after = [[i + chain[-1] + 1 for i in outline] for outline in _outlines(numbers[chain[-1] + 1 :])]
    return _outlines(numbers[: chain[0]]) + [chain] + after


def _longest_outline(numbers: list[tuple[int, ...]]) -> list[int]:
    """Indexes of the longest subsequence of `numbers` that reads as an outline: it starts at 1 (or 0),
    and each number is the first subsection of the one before (2.3 -> 2.3.1) or the next
    section at some level (2.3.1 -> 2.3.2, 2.4, 3)."""
    length: list[int] = []
    before: list[int] = []
    best_under: dict[tuple[int, ...], int] = {}  # longest chain ending at a number with this prefix -> its index
    best_at: dict[tuple[int, ...], int] = {}  # ... ending at exactly this number
    for i, number in enumerate(numbers):
        options = []
        if number[-1] == 1 and len(number) > 1 and number[:-1] in best_at:
            options.append(best_at[number[:-1]])
        if number[-1] > 0 and number[:-1] + (number[-1] - 1,) in best_under:
            options.append(best_under[number[:-1] + (number[-1] - 1,)])
        previous = max(options, key=lambda j: length[j], default=None)
        if previous is None and number not in ((0,), (1,)):  # GPL-3 starts at "0. Definitions."
            length.append(0)
            before.append(-1)
            continue
        length.append(1 + (length[previous] if previous is not None else 0))
        before.append(previous if previous is not None else -1)
        # On a tie the later line: a table of contents lists "1. Mutt Home Page" before the section does.
        if number not in best_at or length[best_at[number]] <= length[i]:
            best_at[number] = i
        for k in range(1, len(number) + 1):
            if number[:k] not in best_under or length[best_under[number[:k]]] <= length[i]:
                best_under[number[:k]] = i
    if not length or max(length) == 0:
        return []
    i = max(range(len(length)), key=lambda j: length[j])
    chain = []
    while i >= 0:
        chain.append(i)
        i = before[i]
    return chain[::-1]


def underlined_title(text: str, headings: tuple[Heading, ...]) -> str:
    """The first heading of a plain text when it is underlined and stands in its opening lines
    ("GNU Wget" over "========", under an editor's mode line): the title it gives itself."""
    if not headings or text[headings[0].start :].split("\n", 1)[0].strip() != headings[0].title:
        return ""
    opening = [line for line in text[: headings[0].start].splitlines() if line.strip()]
    following = text[headings[0].start :].split("\n", 2)
    underlined = len(following) > 1 and bool(_UNDERLINE.match(_unboxed(following[1])))
    return headings[0].title if underlined and len(opening) < 3 else ""


def _unboxed(line: str) -> str:
    """A line's text without a box drawn around it ("*  6. Disclaimer of Warranty   *")."""
    text = line.strip()
    if len(text) > 2 and text[0] == text[-1] and text[0] in "*|#" and text[1] != text[0]:
        text = text[1:-1].strip()
    return text


_UNDERLINE = re.compile(r"^([=\-~^*+#`'\"_.:])\1{2,}$")
# "6.2 Is the FONTLOG required?", "1. Definitions.": a section number, then a capitalised title.
_NUMBERED_LINE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,5})([.)]?)\s+([A-Z].*)$")  # "1.2) Why...?": a FAQ numbers so too
# "Chapter 2. Getting Started", "APPENDIX A - FONTLOG EXAMPLE", "Part II"
_PART_LINE = re.compile(r"^(?:APPENDIX|Appendix|ANNEX|Annex|CHAPTER|Chapter|PART|Part)\s+[A-Z0-9]{1,4}\b")
_CHAPTER_LINE = re.compile(r"^(?:CHAPTER|Chapter|PART|Part)\s")
# A licence's or a standard's numbered articles ("Article 3 - ACCEPTANCE", "Section 2. Grant"): the
# top level of its outline, numbered "3.1", "3.2" under them.
_ARTICLE_LINE = re.compile(r"^(?:ARTICLE|Article|SECTION|Section)\s+(\d{1,3})\b(?![.,]\d)")
# "Grant of Copyright License. Subject to ...": a title without inner punctuation, its full stop, then a sentence.
_RUN_IN_TITLE = re.compile(r"^([A-Z][^.?!:;,]*?(?:\s+\S+){0,5}?)\.(?:\s+[A-Z(\"]|$)")
_INITIALISM = re.compile(r"\b(?:[A-Z]\.){2,}(?=\s+[A-Z])")  # "U.S." before a capitalised word
_CONTENTS_TITLE = re.compile(r"^\s*(?:table\s+of\s+)?contents\s*:?\s*$", re.IGNORECASE)
_MAX_QUESTION_WORDS = 40  # an FAQ's question heading may be a long sentence
# A manual page's section title: at the left margin, in capitals, a few words ("SEE ALSO").
_MANUAL_SECTION = re.compile(r"^[A-Z][A-Z0-9 /&,()-]{1,40}[ \t]*$")
_MANUAL_SUBSECTION = re.compile(r"^   [A-Z][\w/&,()'-]*(?: [\w/&,()'-]+){0,6}[ \t]*$")
_MANUAL_PAGE_HEADER = re.compile(r"\(\d\w*\)")  # "ACCESS(5)   ACCESS(5)" over every page
_MANUAL_BODY_SHARE = 0.6  # of the written lines, indented: a manual page's body
_ANSWER_LINE = re.compile(r"^[ \t]*(?:A|Answer)[:.)][ \t]", re.MULTILINE)
# "Q:   Why is it impossible to ...?" up to the blank line or the "A:" that ends the question.
_QUESTION_PARAGRAPH = re.compile(
    r"(?:\A|\n[ \t]*\n)[ \t]*((?:Q|Question)[:.)][ \t]+)((?:(?![ \t]*(?:A|Answer)[:.)][ \t])[^\n]*\S[^\n]*(?:\n|\Z))+)"
)
_MIN_NUMBERED = 3
_WRAPPED_QUESTION_LINES = 2  # the lines a numbered question may run on into
# A question that asks about what follows it: "3.6) What does the following warning mean:".
_ASKING = re.compile(r"(?:what|how|why|when|where|which|who|can|does|do|is|are|should)\b", re.IGNORECASE)
_MIN_NUMBERED_SECTION_WORDS = 30  # numbered paragraphs shorter than this (median) are list items


def _looks_like_section_title(line: str) -> bool:
    words = line.split()
    if not words or len(words) > _MAX_HEADING_WORDS or line.rstrip()[-1] in ":.!?,;":
        return False
    return line[0].isupper() and any(ch.isalpha() for ch in line)


def _opens_prose(paragraph: str) -> bool:
    spans = split_sentences(paragraph)
    return bool(spans) and is_prose(paragraph[spans[0].start : spans[0].end])


def _ends_prose(paragraph: str) -> bool:
    spans = split_sentences(paragraph)
    return bool(spans) and is_prose(paragraph[spans[-1].start : spans[-1].end])


def headings_in_force(headings: tuple[Heading, ...] | list[Heading], offset: int) -> list[Heading]:
    """The headings open at `offset`, outermost first: each heading at or before it, minus any it closed.

    A heading closes every heading of its level or deeper, and a table of contents' heading
    ("Contents") any heading at all: the sections after the list are not inside it, whatever
    level a page gave it (TtH's <h1>Contents</h1> over <h2> chapters).
    """
    starts = [heading.start for heading in headings]
    stack: list[Heading] = []
    for heading in headings[: bisect_right(starts, offset)]:
        while stack and (stack[-1].level >= heading.level or _CONTENTS_TITLE.match(stack[-1].title)):
            stack.pop()
        stack.append(heading)
    return stack


def title_words(title: str) -> tuple[str, ...]:
    """A heading title's words as a running header or a contents entry prints them: letters
    only (numbers and one-letter words such as appendix letters left out), any case, curly
    apostrophes straight."""
    return tuple(_TITLE_WORD.findall(title.lower().replace("\u2019", "'")))


def heading_path_at(headings: tuple[Heading, ...], offset: int, skip_title: str = "") -> str:
    """The path of headings in force at `offset`: each heading before it, minus any it closed.

    A heading closes every heading of its level or deeper. A top heading equal
    to the document title is left out: the title is shown anyway.
    """
    titles = [heading.title for heading in headings_in_force(headings, offset)]
    if titles and titles[0] == skip_title:
        titles = titles[1:]
    return PATH_SEPARATOR.join(titles)
