"""Command-line options a question names, and the sentence of a manual that defines one.

"What does tput -x do?" is the question a manual page is read for, and its answer is
the entry the option heads ("-x  do not attempt to clear the terminal's scrollback
buffer"), or the description under an option standing on its own line ("• -r" over
"Sub directories of the one specified by -d will also be searched."). The analyzer
keeps only "x" of "-x", a letter every page holds, and the model reads "-x" as
punctuation: the synopsis line ("tput [-Ttype] [-x] clear") outranked the entry.
Options are case-sensitive ("-x" and "-X" differ), as the programs read them.
"""

from __future__ import annotations

import re

# An option as a question writes it: a dash or two, then a letter, at a word's start
# ("-x", "--disable-extra", "-no-time-strict"; not "-40" or "well-known").
_QUESTION_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
# A line that is only an option term: a bullet perhaps, the option, its aliases and
# argument ("• -r", "-n, --line-number", "--block-size=SIZE", "-f FILE").
_TERM_LINE = re.compile(r"^[ \t]*(?:[•*·‣-][ \t]+)?--?[A-Za-z][\w-]*(?:[=, \t][^\n]{0,40})?[ \t]*$")
_OPTION_AT = re.compile(r"[ \t]*(?:[•*·‣-][ \t]+)?--?[A-Za-z]")


def question_options(question: str) -> frozenset[str]:
    """The options a question names, as written ("-x", "--disable-extra")."""
    return frozenset(match.rstrip("-") for match in _QUESTION_OPTION.findall(question))


def defines_option(text: str, start: int, end: int, options: frozenset[str]) -> bool:
    """Whether the sentence `text[start:end]` is the entry of one of `options`: it opens with
    the option's term, or the line right above it is that term alone."""
    if not options:
        return False
    if _OPTION_AT.match(text, start, end) and _names(text[start:end].split("\n", 1)[0], options):
        return True
    line_start = text.rfind("\n", 0, start)
    if line_start < 0 or text[line_start + 1 : start].strip():
        return False  # the sentence does not start its line
    above_start = text.rfind("\n", 0, line_start) + 1
    above = text[above_start:line_start]
    return _TERM_LINE.match(above) is not None and _names(above, options)


def _names(term_line: str, options: frozenset[str]) -> bool:
    """Whether the option term opening `term_line`, or one of its aliases, is one of `options`:
    "-n, --line-number  Prefix..." names -n and --line-number, not an option its description cites."""
    words = term_line.strip().lstrip("•*·‣").replace(",", " ").replace("|", " ").split()
    for word in words:
        if not word.startswith("-"):
            if word.strip("[]<>").isupper() or word.startswith(("[", "<")):
                continue  # the option's argument: "-f FILE", "--color[=WHEN]"
            return False  # the description begins
        if word.split("=", 1)[0].split("[", 1)[0] in options:
            return True
    return False
