"""Errors about questions, question sets and the language model; everything about the index is in index.errors."""

from __future__ import annotations

from index.errors import (
    AnnotatorError,
    ConfigError,
    CorruptIndexError,
    EmbeddingModelError,
    ModelMismatchError,
    NoIndexError,
    QAError,
    RejectedInput,
    StoreUnavailableError,
    UnknownArticleError,
)


class BadQuestionError(QAError):
    """An empty, over-long or otherwise unusable question (or history)."""


class BadFilterError(QAError):
    """A filter that is malformed or names something that is not in the index."""


class BadQuestionSetError(QAError):
    """An evaluation question set that cannot be read or run."""


class UnknownJobError(QAError):
    """A batch job id the server does not have (never submitted, or forgotten after a restart)."""


class UnknownWatchError(QAError):
    """A watch id that is not saved beside this index."""


class LLMError(QAError):
    """The language model failed, timed out or cannot be loaded."""


__all__ = [
    "AnnotatorError",
    "BadFilterError",
    "BadQuestionError",
    "BadQuestionSetError",
    "ConfigError",
    "CorruptIndexError",
    "EmbeddingModelError",
    "LLMError",
    "ModelMismatchError",
    "NoIndexError",
    "QAError",
    "RejectedInput",
    "StoreUnavailableError",
    "UnknownArticleError",
    "UnknownJobError",
    "UnknownWatchError",
]
