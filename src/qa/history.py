"""Questions asked in the chat, kept across sessions so Up/Down can recall them.

One JSON string per line, appended as questions are asked, so two sessions
writing at once interleave whole lines instead of overwriting each other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MAX_ENTRIES = 500  # recall is for recent questions; the file is trimmed to this on load


def default_history_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "qa" / "history.jsonl"


class History:
    """Earlier questions, oldest first, with a cursor for recall.

    Unreadable or damaged files give an empty history rather than an error:
    losing recall must never stop anyone asking.
    """

    def __init__(self, path: Path | None, entries: list[str] | None = None):
        self.path = path
        self.entries: list[str] = list(entries or [])
        self._cursor = len(self.entries)
        self._draft = ""

    @classmethod
    def load(cls, path: Path) -> "History":
        entries = []
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        value = json.loads(line)
                    except ValueError:
                        continue  # a line cut by a crash: skip it, keep the rest
                    if isinstance(value, str) and value.strip():
                        entries.append(value)
        except OSError:
            pass
        return cls(path, entries[-MAX_ENTRIES:])

    def add(self, question: str) -> str | None:
        """Remember a question; returns a warning when it could not be saved."""
        question = " ".join(question.split())
        self._draft = ""
        # Asking the same thing twice in a row is one entry.
        new = bool(question) and (not self.entries or self.entries[-1] != question)
        if new:
            self.entries.append(question)
        self._cursor = len(self.entries)  # recall starts again from the newest
        if not new or self.path is None:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(question, ensure_ascii=False) + "\n")
        except OSError as exc:
            return f"could not save the question history to {self.path}: {exc.strerror or exc}"
        return None

    def previous(self, current: str) -> str | None:
        """The entry before the cursor (the draft is kept when leaving it), or None at the start."""
        if self._cursor == 0:
            return None
        if self._cursor == len(self.entries):
            self._draft = current
        self._cursor -= 1
        return self.entries[self._cursor]

    def next(self) -> str | None:
        """The entry after the cursor, the draft past the newest, or None when already there."""
        if self._cursor >= len(self.entries):
            return None
        self._cursor += 1
        return self._draft if self._cursor == len(self.entries) else self.entries[self._cursor]
