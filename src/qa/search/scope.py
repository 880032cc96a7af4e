"""Which documents a question is asked of: folders or files, file types, and a date range.

A `Scope` is a stage input like the question itself: `gather` hands it to the
index, which resolves it to its own documents once per question and applies
it inside each search (an id selector on the vectors, a join on the words), so
ranking, the no-answer decision, diversity and sibling support only ever see
passages of the scope. The edges parse what a user typed with `parse_scope`;
its errors say what is wrong and how to write it.

A document's date is the one it states in its metadata (PDF CreationDate,
HTML <meta> dates, ...) and otherwise its file's modification time (local time).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from qa.errors import ScopeError

# What a user may call a type, to the file extensions it stands for.
_TYPE_ALIASES = {"html": ("html", "htm"), "htm": ("html", "htm"), "md": ("md", "markdown"), "markdown": ("md", "markdown")}
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Scope:
    """The documents a question may be answered from; empty fields do not restrict.

    Several `paths` (or several `types`) widen the scope (any of them); the
    kinds of filter narrow it (all of them).
    """

    paths: tuple[str, ...] = ()  # corpus-relative, "/"-separated: a folder (all below it) or a file; "" = the corpus
    types: tuple[str, ...] = ()  # lower-case file extensions without the dot ("pdf", "html", "htm")
    since: date | None = None  # inclusive, on the document's date
    until: date | None = None  # inclusive

    @property
    def is_everything(self) -> bool:
        return not (self.paths or self.types or self.since or self.until)

    @property
    def names(self) -> tuple[str, ...]:
        """The paths as the user sees them (the Unicode forms matched are collapsed)."""
        return tuple(dict.fromkeys(unicodedata.normalize("NFC", p) or "." for p in self.paths))

    @property
    def type_names(self) -> tuple[str, ...]:
        """The types as asked for: "html" stands for html and htm, so it is shown once."""
        shown: list[str] = []
        for extension in self.types:
            if not any(extension in _TYPE_ALIASES.get(other, ()) for other in shown):
                shown.append(extension)
        return tuple(shown)

    def describe(self) -> str:
        """One line for people: 'in reports/2025, type pdf, since 2024-01-01'; 'everything' when empty."""
        parts = []
        if self.paths:
            parts.append("in " + ", ".join(self.names))
        if self.types:
            parts.append("type " + ", ".join(self.type_names))
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        return "; ".join(parts) or "everything"

    def to_dict(self) -> dict:
        """The JSON answers echo as "filters" (and the server accepts back)."""
        return {
            "in": list(self.names),
            "type": list(self.type_names),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    def with_changes(self, **changes) -> "Scope":
        """This scope with some fields replaced (the chat sets one filter at a time)."""
        from dataclasses import replace

        scope = replace(self, **changes)
        _check_range(scope.since, scope.until)
        return scope


EVERYTHING = Scope()


def parse_scope(
    corpus_dir: Path,
    paths: list[str] | tuple[str, ...] | None = None,
    types: list[str] | tuple[str, ...] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Scope:
    """A Scope from what a user typed (`--in`, `--type`, `--since`, `--until`).

    Raises:
        ScopeError: a path outside the corpus, a type that is no file extension,
            a date not written YYYY-MM-DD (or YYYY-MM, YYYY), or since after until.
    """
    resolved: list[str] = []
    for path in paths or ():
        resolved.extend(scope_path(corpus_dir, path))
    extensions: list[str] = []
    for name in types or ():
        extensions.extend(scope_type(name))
    first = parse_date(since, "--since", last=False) if since else None
    last = parse_date(until, "--until", last=True) if until else None
    _check_range(first, last)
    return Scope(tuple(dict.fromkeys(resolved)), tuple(dict.fromkeys(extensions)), first, last)


def scope_path(corpus_dir: Path, path: str) -> tuple[str, ...]:
    """The corpus-relative forms of a folder or file given relative to the corpus root, or absolute inside it.

    Both Unicode forms (NFC, NFD) are kept: a name typed on one system may be
    stored decomposed by another.
    """
    text = path.strip()
    if not text:
        raise ScopeError("--in needs a folder or file of the corpus, e.g. --in reports/2025")
    if any(ord(ch) < 32 for ch in text):
        raise ScopeError(f"--in {text!r} holds control characters: pass a folder or file of the corpus")
    relative = _inside(corpus_dir, text)
    if relative is None:
        raise ScopeError(
            f"--in {text}: not inside the corpus {corpus_dir}; pass a folder or file relative to the corpus root "
            "(e.g. --in reports/2025) or an absolute path inside it"
        )
    return tuple(dict.fromkeys(unicodedata.normalize(form, relative) for form in ("NFC", "NFD")))


def _inside(corpus_dir: Path, text: str) -> str | None:
    """`text` as a path relative to the corpus root ("" for the root), or None when outside it."""
    bases = list(dict.fromkeys([Path(os.path.abspath(corpus_dir)), corpus_dir.resolve()]))
    given = Path(text)
    candidates = [given] if given.is_absolute() else [Path(os.path.abspath(corpus_dir / text)), Path(os.path.abspath(text))]
    for number, candidate in enumerate(candidates):
        # Relative to the corpus root first; relative to here only when that names something real.
        if number > 0 and not candidate.exists():
            continue
        for form in dict.fromkeys([candidate, candidate.resolve()]):
            for base in bases:
                try:
                    relative = form.relative_to(base).as_posix()
                except ValueError:
                    continue
                return "" if relative == "." else str(PurePosixPath(relative))
    return None


def scope_type(name: str) -> tuple[str, ...]:
    """The file extensions a `--type` stands for: "pdf", ".PDF" -> ("pdf",); "html" -> ("html", "htm")."""
    extension = name.strip().lower().lstrip(".")
    if not _EXTENSION.match(extension):
        raise ScopeError(f"--type {name!r} is not a file type: pass an extension such as pdf, html, docx, txt or md")
    return _TYPE_ALIASES.get(extension, (extension,))


def parse_date(text: str, option: str = "--since", last: bool = False) -> date:
    """YYYY-MM-DD; YYYY-MM and YYYY stand for their first day (or, with `last`, their last day)."""
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match[1]), int(match[2] or (12 if last else 1)), match[3]
        if day is None:
            day = _month_end(year, month) if last else 1
        return date(year, month, int(day))
    except ValueError:
        raise ScopeError(f"{option} {text!r} is not a date: write it YYYY-MM-DD, e.g. {option} 2024-01-31") from None


def _month_end(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def _check_range(since: date | None, until: date | None) -> None:
    if since and until and since > until:
        raise ScopeError(
            f"--since {since.isoformat()} is after --until {until.isoformat()}: no date is in that range; swap them"
        )
