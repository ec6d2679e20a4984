"""The project's exception classes: each message says what failed, where, and what to run next."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error this project raises on purpose; only its subclasses are raised."""


class ConfigError(QAError):
    """A setting or option that cannot work (a collection name chroma refuses, workers without a shared store)."""


class RejectedInput(QAError):
    """A file or article that cannot be ingested (empty, binary, too big, unknown format, malformed)."""


class NoIndexError(QAError):
    """There is no index where one was expected."""


class ModelMismatchError(QAError):
    """The index was built with a different embedding model (or layout) than this one reads."""


class StoreUnavailableError(QAError):
    """The vector store cannot be reached (chroma server down) or opened."""


class CorruptIndexError(QAError):
    """The index directory exists but cannot be read."""


class UnknownArticleError(QAError):
    """An article id that is not in the index."""


class EmbeddingModelError(QAError):
    """The embedding model cannot be found or loaded."""


class AnnotatorError(QAError):
    """The language-analysis pipeline (spaCy and its English model) cannot be loaded."""
