"""Errors about questions and requests; everything about the index lives in index.errors."""

from __future__ import annotations

from index.errors import (
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
    """An empty, over-long or otherwise unusable question."""


class BadFilterError(QAError):
    """A filter that is malformed or names something that is not in the index."""


__all__ = [
    "BadFilterError",
    "BadQuestionError",
    "CorruptIndexError",
    "EmbeddingModelError",
    "ModelMismatchError",
    "NoIndexError",
    "QAError",
    "RejectedInput",
    "StoreUnavailableError",
    "UnknownArticleError",
]
