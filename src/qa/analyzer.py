"""How `qa` reads words: one analyzer for indexing, searching, highlighting and follow-ups.

Every part that cuts text into words, drops stop words or stems asks the
analyzer, so a word the index stored is the word a question looks for. The
index records the analyzer's name in its manifest (as bm25s saves its tokenizer
with the index): an index built with other word rules is re-analysed before it
is searched, never queried with rules it was not built with.

Lexical search runs on FTS5 over the analyzer's stems (the text is stemmed
here, FTS5 only splits on spaces), so there is one stemmer, not FTS5's porter
beside Snowball.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from qa.american_spelling import american
from qa.errors import QuestionError

# Longer questions are cut: the model reads 256 word pieces and FTS5 takes 64
# terms anyway; the cap keeps a pasted document from costing seconds.
MAX_QUESTION_CHARS = 2000
# Words are runs of \w, so no stem holds a space: what this stem weighs (IndexReader.term_weights)
# is what any stem no chunk holds weighs.
NEVER_A_STEM = " "
# A pasted essay must not become a huge FTS5 query.
MAX_QUERY_TERMS = 64

# English function words and question words: they carry no topic and would make
# BM25 favour whichever chunk says "the" most. Kept in code, not a file, so the
# query path reads nothing from disk.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t d ll m re ve""".split()
)

# Reports phrase advice with modal verbs ("more should be done", "will require"),
# rarely with the word "recommend" a reader asks with; lexical search alone would
# find nothing for "What does the report recommend?".
_ADVICE_QUESTION = re.compile(r"\b(recommend\w*|advi[sc]\w*|suggest\w*|propos\w*|(can|could|must|should) be done)\b", re.I)
ADVICE_TERMS = ("should", "must", "require", "need", "recommend", "urge", "advise", "suggest", "propose")
# Words a question uses to point at the corpus itself ("What does the report
# recommend?"): they say nothing about which passage answers.
META_WORDS = ("report", "article", "document", "paper", "author", "text", "essay", "writer")

# Index words: letters, digits, underscores, any script. "IS-KP" is two words, as FTS5 sees it.
_WORD = re.compile(r"\w+", re.UNICODE)
# A word broken at a line end with a hyphen, continued in lower case on the next line
# ("devel-\nopment", as PDFs and wrapped text break words): one word to search for; the
# match ("-\n") is what joining removes. And an identifier a Texinfo PDF breaks after an
# underscore ("gcry_check_\nversion", "ASN1_\nSYNTAX_ERROR"): the line break is removed.
# The characters at the break come first and the ones before it are looked behind for, so
# the regex engine jumps between line ends instead of trying a look-behind at every
# character (the words of 871 chunks: 10 -> 0.3 ms).
LINE_END_JOIN = re.compile(r"-\n(?<=[^\W\d_]-\n)(?=[a-z])|\n(?<=[^\W_]_\n)(?=[^\W_])")
# Surface tokens for reading a question as a person does: "IS-KP" and "al-Azaim's" stay whole,
# so a name is recognised as one name.
_TOKEN = re.compile(r"\w[\w'’-]*\w|\w", re.UNICODE)


@dataclass(frozen=True)
class Analyzer:
    """Words, stop words and stems of one language, and the FTS5 query built from them."""

    name: str  # recorded in the index manifest; change it whenever the rules below change
    stopwords: frozenset[str]
    fts_tokenizer: str  # how FTS5 splits the stored stems: on spaces and punctuation only

    def normalize_question(self, question: str) -> str:
        """The question as `qa` searches and shows it; raises QuestionError when nothing is left.

        Lone surrogates (undecodable bytes smuggled through argv or stdin) become
        U+FFFD, control characters become spaces, whitespace runs fold to one space.
        """
        text = question.encode("utf-8", "replace").decode("utf-8")
        text = "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) else ch for ch in text)
        cleaned = " ".join(text.split())[:MAX_QUESTION_CHARS]
        if not cleaned:
            raise QuestionError('the question is empty: ask something, e.g. qa ask "When was IS-KP formed?"')
        return cleaned

    def words(self, text: str) -> list[str]:
        """Lower-cased index words of `text`; a word hyphenated at a line end is one word."""
        return _words(text)

    def word_spans(self, text: str) -> list[tuple[int, int]]:
        """Where each index word of `text` lies: for marking a question's words in a passage."""
        return [match.span() for match in _WORD.finditer(text)]

    def tokens(self, text: str) -> list[str]:
        """Surface tokens as written, names kept whole ("IS-KP"): for reading follow-up questions."""
        return _TOKEN.findall(text)

    def is_stopword(self, word: str) -> bool:
        return word.lower() in self.stopwords

    def content_words(self, text: str) -> list[str]:
        """Words that say what a question is about, in order, without repeats.

        Falls back to all words when every word is a stop word ("Who are they?"),
        so such a question still matches something lexically.
        """
        all_words = list(dict.fromkeys(self.words(text)))
        content = [w for w in all_words if w not in self.stopwords]
        return content or all_words

    def search_terms(self, question: str) -> list[str]:
        """The words lexical search looks for: content words, plus advice verbs for advice questions."""
        terms = self.content_words(question)
        if _ADVICE_QUESTION.search(question):
            terms += [t for t in ADVICE_TERMS if t not in terms]
        return terms[:MAX_QUERY_TERMS]

    def stem(self, word: str) -> str:
        """Snowball (Porter 2) stem of a lower-cased word: "announced" and "announce" agree, and
        so do "colour" and "color" (`qa.american_spelling`)."""
        return _stem(word)

    def stems(self, text: str) -> frozenset[str]:
        """The distinct stems of `text`'s words."""
        return _stems_of(text)

    def with_parts(self, stems: Iterable[str]) -> frozenset[str]:
        """`stems` and the parts of those that join words by underscores: the terms a chunk counts
        in the document frequencies (term_df).

        Lexical search finds "lsb" in a chunk saying OPUS_SET_LSB_DEPTH (FTS5's tokenizer splits
        stored words at underscores), so the frequencies count it there too: "What LSB depth
        should I configure?" was refused as naming what no chunk holds.
        """
        stems = frozenset(stems)
        parts = {part for stem in stems if "_" in stem for part in identifier_parts(stem)}
        return stems | parts if parts else stems

    def question_stems(self, question: str) -> list[str]:
        """Stems of the words a matching passage should share with the question, in order, no repeats."""
        return list(dict.fromkeys(_stem(w) for w in self.search_terms(question)))

    def indexed_words(self, text: str) -> list[str]:
        """A chunk's stems in order, repeats kept (`indexed_text` before they are joined)."""
        return list(map(_stem, self.words(text)))

    def indexed_text(self, text: str) -> str:
        """What FTS5 stores for a chunk: its stems in order, so BM25 counts repeats and length."""
        return " ".join(self.indexed_words(text))

    def fts_query(self, terms: list[str]) -> str | None:
        """An FTS5 MATCH expression OR-ing stems, or None if there are none.

        Each stem is double-quoted (FTS5 string syntax), so quotes, AND, NEAR, *,
        : and parentheses in a question are only ever text.
        """
        if not terms:
            return None
        return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)

    @cached_property
    def advice_stems(self) -> frozenset[str]:
        return frozenset(_stem(t) for t in ADVICE_TERMS)

    @cached_property
    def meta_stems(self) -> frozenset[str]:
        return frozenset(_stem(t) for t in META_WORDS)

    def describe(self) -> dict:
        """What the manifest records, so a reader can tell whether the index's words are its own."""
        return {"name": self.name, "fts_tokenizer": self.fts_tokenizer}


@lru_cache(maxsize=1)
def _english_stemmer():
    import snowballstemmer  # ~15 ms, so loaded on first use; runs on PyStemmer's C code when present

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # Diacritics folded first, as the index's words are: "café" and "cafe" are one word.
    if not word.isascii():
        word = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    return _english_stemmer().stemWord(american(word))


# BM25 scores every chunk that holds any query word (about a microsecond each)
# before it can rank: at a million chunks a common word alone costs a second.
POSTINGS_BUDGET = 20_000


def within_postings_budget(terms: list[str], frequency: dict[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """The stems to search for, rarest first, leaving out the commonest once their chunks exceed `budget`.

    A word in a large share of the chunks adds little to BM25 (low IDF) and
    costs the most to score; the rarest word is always kept. Small corpora
    never reach the budget, so their ranking is untouched.
    """
    if sum(frequency.get(t, 0) for t in terms) <= budget:
        return terms
    kept, total = [], 0
    for term in sorted(terms, key=lambda t: frequency.get(t, 0)):
        if kept and total + frequency.get(term, 0) > budget:
            break
        kept.append(term)
        total += frequency.get(term, 0)
    return kept


# -3: a chunk's words include its heading path (records.searched_text); -4: British spellings
# stemmed as American ones; -5: an identifier's parts counted in term_df (`with_parts`). An index
# of older words is re-analyzed on its next update, in seconds, its vectors untouched.
ENGLISH = Analyzer(name="english-snowball-5", stopwords=STOPWORDS, fts_tokenizer="unicode61 remove_diacritics 0")


def _words(text: str) -> list[str]:
    text = LINE_END_JOIN.sub("", text)
    if text.isascii():  # lower-casing ASCII never changes where words are: one call, not one a word
        return _WORD.findall(text.lower())
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=1 << 13)  # about 25 MB when full of 30-word sentences (a text and a set of stems each)
def _stems_of(text: str) -> frozenset[str]:
    """The distinct stems of `text`'s words. Cached: the answer path's busiest call, and a batch of
    questions reads many of the same sentences again (each distinct word stemmed once, in C)."""
    return frozenset(map(_stem, set(_words(text))))


def identifier_parts(identifier: str) -> list[str]:
    """The words an identifier joins by underscores, as FTS5's tokenizer splits it: "opus", "set",
    "lsb", "depth" of "opus_set_lsb_depth" ("__init__": "init")."""
    return [part for part in identifier.split("_") if part]
