"""A question word the corpus writes another way: a library's file name, an acronym's plural.

"Is there an init function I must call before using libgss?" asks about a manual that
only says "GSS", and "Which metadata fields should my application set when it writes PDFs
with pikepdf?" of a page that says "PDF" (Snowball leaves "pdfs" whole: no vowel before
its "s"). Either word, no chunk holding it, counted against every passage and was read as
a name the corpus never mentions. `respelled` searches such a word in the corpus's form
when the corpus lacks it and holds that form; a word the corpus holds as written is never
changed. (British and American spellings are one word already: `qa.american_spelling`.)
"""

from __future__ import annotations

import re

# "libshishi", "libgss": the library of Shishi, of GSS; not "library", "liberty", "libel"...
_LIBRARY = re.compile(r"^lib(?!rar|ert|era|el|id|ret)([a-z][a-z0-9]{2,})$")
# "PDFs", "URLs", "CPUs", "VM2s": an acronym with a lower-case plural "s" (as written: "HTTPS" is none).
_ACRONYM_PLURAL = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]+)s(?!\w)")


def other_forms(question: str) -> dict[str, str]:
    """The lower-case words of `question` the corpus may write another way, each with that way."""
    forms = {match.group(0).lower(): match.group(1).lower() for match in _ACRONYM_PLURAL.finditer(question)}
    for word in re.findall(r"\w+", question.lower()):
        if (match := _LIBRARY.match(word)) is not None:
            forms[word] = match.group(1)
    return forms
