"""The LLM answer engine: a written answer from the best paragraphs, every sentence cited and checked against its
source; anything it cannot support falls back to the extractive answer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import prompts
from index.chunk import chunk_sentences
from index.records import Article, Chunk, Hit
from index.sentences import split_sentences
from index.tokenize import STOPWORDS, stem, terms, words
from qa.llm import LLM, LLMError
from qa.records import Answer, Citation

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


@dataclass(frozen=True)
class Source:
    n: int
    article: Article
    paragraph: int

    @property
    def text(self) -> str:
        return self.article.paragraphs[self.paragraph - 1]


@dataclass(frozen=True)
class GenerateConfig:
    max_sources: int = 4  # the few best paragraphs keep the prompt (and the wait for the first token) short
    max_tokens: int = 160
    timeout: float = 40.0
    min_support: float = 0.6  # share of a sentence's content words that must be in its cited paragraph(s)


def choose_sources(extractive: Answer, hits: Sequence[Hit], articles: dict[str, Article], limit: int) -> list[Source]:
    """The paragraphs the extractive engine cited first (its best evidence), then those of the top hits."""
    picked: list[tuple[str, int]] = [(c.article_id, c.paragraph) for c in extractive.citations]
    for hit in hits:
        picked.extend((hit.article_id, number) for number in hit.chunk.paragraphs)
    sources: list[Source] = []
    for article_id, number in dict.fromkeys(picked):
        if article_id in articles and len(sources) < limit:
            sources.append(Source(len(sources) + 1, articles[article_id], number))
    return sources


def _as_data(text: str) -> str:
    """Source text cannot close its own <source> element or open another."""
    return re.sub(r"</?\s*source", lambda m: m.group(0).replace("<", "‹"), text, flags=re.I)


def answer_messages(question: str, sources: Sequence[Source]) -> tuple[str, str]:
    """(system, user): fixed instructions first, so a backend can reuse its prompt cache across questions."""
    blocks = []
    for s in sources:
        about = ", ".join(x for x in (s.article.outlet, s.article.date) if x)
        header = f'<source id="{s.n}" title="{_as_data(s.article.title)}"' + (f' about="{about}"' if about else "")
        blocks.append(f'{header} paragraph="{s.paragraph}">\n{_as_data(s.text)}\n</source>')
    system = prompts.load("answer").format(no_answer=prompts.NO_ANSWER)
    user = prompts.load("answer_user").format(sources="\n".join(blocks), question=question, no_answer=prompts.NO_ANSWER)
    return system, user


def rewrite_messages(question: str, history: Sequence[dict[str, str]]) -> tuple[str, str]:
    turns = [f"{m['role']}: {_MARKER.sub('', m['content']).strip()}" for m in history[-6:]]
    return prompts.load("rewrite"), prompts.load("rewrite_user").format(
        conversation="\n".join(turns), question=question
    )


def rewrite_query(llm: LLM, question: str, history: Sequence[dict[str, str]], timeout: float) -> str | None:
    """A standalone search query for a follow-up, or None when the model gives nothing usable."""
    system, user = rewrite_messages(question, history)
    try:
        text = "".join(llm.stream(system, user, max_tokens=48, deadline=time.monotonic() + timeout))
    except LLMError as exc:
        log.warning("follow-up rewriting failed: %s", exc)
        return None
    line = text.strip().splitlines()[0].strip().strip('"') if text.strip() else ""
    return line if 3 <= len(line) <= 300 else None


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _names(text: str) -> set[str]:
    return {stem(w) for match in _CAPITALISED.findall(text) for w in words(match) if w not in STOPWORDS}


def support(sentence: str, sources: Sequence[Source], min_support: float) -> tuple[bool, str]:
    """Is every claim of `sentence` in the cited paragraphs? Numbers and names must all be there; most of the
    other content words too. Returns (supported, why not)."""
    text = " ".join(s.text for s in sources)
    context = " ".join([text, *(s.article.title for s in sources)])
    missing_numbers = _numbers(sentence) - _numbers(text)
    if missing_numbers:
        return False, f"number(s) not in the cited paragraph: {', '.join(sorted(missing_numbers))}"
    have = set(terms(context, keep_stopwords=True))
    missing_names = {n for n in _names(sentence) if n not in have}
    if missing_names:
        return False, "name(s) not in the cited article"
    content = set(terms(sentence))
    if not content:
        return False, "no content"
    share = len(content & have) / len(content)
    return share >= min_support, f"only {share:.0%} of its words are in the cited paragraph"


def best_quote(sentence: str, source: Source) -> str:
    """The sentence of the cited paragraph that shares the most words with the model's sentence."""
    wanted = set(terms(sentence))
    chunk = Chunk("q", source.article.id, (source.paragraph,), source.text)
    candidates = [text for _, text in chunk_sentences(chunk)] or [source.text]
    return max(candidates, key=lambda s: (len(wanted & set(terms(s))), -len(s)))


def check(
    question: str, raw: str, sources: Sequence[Source], hits: Sequence[Hit], min_support: float
) -> tuple[Answer | None, list[dict[str, str]], str | None]:
    """The checked answer (None when nothing survives), the sentences dropped and why, and a fallback reason."""
    text = raw.strip()
    if not text:
        return None, [], "the model wrote nothing"
    if prompts.NO_ANSWER.lower().rstrip(".") in text.lower():
        return None, [], "the model found no answer in the sources"
    by_number = {s.n: s for s in sources}
    kept: list[tuple[str, list[Source]]] = []
    dropped: list[dict[str, str]] = []
    for sentence in split_sentences(" ".join(text.split())):
        cited: list[int] = []
        for group in _MARKER.findall(sentence):
            cited.extend(int(n) for n in re.split(r"\s*[,;–-]\s*", group) if n.isdigit())
        plain = _MARKER.sub("", sentence).strip()
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
        if len(words(plain)) < 2:
            continue  # a stray marker or fragment
        valid = [by_number[n] for n in dict.fromkeys(cited) if n in by_number]
        if not valid:
            dropped.append({"sentence": plain, "reason": "no citation of a given source"})
            continue
        ok, why = support(plain, valid, min_support)
        if not ok:
            dropped.append({"sentence": plain, "reason": why})
            continue
        kept.append((plain, valid))
    if not kept:
        return None, dropped, "no sentence of the model's answer was cited and supported"

    # Citations in order of first use; each names the paragraph and its best-matching sentence.
    numbering: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for plain, valid in kept:
        marks = []
        for source in valid:
            key = (source.article.id, source.paragraph)
            if key not in numbering:
                numbering[key] = len(numbering) + 1
                citations.append(
                    Citation(
                        n=numbering[key],
                        article_id=source.article.id,
                        title=source.article.title,
                        paragraph=source.paragraph,
                        text=source.text,
                        quote=best_quote(plain, source),
                        outlet=source.article.outlet,
                        date=source.article.date,
                    )
                )
            marks.append(f"[{numbering[key]}]")
        parts.append(f"{plain} {''.join(marks)}")
    answer = Answer(
        question, " ".join(parts), False, tuple(citations), tuple(hits), engine="llm", dropped=tuple(dropped)
    )
    return answer, dropped, None


def generate(
    llm: LLM,
    question: str,
    extractive: Answer,
    articles: dict[str, Article],
    config: GenerateConfig,
) -> Iterator[str | Answer]:
    """Stream the model's text, then yield the checked Answer, or the extractive one marked as a fallback."""
    sources = choose_sources(extractive, extractive.hits, articles, config.max_sources)
    if not sources:
        yield replace(extractive, fallback="no paragraphs to write from")
        return
    system, user = answer_messages(question, sources)
    pieces: list[str] = []
    try:
        for delta in llm.stream(system, user, max_tokens=config.max_tokens, deadline=time.monotonic() + config.timeout):
            pieces.append(delta)
            yield delta
    except LLMError as exc:
        log.warning("LLM answer failed: %s", exc)
        yield replace(extractive, fallback=f"language model error: {exc}")
        return
    answer, dropped, reason = check(question, "".join(pieces), sources, extractive.hits, config.min_support)
    if answer is None:
        yield replace(extractive, fallback=reason, dropped=tuple(dropped))
        return
    yield answer
