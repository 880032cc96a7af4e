"""Command-line options a question names, and the sentence that defines one."""

from __future__ import annotations

from qa.search.options import defines_option, question_options


def test_a_question_names_options_as_written_not_numbers_or_hyphenated_words():
    assert question_options("What does tput -x do?") == {"-x"}
    assert question_options("--disable-extra") == {"--disable-extra"}
    assert question_options("Is -X the same as -x in tar?") == {"-X", "-x"}  # case-sensitive, as programs read them
    assert question_options("Is -40 degrees a well-known limit?") == set()


def _span(text: str, sentence: str) -> tuple[int, int]:
    start = text.index(sentence)
    return start, start + len(sentence)


def test_an_option_is_defined_by_the_entry_it_heads_or_the_description_under_its_own_line():
    man = '-x     do not attempt to clear the terminal\'s scrollback buffer.\n-T type  indicates the type of terminal.'
    entry = _span(man, "-x     do not attempt to clear the terminal's scrollback buffer.")
    assert defines_option(man, *entry, question_options("tput -x option"))
    assert not defines_option(man, *entry, question_options("tput -X option"))
    aliases = "-n, --line-number\n\tPrefix each line of output with the 1-based line number."
    assert defines_option(aliases, 0, len(aliases), question_options("What does grep --line-number do?"))
    bullets = "• -r\nSub directories of the one specified by -d will also be searched.\n• -v\nActivate the verbose mode."
    under = _span(bullets, "Sub directories of the one specified by -d will also be searched.")
    assert defines_option(bullets, *under, question_options("templates2ada -r switch"))
    assert not defines_option(bullets, *under, question_options("What does -d do?"))  # cited, not defined
    argument = "--block-size=SIZE\nUse blocks of SIZE bytes."
    assert defines_option(argument, *_span(argument, "Use blocks of SIZE bytes."), question_options("xz --block-size"))
    # A synopsis or a sentence that uses the option is no entry of it.
    for text in ("tput [-Ttype] [-x] clear", "Use -x to keep the scrollback."):
        assert not defines_option(text, 0, len(text), question_options("tput -x"))
    assert not defines_option(man, *entry, frozenset())
