"""The words a document's file name gives it: how a reader names a document whose text never does.

"ujson-licence.txt" is the licence ujson ships, and its text never says "ujson" (it
says "Developed by ESN, an Electronic Arts Inc. studio"). "Where does the number
decoding code in ujson come from?" ranked the licence's right passage first and was
refused: "ujson" counted as a word the corpus never mentions, and against every
passage as one it lacks. A citation prints the file's name beside the passage, so a
question word the name holds is a word that document holds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

from qa.analyzer import Analyzer
from qa.ingest.titles import GENERIC_FILE_NAMES, file_name_words
from qa.records import ChunkRow

_TITLE_WORD = re.compile(r"[^\W\d_][\w'’-]*")  # a word of a title, for its initials
# The documents whose passages rank first are the ones a reader is reading, or asking about: a
# question read again under their titles or without their names reads these few (each costs one
# more text through the model).
DOCUMENTS_READ = 3


def name_words(doc_id: str) -> list[str]:
    """The words of a document's file name without its extension ("ujson-licence.txt" -> ujson,
    licence); for a file named only for what it is, what says more: the note after a README's
    name ("README.SMIME") and its folder ("GitPython/README.md")."""
    path = PurePosixPath(doc_id)
    words = file_name_words(path.stem)
    if all(word.lower() in GENERIC_FILE_NAMES for word in words):
        note = file_name_words(path.suffix) if not path.suffix.islower() else []  # ".Debian", ".SMIME"; not ".txt"
        words += note + file_name_words(path.parent.name)
    return words


def name_stems(analyzer: Analyzer, doc_id: str) -> frozenset[str]:
    """The stems of `name_words`, as the question's words are stemmed."""
    return frozenset(analyzer.stems(" ".join(name_words(doc_id))))


@lru_cache(maxsize=4096)  # a corpus's titles recur question after question
def title_terms(analyzer: Analyzer, title: str) -> frozenset[str]:
    """The stems of a document title's words, and the acronyms its capitalised words make
    ("mpl" for "Mozilla Public License Version 2.0"): how a question names the document."""
    initials = "".join(word[0] for word in _TITLE_WORD.findall(title) if word[0].isupper()).lower()
    return frozenset(analyzer.stems(title) | {initials[i:j] for i in range(len(initials)) for j in range(i + 3, len(initials) + 1)})


def found_documents(rows: dict[int, ChunkRow], ranked: list[int]) -> dict[str, str]:
    """{doc_id: title} of the documents of the `ranked` chunks (those `rows` holds), in the order
    of their first passage."""
    titles: dict[str, str] = {}
    for chunk_id in ranked:
        row = rows.get(chunk_id)
        if row is not None and row.doc_id not in titles:
            titles[row.doc_id] = row.title
    return titles
