"""British spellings read as American ones, so "colour" and "color" are one word to search.

"What licence is Why3 released under?" asks in British spelling of a manual that says
"license": the stems differ ("licenc", "licens"), so the question's most telling word
matched nothing, lexical search missed the answer and the no-answer rule refused it over
the right passage. Swapping a spelling only where the corpus lacked the question's
(as `qa` first did) fails once a corpus holds both: "How many colours will Rich show in
the old Windows console?" was refused over Rich's "limited to 16 colors" because another
document wrote "colour". The analyzer reads every word through `american` before
stemming, the corpus's as the question's, so the two spellings are one stem everywhere:
search, shared words, term weights, names.

A rule below may also rewrite a word that has no other spelling ("promise" ->
"promize"); both sides are rewritten alike, so it still matches itself and nothing else.
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
# Words in -our whose American spelling drops the u ("colour", "behaviour"); listed, since
# "four", "hour" and "your" are no such words.
_OUR = (
    "armour behaviour clamour colour endeavour favour flavour harbour honour humour labour neighbour odour "
    "parlour rigour rumour saviour splendour tumour valour vapour vigour"
).split()
_OUR_WORD = re.compile(rf"^({'|'.join(w[:-3] for w in _OUR)})our(s|ed|ing|ite|ites|able|ably|ful|less|hood|ly)?$")
# -ise and -yse verbs and their forms ("initialise", "serialisation", "analysed").
_ISE = re.compile(r"^(\w{3,}[iy])s(e|es|ed|ing|er|ers|ation|ations|able)$")


def american(word: str) -> str:
    """The American spelling of a lower-case English `word`; the word itself when it has none."""
    if word in _WORDS:
        return _WORDS[word]
    if (match := _OUR_WORD.match(word)) is not None:
        return match.group(1) + "or" + (match.group(2) or "")
    if (match := _ISE.match(word)) is not None:
        return match.group(1) + "z" + match.group(2)
    return word
