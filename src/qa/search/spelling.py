"""British and American spellings of one word, for a question the corpus spells the other way.

"What licence is Why3 released under?" asks in British spelling of a manual that says
"license": the stems differ ("licenc", "licens"), so the question's most telling word
was one no chunk holds, lexical search missed the answer and the no-answer rule, counting
the word against every passage, refused it over the right one. A question word the
corpus lacks is searched as its other spelling when the corpus has that one
(`respelled`); a word the corpus holds as written is never changed. A library asked
about by its file name ("Is libshishi thread-safe?") is the same way searched by its
project's name when the manual only writes that ("Shishi").
"""

from __future__ import annotations

import re

# Spellings no rule below makes, British first.
_WORDS = {
    "licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing",
    "defence": "defense", "offence": "offense", "pretence": "pretense",
    "centre": "center", "centres": "centers", "centred": "centered", "metre": "meter", "metres": "meters",
    "litre": "liter", "fibre": "fiber", "theatre": "theater", "calibre": "caliber", "spectre": "specter",
    "catalogue": "catalog", "catalogues": "catalogs", "dialogue": "dialog", "dialogues": "dialogs",
    "analogue": "analog", "programme": "program", "programmes": "programs", "grey": "gray",
    "aluminium": "aluminum", "mould": "mold", "sceptical": "skeptical", "manoeuvre": "maneuver",
    "enrol": "enroll", "fulfil": "fulfill", "tonne": "ton", "cheque": "check", "plough": "plow",
}
_AMERICAN = {american: british for british, american in _WORDS.items()}
# Words in -our whose American spelling drops the u ("colour", "behaviour"); listed, since
# "four", "hour" and "your" are no such words.
_OUR = (
    "armour behaviour clamour colour endeavour favour flavour harbour honour humour labour neighbour odour "
    "parlour rigour rumour saviour splendour tumour valour vapour vigour"
).split()
_OUR_WORD = re.compile(rf"^({'|'.join(w[:-3] for w in _OUR)})(ou?r)(s|ed|ing|ite|ites|able|ably|ful|less|hood|ly)?$")
# -ise/-ize and -yse/-yze verbs and their forms ("initialise", "serialisation", "analysed").
_ISE = re.compile(r"^(\w{3,}[iy])([sz])(e|es|ed|ing|er|ers|ation|ations|able)$")


# "libshishi", "libgss": the library of Shishi, of GSS; not "library", "liberty", "libel"...
_LIBRARY = re.compile(r"^lib(?!rar|ert|era|el|id|ret)([a-z][a-z0-9]{2,})$")


def variant(word: str) -> str | None:
    """The other spelling of a lower-case English `word` (British <-> American; a library's
    project name without "lib"), or None."""
    if word in _WORDS:
        return _WORDS[word]
    if word in _AMERICAN:
        return _AMERICAN[word]
    if (match := _OUR_WORD.match(word)) is not None:
        stem, vowel, ending = match.groups()
        return stem + ("or" if vowel == "our" else "our") + (ending or "")
    if (match := _ISE.match(word)) is not None:
        stem, letter, ending = match.groups()
        return stem + ("z" if letter == "s" else "s") + ending
    if (match := _LIBRARY.match(word)) is not None:
        return match.group(1)
    return None
