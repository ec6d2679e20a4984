"""Chunking on paragraph boundaries: one paragraph, a few short neighbours together, or a long one cut at sentences."""

from __future__ import annotations

import re

from index.records import Article, Chunk, chunk_id
from index.sentences import sentence_spans

MIN_WORDS = 20  # a shorter paragraph takes its neighbours along, so it is embedded with some context
MAX_WORDS = 120  # all-MiniLM-L6-v2 reads 256 word pieces; about 120 words fit
MAX_PARAGRAPHS = 3

_WORD = re.compile(r"\S+")
BULLETS = "•*-–—·▪ "  # list markers are layout, not part of a sentence


def _count(text: str) -> int:
    return len(text.split())


def split_long(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Cut a paragraph into pieces of at most about max_words, at sentence ends where it can.

    Pieces are exact substrings; together they hold every non-space character of the paragraph once.
    """
    if _count(text) <= max_words:
        return [text]
    pieces: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if _count(text[start:end]) > max_words:
            # A run-on "sentence": cut between words.
            words = [m.span() for m in _WORD.finditer(text, start, end)]
            for i in range(0, len(words), max_words):
                group = words[i : i + max_words]
                pieces.append((group[0][0], group[-1][1]))
            continue
        if pieces and _count(text[pieces[-1][0] : end]) <= max_words and pieces[-1][1] <= start:
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    return [text[s:e] for s, e in pieces]


def chunk_article(article: Article, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[Chunk]:
    digest = article.content_hash
    chunks: list[Chunk] = []

    def add(numbers: tuple[int, ...], text: str) -> None:
        chunks.append(Chunk(chunk_id(article.id, digest, len(chunks)), article.id, numbers, text, digest))

    paragraphs = article.paragraphs
    i = 0
    while i < len(paragraphs):
        text = paragraphs[i]
        if _count(text) > max_words:
            for piece in split_long(text, max_words):
                add((i + 1,), piece)
            i += 1
            continue
        numbers = [i + 1]
        parts = [text]
        total = _count(text)
        j = i + 1
        while (
            total < min_words
            and j < len(paragraphs)
            and len(parts) < MAX_PARAGRAPHS
            and total + _count(paragraphs[j]) <= max_words
        ):
            parts.append(paragraphs[j])
            numbers.append(j + 1)
            total += _count(paragraphs[j])
            j += 1
        add(tuple(numbers), "\n\n".join(parts))
        i = j
    return chunks


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    """The sentences of a paragraph (or a piece of one) as (start, end) offsets, list bullets left out."""
    out = []
    for start, end in sentence_spans(text):
        while start < end and text[start] in BULLETS:
            start += 1
        if start < end:
            out.append((start, end))
    return out


def chunk_sentences(chunk: Chunk) -> list[tuple[int, str]]:
    """The sentences of a chunk as (paragraph number, sentence), list bullets left out.

    Each sentence is a verbatim substring of its paragraph; ingest embeds exactly these, and answers quote them.
    """
    out: list[tuple[int, str]] = []
    parts = chunk.text.split("\n\n") if len(chunk.paragraphs) > 1 else [chunk.text]
    for number, part in zip(chunk.paragraphs, parts, strict=False):
        out.extend((number, part[start:end]) for start, end in sentence_offsets(part))
    return out
