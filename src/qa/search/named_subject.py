"""A question that names the document it asks about is read without that name for its passages.

all-MiniLM-L6-v2 reads a product's name as most of a question: "Can I get or use the source
code of the Teradata SQL Driver for Python?" meets the licence's title block ("Teradata SQL
Driver for Python / Copyright 2018 Teradata") at cosine 0.85 and the clause that answers it
("You are granted no rights to obtain or use the Software's source code.") at 0.19, because
the clause never repeats the name. Read without the name ("Can I get or use the source code
of the?"), the question meets the clause at 0.51. A reader who names the document has said
which document; what they ask of it is the rest of the question.

So for each of the first documents found whose title (or file name) the question names, the
question is read again without those words, and that document's passages are placed in the
two vector rankings by that reading. A name is two or more of the title's words in a row,
each written as a name (capitalised inside the question, "Teradata SQL Driver", "Proof
General", or a word of the file's name), or one word of both the title and the file name
that says which document it is ("nfstrace" of "nfstrace-manual.pdf", not "manual"): one
everyday word ("user", "guide") names nothing, and a scientific claim's "breast cancer" is
what it says, not which paper it asks of (with every title word taken as a name, and the second
reading's cosines choosing sentences too, SciFact's nDCG@10 fell 0.732 -> 0.693).
"""

from __future__ import annotations

import re

from qa.analyzer import Analyzer
from qa.ingest.titles import GENERIC_FILE_NAMES
from qa.records import ChunkRow
from qa.search.document_names import DOCUMENTS_READ, found_documents, name_stems, title_terms

_WORD = re.compile(r"\w+(?:['’.-]\w+)*")
# Words a title or file name says of any document: one of them alone names none.
_EVERY_DOCUMENTS_WORDS = GENERIC_FILE_NAMES | {
    "user", "users", "guide", "reference", "tutorial", "howto", "documentation", "doc", "docs",
    "handbook", "introduction", "overview", "notes", "changes", "changelog", "copyright",
}
_MIN_WORDS_LEFT = 2  # content words the question must keep to be read without the name


def named_documents(analyzer: Analyzer, question: str, rows: dict[int, ChunkRow], ranked: list[int]) -> dict[str, str]:
    """{doc_id: the question without the words that name it} for those of the first
    `DOCUMENTS_READ` documents of `ranked` that the question names; {} when it names none."""
    named = {}
    for doc_id, title in list(found_documents(rows, ranked).items())[:DOCUMENTS_READ]:
        without = question_without_name(analyzer, question, title, doc_id)
        if without is not None:
            named[doc_id] = without
    return named


def question_without_name(analyzer: Analyzer, question: str, title: str, doc_id: str) -> str | None:
    """`question` with the words naming the document (`title`, file `doc_id`) taken out, or
    None when it does not name it (or would say too little without the name)."""
    in_title = title_terms(analyzer, title)
    in_name = name_stems(analyzer, doc_id)
    words = list(_WORD.finditer(question))
    stems = [analyzer.stems(word.group()) for word in words]
    stop = [analyzer.is_stopword(word.group()) for word in words]
    marked = [not stop[k] and bool(stems[k]) and stems[k] <= in_title for k in range(len(words))]
    cut: list[tuple[int, int]] = []
    n = 0
    while n < len(words):
        if not marked[n]:
            n += 1
            continue
        # A run of title words, a stop word between two of them allowed ("Driver for Python").
        last = n
        m = n + 1
        while m < len(words) and (marked[m] or (stop[m] and m + 1 < len(words) and marked[m + 1])):
            if marked[m]:
                last = m
            m += 1
        run = [k for k in range(n, last + 1) if marked[k]]
        if (len(run) >= 2 and all(_written_as_name(words[k].group(), k, stems[k], in_name) for k in run)) or (
            len(run) == 1 and _names_alone(words[n].group(), stems[n], in_name)
        ):
            cut.append((words[n].start(), words[last].end()))
        n = last + 1
    if not cut:
        return None
    kept, at = [], 0
    for start, end in cut:
        kept.append(question[at:start])
        at = end
    kept.append(question[at:])
    without = " ".join("".join(kept).split())
    if sum(not analyzer.is_stopword(word) for word in analyzer.words(without)) < _MIN_WORDS_LEFT:
        return None
    return without


def _written_as_name(word: str, position: int, stems: frozenset[str], in_name: frozenset[str]) -> bool:
    """Whether a title word is written as part of a name: capitalised inside the question ("Proof
    General", "Teradata SQL Driver"), or a word of the file's name. A claim's "breast cancer" is
    in a paper's title too, but it is what the claim says, not which paper it asks of."""
    return (position > 0 and word[0].isupper()) or any(ch.isupper() for ch in word[1:]) or _names_alone(word, stems, in_name)


def _names_alone(word: str, stems: frozenset[str], in_name: frozenset[str]) -> bool:
    """Whether one title word names its document alone: the file is named by it too, and it is
    no word every document's title or name may hold."""
    return stems <= in_name and word.lower() not in _EVERY_DOCUMENTS_WORDS and len(word) > 2
