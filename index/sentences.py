"""Sentence boundaries inside a paragraph, as character spans, so quotes stay verbatim."""

from __future__ import annotations

import re

# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    """
mr mrs ms dr prof st sr jr cllr coun rev gen col lt sgt capt cpt gov sen rep supt insp det con pc no nos vs
etc eg ie approx dept est fig inc ltd co corp plc jan feb mar apr jun jul aug sep sept oct nov dec mt ft
""".split()
)

_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«•-–—*"

# A candidate end: terminal punctuation (or ellipsis), optional closing quotes/brackets, then whitespace.
_END = re.compile(r"(?:[.!?]+|…)[" + re.escape(_CLOSERS) + r"]*(?=\s+)")


def _is_abbreviation(text: str, dot_at: int) -> bool:
    if text[dot_at] != ".":
        return False
    start = dot_at
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    if start > 0 and text[start - 1].isalnum():
        return False  # "£24m." or "2.5m." end a number, not an abbreviation
    word = text[start:dot_at].lower().replace(".", "")
    if word in _ABBREVIATIONS:
        return True
    # Initials ("J. Smith", "U.S.") and single letters.
    return len(text[start:dot_at].replace(".", "")) == 1


# After a country's initials ("U.S.", "U.K.") a capitalised word is mostly the name they qualify ("the U.S.
# Treasury", "U.S. Dlrs"); a sentence begins there only with a word that usually opens one.
_OPENING_WORDS = frozenset(
    "the a an it its he his she her they their we our i this that these those there but in on at for after "
    "however meanwhile".split()
)
_INITIALS = re.compile(r"(?:\b[A-Z]\.){2,}$")


def _starts_sentence(text: str, at: int, after_initials: bool = False) -> bool:
    """True when the text from `at` looks like the start of a new sentence."""
    while at < len(text) and text[at] in _OPENERS:
        at += 1
    if at >= len(text):
        return False
    char = text[at]
    if after_initials and char.isalpha():
        word = re.match(r"[A-Za-z]+", text[at:])
        return char.isupper() and word is not None and word.group(0).lower() in _OPENING_WORDS
    return char.isupper() or char.isdigit() or char in "£$€"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences in `text`; text[start:end] is stripped and non-empty.

    The spans are in order and cover every non-space character of the text exactly once.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        punct_at = match.start()
        if _is_abbreviation(text, punct_at) and end == punct_at + 1:
            continue
        next_at = end
        while next_at < len(text) and text[next_at].isspace():
            next_at += 1
        initials = end == punct_at + 1 and _INITIALS.search(text, 0, end) is not None
        if next_at < len(text) and not _starts_sentence(text, next_at, initials):
            continue
        spans.append((start, end))
        start = next_at
    if start < len(text):
        spans.append((start, len(text)))
    return [_strip(text, s, e) for s, e in spans if text[s:e].strip()]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]
