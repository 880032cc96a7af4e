"""Names a question uses that the corpus never mentions.

"Does libidn2 support internationalized email addresses with SMTPUTF8?" is asked
in the corpus's own words (libidn2, email, addresses) and its passages answer a
question near it, closely enough to pass the no-answer rule's evidence; what
tells that the corpus cannot answer is the one name no passage holds. A name here
is a word written as one: capitalised inside the sentence ("Wayland",
"Schematron"), an acronym or a word with capitals or digits inside ("SMTPUTF8",
"WOFF2"), an identifier joined by underscores ("io_uring").

A name the corpus holds in another form is not missing: as a word a letter or two
shorter that begins it (the corpus's "Pakistan" for the question's "Pakistani";
not "schema" for "Schematron"), or, for names of six letters or more, one letter
off ("Proctor" and Gamble, "Eildmann" for "Eilmann"): a reader's misspelling is not
a question about something else; nor is an everyday thing's acronym the corpus says in a plain
word ("RAM", which a manual calls memory); nor is an identifier whose parts it holds ("LIB MEMK",
where a PDF's font lacked the underscore of "LIB_MEMK"). Nor is an acronym the passages found for the
question spell out (`spelled_out_stems`: "the EPL" of a licence that calls itself
only the "Eclipse Public License"; every question naming it was refused over the
right passage). A question whose everyday (lower-case) words the corpus lacks too
is in another language, or about another subject altogether: German capitalises
its nouns ("Was ist das Ziel von IS-KP?"), and no capital tells a name there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from string import ascii_lowercase

from qa.analyzer import STOPWORDS, Analyzer, identifier_parts
from qa.index.protocols import IndexReader
from qa.search.lexical import weights_and_unseen

# A word written as a name: a capital first, a capital or digit after a lower-case start, or
# an identifier joined by underscores ("io_uring", "max_buffer_size").
_NAME = re.compile(r"(?<![\w.'’-])([A-Z][\w+-]*[A-Za-z0-9+]|[a-z]+[A-Z0-9]\w*|[a-z][a-z0-9]*_\w*[a-z0-9])")
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_START = ".?!:;\"“"
# An opening bracket starts a sentence only where its bracket does: "(Optional) Which..." but not
# "a one-time password (OTP) token", whose "OTP" is a name like any other.
_OPENING = "(["
_SHORTEST = 3  # "GDP"; two letters ("MB", "NY") are units and abbreviations more often than names
_FUZZY_FROM = 6  # one letter off only for names this long: "Iraq" is not a misspelling of "Iran"
# A corpus word this long, at most this many letters shorter, that begins the name: an
# inflection ("pakistan" of "pakistani"), not another word ("schema" of "schematron").
_PREFIX_FROM = 5
_PREFIX_LETTERS = 2
_HEADLINE_SHARE = 0.6  # a question with this share of its words capitalised is written in capitals
# A name with a version written on ("gplv3", "lgplv2"): "v" and digits after three letters or more.
_VERSIONED = re.compile(r"^([a-z]{3,})v\d+$")
_VERSION_SUFFIX = re.compile(r"(?<=[A-Z]{3})v\d+$")  # the "v3" of "LGPLv3"
_SHORT_VERSION = re.compile(r"(?<![\w.])v(\d+(?:\.\d+)*)(?![\w.])")  # "v3", "v2.1": "version 3" written short
_FOREIGN_WORDS = 2  # lower-case words of the question the corpus lacks that make its capitals no sign of a name
# Acronyms of everyday things and the plain word a manual says instead: "bowtie thrashes on a
# machine with 2 GB of RAM" asks about what the manual calls memory; not a name of a thing it lacks.
# Only RAM: "CPU" for "processor" answered "How do I pin a spawned Rust thread to a particular CPU
# core?" over a manual that says "processor" and nothing of pinning.
_PLAIN_WORDS = {"ram": ("memory",)}
# Words an acronym's spelled-out name may hold without a letter of their own ("Bureau of Labor Statistics").
_UNLETTERED = r"(?:(?:of|and|for|the|on|in|to|&)[\s-]+)?"


def question_names(question: str) -> tuple[str, ...]:
    """The names `question` uses, in order: not a sentence's first word (any word may open one),
    and in a question written in capitals throughout ("How Do I Configure The Relay?") only
    the words a capital alone does not make names of ("SMTPUTF8", "WOFF2", "libidn2")."""
    inside = [m.group(0) for m in _WORD.finditer(question) if not _opens_sentence(question[: m.start()])]
    headline = len(inside) >= 3 and sum(word[0].isupper() for word in inside) >= _HEADLINE_SHARE * len(inside)
    names = []
    for match in _NAME.finditer(question):
        name = match.group(1).strip("+-")
        if _opens_sentence(question[: match.start(1)]) or len(name) < _SHORTEST or not any(c.isalpha() for c in name):
            continue
        if headline and not any(c.isupper() or c.isdigit() for c in name[1:]):
            continue
        names.append(name)
    return tuple(dict.fromkeys(names))


def _opens_sentence(before: str) -> bool:
    """Whether a word after `before` is a sentence's first word (any word may be capitalised there)."""
    before = before.rstrip().rstrip(_OPENING).rstrip()
    return not before or before[-1] in _SENTENCE_START


def missing_names(reader: IndexReader, analyzer: Analyzer, question: str, unseen_terms: frozenset[str]) -> tuple[str, ...]:
    """The names of `question` no chunk of the corpus holds in any form (see the module's docstring).
    `unseen_terms`: the question's stems the corpus lacks, which every missing name's stems are among
    (an acronym the passages spell out is not among them: `spelled_out_stems`)."""
    lower = {stem for word in _WORD.findall(question) if word.islower() and not analyzer.is_stopword(word) for stem in analyzer.stems(word)}
    if len(lower & unseen_terms) >= _FOREIGN_WORDS:
        return ()
    candidates = {}
    for name in question_names(question):
        stems = analyzer.stems(name)
        if stems and stems <= unseen_terms:
            candidates[name] = {near for stem in stems for near in _near_forms(stem)}
            candidates[name] |= {analyzer.stem(word) for word in _PLAIN_WORDS.get(name.lower(), ())}
    if not candidates:
        return ()
    # An identifier's parts: a PDF whose font lacks "_" writes "LIB_MEMK" as "LIB MEMK".
    parts = {name: set(map(analyzer.stem, identifier_parts(name.lower()))) for name in candidates if "_" in name}
    weights, lacking = weights_and_unseen(reader, set().union(*candidates.values(), *parts.values()))
    held = set(weights) - lacking
    missing = [name for name, near in candidates.items() if not near & held and not (name in parts and parts[name] <= held)]
    # A name in camelCase the corpus writes as words ("macOS" as "Mac OS X", "WiFi" as "Wi Fi").
    return tuple(name for name in missing if not (_CAMEL_CASE.search(name) and _said_side_by_side(reader, analyzer, _camel_words(name))))


_CAMEL_CASE = re.compile(r"[a-z][A-Z]")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _camel_words(name: str) -> list[str]:
    return [part.lower() for part in _CAMEL_PART.findall(name)]


# A name written as parts joined by "/" or "-": "HTTP/2", "DNS-over-HTTPS", "RISC-V", "AES-GCM".
_COMPOUND = re.compile(r"(?<![\w/.-])[A-Za-z0-9]+(?:[/-][A-Za-z0-9]+)+(?![\w/-])")
_COMPOUND_PART = re.compile(r"[/-]")
_SCIENTIFIC = re.compile(r"\d+[eE]-\d+")  # "1e-10"; "1.5e-10" and "1e+10" never match _COMPOUND
# How many chunks holding a compound's words are read for the words side by side: BM25 ranks
# first the chunks that say them most, and one that names the compound says both.
_COMPOUND_DEPTH = 200


def question_compounds(question: str) -> tuple[str, ...]:
    """The technical compound names of `question`: parts joined by "/" or "-", each an acronym
    ("AES", "V"), a part with a digit ("HTTP/2", "x86-64") or a small word between two such
    ("DNS-over-HTTPS").
    Words joined ("MPL-covered", "non-GPL", "built-in"), capitalised words ("Sklodowska-Curie",
    "June/July", a reader's spelling more often than the corpus's), a range of numbers
    ("2015-16") and a number in scientific notation ("1e-2147483640": a value a reader gives,
    which a manual states as a range, not a name) are not."""
    compounds = []
    for match in _COMPOUND.finditer(question):
        parts = _COMPOUND_PART.split(match.group(0))
        if _SCIENTIFIC.fullmatch(match.group(0)) or all(part.isdigit() for part in parts) or not all(_technical(part) for part in parts):
            continue
        if parts[0] in STOPWORDS or parts[-1] in STOPWORDS:
            continue  # "ASCII-only", "UTF-8-only": a name said of something, not a name
        if any(len(part) > 1 and (part.isupper() or any(c.isdigit() for c in part)) for part in parts):
            compounds.append(match.group(0))
    return tuple(dict.fromkeys(compounds))


def _technical(part: str) -> bool:
    return part.isupper() or any(c.isdigit() for c in part) or part in STOPWORDS


def missing_compounds(
    reader: IndexReader, analyzer: Analyzer, question: str, found: Iterable[str] = (), file_names: Iterable[str] = ()
) -> tuple[str, ...]:
    """The compound names of `question` whose words no chunk, title or file name (of
    `file_names`) holds side by side: "Does the Werkzeug development server support HTTP/2?"
    is asked in words every web server's manual holds ("http", "2"), and its passages answer
    questions near it, but no passage says "HTTP/2". Written as one word ("HTTP2", "WiFi") or,
    for a version, as "version 2" or "v2", the compound is held. A compound written as the
    question writes it in one of `found` (the texts and titles gathered for the question) is
    held without a search: most are ("IS-KP" in the default corpus)."""
    compounds = {name: analyzer.words(name) for name in question_compounds(question)}
    if not compounds:
        return ()
    found = list(found)
    compounds = {name: words for name, words in compounds.items() if not _written_in(name, found)}
    names = [analyzer.indexed_words(name) for name in file_names] if compounds else []
    return tuple(name for name, words in compounds.items() if not _said_side_by_side(reader, analyzer, words, names))


def _said_side_by_side(reader: IndexReader, analyzer: Analyzer, words: list[str], names: list[list[str]] = ()) -> bool:
    """Whether a chunk, a title or one of `names` (file names' words) says `words` in a row, as
    one word, or with a last number as a version (`_compound_forms`). BM25 over the words
    finds the chunks to read: one saying them side by side says them all."""
    forms = [list(map(analyzer.stem, form)) for form in _compound_forms(words)]
    hits = reader.lexical_search(list(dict.fromkeys(stem for form in forms[:2] for stem in form)), _COMPOUND_DEPTH)
    rows = reader.chunks(hits).values()
    texts = [analyzer.indexed_words(text) for text in dict.fromkeys(t for row in rows for t in (row.title, row.text))]
    return any(_holds(said, form) for said in texts + list(names) for form in forms)


def _written_in(name: str, texts: list[str]) -> bool:
    written = re.compile(rf"(?<![\w/-]){re.escape(name)}(?![\w/-]|[.,]\w)", re.IGNORECASE)
    return any(written.search(text) for text in texts)


def _compound_forms(words: list[str]) -> list[list[str]]:
    """The word sequences that say a compound: its words, joined as one, and a last number as a
    version (compared as stems: "Americans" says "American")."""
    forms = [words, ["".join(words)]]
    if len(words) > 1 and words[-1].isdigit():
        forms += [words[:-1] + ["version", words[-1]], words[:-1] + ["v" + words[-1]], words[:-1] + ["v", words[-1]]]
    return forms


def _holds(said: list[str], form: list[str]) -> bool:
    n = len(form)
    return any(said[i : i + n] == form for i in range(len(said) - n + 1) if said[i] == form[0])


def spelled_out_stems(analyzer: Analyzer, question: str, unseen_terms: frozenset[str], passages: Iterable[str]) -> frozenset[str]:
    """The stems of the acronyms of `question` no chunk holds that one of `passages` (the texts and
    titles found for it) writes out: the corpus names the thing, in full ("Eclipse Public License"),
    also with a version written on ("LGPLv3"); and of a version written short ("v3") that a passage
    writes as "version 3"."""
    written = {}
    for name in question_names(question):
        acronym = _VERSION_SUFFIX.sub("", name)
        if acronym.isalpha() and acronym.isupper() and analyzer.stems(name) <= unseen_terms:
            written[name] = acronym
    versions = {match.group(0): match.group(1) for match in _SHORT_VERSION.finditer(question) if analyzer.stem(match.group(0)) in unseen_terms}
    if not written and not versions:
        return frozenset()
    texts = list(passages)
    stems = {stem for name, acronym in written.items() if spelled_out(acronym, texts) for stem in analyzer.stems(name)}
    for short, number in versions.items():
        said = re.compile(rf"\bversion\s+{re.escape(number)}\b", re.IGNORECASE)
        if any(said.search(text) for text in texts):
            stems.add(analyzer.stem(short))
    return frozenset(stems)


def spelled_out(acronym: str, texts: Iterable[str]) -> bool:
    """Whether one of `texts` writes the name `acronym` abbreviates, each capital the start of a
    capitalised word ("Eclipse Public License" for "EPL", "Bureau of Labor Statistics" for "BLS")."""
    name = re.compile(r"\b" + rf"[\s-]+{_UNLETTERED}".join(rf"{letter}[\w'’]*" for letter in acronym) + r"\b")
    return any(name.search(text) for text in texts)


def _near_forms(stem: str) -> set[str]:
    """The forms of `stem` the corpus may hold it in: its starts a letter or two shorter (the
    word it inflects, "pakistan" of "pakistani"), the name without a version it is written with
    ("gpl" of "gplv3": the GPL's text says "version 3") and, for long stems, every form one letter off."""
    forms = {stem[:end] for end in range(max(_PREFIX_FROM, len(stem) - _PREFIX_LETTERS), len(stem))}
    if (versioned := _VERSIONED.match(stem)) is not None:
        forms.add(versioned.group(1))
    if len(stem) >= _FUZZY_FROM:
        splits = [(stem[:i], stem[i:]) for i in range(len(stem) + 1)]
        forms |= {a + b[1:] for a, b in splits if b}
        forms |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        forms |= {a + c + b[1:] for a, b in splits if b for c in ascii_lowercase}
        forms |= {a + c + b for a, b in splits for c in ascii_lowercase}
    forms.discard(stem)
    return forms
