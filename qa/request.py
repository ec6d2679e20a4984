"""The question request (question, history, filters, k): one schema, validated the same way for every surface."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from index.records import Filters
from qa.errors import BadFilterError, BadQuestionError, QAError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FILTER_VALUES = 100
MAX_FILTER_CHARS = 300


def valid_text(text: str, what: str) -> str:
    """Text that can be encoded: JSON lets a lone surrogate ("\\ud800") through, and nothing downstream copes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{what} is not valid Unicode text (character {exc.start + 1} is an unpaired surrogate)"
        ) from None
    return text


class Turn(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["user", "assistant"]
    content: str

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        return valid_text(value, "The message")


class FiltersRequest(BaseModel):
    """Restricts the articles an answer may come from; every filter that is set must match."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article_ids: list[str] = Field(
        default_factory=list, description="Only these articles (ids from GET /api/articles)."
    )
    outlets: list[str] = Field(default_factory=list, description="Only articles from these outlets.")
    date_from: str | None = Field(None, description="Only articles dated on or after this day (yyyy-mm-dd).")
    date_to: str | None = Field(None, description="Only articles dated on or before this day (yyyy-mm-dd).")
    people: list[str] = Field(
        default_factory=list, description="Only articles that mention each of these people (GET /api/entities)."
    )
    organisations: list[str] = Field(
        default_factory=list, description="Only articles that mention each of these organisations."
    )
    places: list[str] = Field(default_factory=list, description="Only articles that mention each of these places.")

    @field_validator("article_ids", "outlets", "people", "organisations", "places", mode="before")
    @classmethod
    def _strings(cls, value: object) -> object:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("article_ids", "outlets", "people", "organisations", "places")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        out = [valid_text(v, "A filter").strip() for v in value]
        if not all(out):
            raise ValueError("must be a list of non-empty strings")
        if len(out) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in out):
            raise ValueError(f"takes at most {MAX_FILTER_VALUES} values of up to {MAX_FILTER_CHARS} characters")
        return out

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError(f"must be a date as yyyy-mm-dd, got {value!r}")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the calendar") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> FiltersRequest:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    @classmethod
    def of(cls, value: Mapping[str, Any] | FiltersRequest | None) -> FiltersRequest | None:
        """Filters from Python values; a problem is a BadFilterError, as over HTTP."""
        if value is None or isinstance(value, FiltersRequest):
            return value
        try:
            return cls.model_validate(dict(value))
        except ValidationError as exc:
            raise BadFilterError(describe(list(exc.errors()))) from None

    def to_filters(self) -> Filters | None:
        filters = Filters(
            tuple(self.article_ids),
            tuple(self.outlets),
            self.date_from,
            self.date_to,
            tuple(self.people),
            tuple(self.organisations),
            tuple(self.places),
        )
        return None if filters.empty else filters


class AskRequest(BaseModel):
    """A question, with the conversation so far and optional filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(description="The question, in plain words.")
    history: list[Turn] = Field(
        default_factory=list, description="Earlier turns, oldest first, for follow-up questions."
    )
    filters: FiltersRequest | None = None
    k: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, description="Chunks to retrieve (default QA_RETRIEVAL_K)."
    )

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        text = " ".join(_CONTROL.sub(" ", valid_text(value, "The question")).split())
        if not text:
            raise ValueError("The question is empty; ask something about the articles")
        if not any(ch.isalnum() for ch in text):
            raise ValueError("The question has no words in it; ask something about the articles")
        return text

    @field_validator("history", mode="before")
    @classmethod
    def _no_history(cls, value: object) -> object:
        return [] if value is None else value

    @classmethod
    def of(cls, question: object, **fields: Any) -> AskRequest:
        """A request from Python values; a problem is a BadQuestionError or BadFilterError, as over HTTP."""
        if isinstance(question, AskRequest):
            return question
        try:
            return cls.model_validate({"question": question, **fields})
        except ValidationError as exc:
            raise request_error(exc) from None

    def check_limits(self, max_question_chars: int, max_history_turns: int, max_history_chars: int) -> None:
        """The size limits the settings set (they vary by deployment, so they are not in the schema)."""
        if len(self.question) > max_question_chars:
            raise BadQuestionError(
                f"The question is {len(self.question):,} characters long; the limit is {max_question_chars:,} "
                "(QA_ANSWER_MAX_QUESTION_CHARS)"
            )
        if len(self.history) > max_history_turns:
            raise BadQuestionError(
                f"The history has {len(self.history)} turns; the limit is {max_history_turns} "
                "(QA_ANSWER_MAX_HISTORY_TURNS): send the last few"
            )
        size = sum(len(t.content) for t in self.history)
        if size > max_history_chars:
            raise BadQuestionError(
                f"The history is {size:,} characters long; the limit is {max_history_chars:,} "
                "(QA_ANSWER_MAX_HISTORY_CHARS): send the last few turns"
            )


class SearchRequest(BaseModel):
    """A search for articles: the query's words, filters, and which page of results."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field(description="Words to look for, or a question.")
    filters: FiltersRequest | None = None
    k: Annotated[int, Field(ge=1, le=100)] = Field(20, description="Articles per page.")
    page: Annotated[int, Field(ge=1, le=100)] = Field(1, description="Which page, from 1.")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        text = " ".join(_CONTROL.sub(" ", valid_text(value, "The query")).split())
        if not any(ch.isalnum() for ch in text):
            raise ValueError("The query has no words in it")
        return text

    @classmethod
    def of(cls, query: object, **fields: Any) -> SearchRequest:
        if isinstance(query, SearchRequest):
            return query
        try:
            return cls.model_validate({"query": query, **{k: v for k, v in fields.items() if v is not None}})
        except ValidationError as exc:
            raise request_error(exc) from None


class WatchRequest(BaseModel):
    """A question to watch, with optional filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(description="The question to answer again after every change to the index.")
    filters: FiltersRequest | None = None


class BatchRequest(BaseModel):
    """Questions answered at once, each on its own (no history), with the same filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[str] = Field(
        min_length=1, max_length=10_000, description="The questions; a bad one is reported in its row."
    )
    filters: FiltersRequest | None = None


def error_kind(location: tuple[int | str, ...]) -> str:
    """Which kind of bad request a validation error at `location` (within the request) is."""
    head = location[0] if location else ""
    if head == "filters":
        return "bad_filter"
    if head in ("question", "history", "k", "query", "page", "questions"):
        return "bad_question"
    return "invalid_request"


def describe(errors: list[Any]) -> str:
    """Pydantic's errors as one readable line: 'filters.date_from: must be a date as yyyy-mm-dd'."""
    parts = []
    for error in errors:
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "body")
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def request_error(exc: ValidationError) -> QAError:
    errors = exc.errors()
    kind = error_kind(tuple(errors[0].get("loc", ()))) if errors else "bad_question"
    cls = BadFilterError if kind == "bad_filter" else BadQuestionError
    return cls(describe(list(errors)))
