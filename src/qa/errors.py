"""Errors the core raises; each message says what happened and what to do.

The CLI prints them as `error: <message>` and exits 1; the TUI shows them as
notifications. Nothing below the edges prints or exits.
"""


class QAError(Exception):
    """Base class: a problem the user can act on."""


class CorpusError(QAError):
    """The corpus folder is missing, empty, or holds nothing `qa` can read."""


class IndexMissingError(QAError):
    """No index has been built at the configured location."""


class IndexMismatchError(QAError):
    """The index was built with another model, chunker setting or format version.

    `reason` says what differs, without the fix, so callers that fix it
    themselves (by rebuilding) can still say why.
    """

    def __init__(self, reason: str, fix: str = "run `qa index` to rebuild it"):
        super().__init__(f"{reason}: {fix}")
        self.reason = reason


class IndexFormatError(QAError):
    """The index was written by a newer qa; only an explicit full rebuild replaces it."""


class IndexWriteError(QAError):
    """Writing a new index failed (disk full, permissions); the previous one is still in use."""


class IndexCorruptError(QAError):
    """The index files exist but cannot be read."""


class IndexBusyError(QAError):
    """Another `qa index` is updating the same index folder."""


class ModelError(QAError):
    """The embedding model cannot be found or loaded."""


class QuestionError(QAError):
    """The question cannot be answered as given (empty, for instance)."""


class ScopeError(QAError):
    """A scope (--in, --type, --since, --until) written so that it cannot be used."""


class EmptyScopeError(ScopeError):
    """A scope that matches no document of the corpus."""
