"""The LLM answer engine: a written answer from the best paragraphs, every sentence cited and checked against its
source; anything it cannot support falls back to the extractive answer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import prompts
from index.annotate import Parse
from index.chunk import chunk_sentences
from index.records import Article, Chunk, Hit
from index.sentences import split_sentences
from index.tokenize import STOPWORDS, name_words, stem, terms, words
from qa.answer import check_quote
from qa.errors import LLMError
from qa.llm import LLM
from qa.question import Question
from qa.records import Answer, Citation, Dropped, Passage

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
_NUMBER = re.compile(r"\d+")


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
    max_sources: int = 3  # the few best paragraphs keep the prompt (and the wait for the first token) short
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


def excerpt(text: str, question: str, max_words: int) -> str:
    """A long paragraph cut down to its sentences that share most words with the question, in their order:
    prompt length is what the wait for the first token grows with."""
    if len(text.split()) <= max_words:
        return text
    sentences = split_sentences(text)
    wanted = set(terms(question))
    ranked = sorted(range(len(sentences)), key=lambda i: (-len(wanted & set(terms(sentences[i]))), i))
    keep: set[int] = set()
    used = 0
    for i in ranked:
        size = len(sentences[i].split())
        if keep and used + size > max_words:
            continue
        keep.add(i)
        used += size
    parts, previous = [], -1
    for i in sorted(keep):
        parts.append(("… " if i != previous + 1 else "") + sentences[i])
        previous = i
    return " ".join(parts) + (" …" if previous != len(sentences) - 1 else "")


def _as_data(text: str) -> str:
    """Source text cannot close its own <source> element or open another."""
    return re.sub(r"</?\s*source", lambda m: m.group(0).replace("<", "‹"), text, flags=re.I)


def answer_messages(question: str, sources: Sequence[Source], max_words: int = 60) -> tuple[str, str]:
    """(system, user): fixed instructions first, so a backend can reuse its prompt cache across questions."""
    blocks = []
    for s in sources:
        about = ", ".join(x for x in (s.article.outlet, s.article.date) if x)
        header = f'<source id="{s.n}" title="{_as_data(s.article.title)}"' + (f' about="{about}"' if about else "")
        body = _as_data(excerpt(s.text, question, max_words))
        blocks.append(f'{header} paragraph="{s.paragraph}">\n{body}\n</source>')
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
    """Runs of digits: "7:30" and "7.30", "£1,500" and "£1500" differ in writing, not in fact."""
    return set(_NUMBER.findall(text.replace(",", "")))


def _names(text: str) -> set[str]:
    return {stem(w) for _, word in name_words(text) for w in words(word) if w not in STOPWORDS}


def support(sentence: str, sources: Sequence[Source], min_support: float, question: str = "") -> tuple[bool, str]:
    """Is every claim of `sentence` in the cited paragraphs? Numbers and names must all be there; most of the
    other content words too (restating the question is not a claim), and it must say something the question
    did not. Returns (supported, why not)."""
    text = " ".join(s.text for s in sources)
    missing_numbers = _numbers(sentence) - _numbers(text)
    if missing_numbers:
        return False, f"number(s) not in the cited paragraph: {', '.join(sorted(missing_numbers))}"
    # Names may come from anywhere in the cited article (who is speaking is often named paragraphs earlier).
    whole = " ".join(part for s in sources for part in (s.article.title, s.article.outlet or "", *s.article.paragraphs))
    missing_names = {n for n in _names(sentence) if n not in set(terms(whole, keep_stopwords=True))}
    if missing_names:
        return False, "name(s) not in the cited article"
    cited = set(terms(" ".join([text, *(s.article.title for s in sources)]), keep_stopwords=True))
    asked = set(terms(question))
    content = set(terms(sentence))
    if not content:
        return False, "no content"
    if not (content - asked) & cited:
        return False, "says nothing from the cited paragraph that the question did not already say"
    share = len(content & (cited | asked)) / len(content)
    return share >= min_support, f"only {share:.0%} of its words are in the cited paragraph"


def best_quote(sentence: str, source: Source) -> str:
    """The sentence of the cited paragraph that shares the most words with the model's sentence."""
    wanted = set(terms(sentence))
    chunk = Chunk("q", source.article.id, (source.paragraph,), source.text)
    candidates = [text for _, text in chunk_sentences(chunk)] or [source.text]
    return max(candidates, key=lambda s: (len(wanted & set(terms(s))), -len(s)))


def states_what_was_asked(analysis: Question, sentence: str, sources: Sequence[Source]) -> str | None:
    """Why a written sentence does not answer the question from its sources (None when it does): the
    sentence of a cited paragraph that it rests on must itself state what was asked, with every qualifier the
    question sets, and for a name, date, number or amount the written sentence must give the one it states."""
    reasons = []
    for source in sources:
        quote = best_quote(sentence, source)
        check = check_quote(analysis, source.article, source.paragraph, quote)
        if check.miss is not None:
            miss = check.miss
            reasons.append(
                f"its source reports {miss.found}, not {miss.asked}"
                if miss.found
                else f"its source does not say {miss.asked}"
            )
            continue
        if not analysis.typed:
            return None
        given = [a for a in check.answers if _states(sentence, a.text)]
        if given:
            return None
        reasons.append("its source does not state the " + analysis.expected + " asked for" if not check.answers
                       else "it does not give the " + analysis.expected + " its source states")  # fmt: skip
    return reasons[0] if reasons else "no source states what was asked"


def _states(sentence: str, value: str) -> bool:
    """The written sentence gives `value` (its digits, or its words)."""
    digits = _numbers(value)
    if digits:
        return digits <= _numbers(sentence)
    wanted = set(terms(value))
    return bool(wanted) and wanted <= set(terms(sentence, keep_stopwords=True))


_REPORTING = {"say", "tell", "add", "report", "state", "note", "be", "have", "do", "will", "would", "can", "could"}


def unstated_action(sentence: str, sources: Sequence[Source], parse: Callable[[str], Parse]) -> str | None:
    """A verb of the written sentence that none of its sources uses: what it claims happened ("the
    investigator concluded ...") that the articles do not say (they say an investigator was appointed)."""
    have = set(terms(" ".join(part for s in sources for part in (s.article.title, s.text)), keep_stopwords=True))
    for token in parse(sentence).tokens:
        if token.pos != "VERB" or token.lemma in _REPORTING:
            continue
        if stem(token.lemma) not in have and stem(token.text.lower()) not in have:
            return token.text
    return None


def check(
    analysis: Question,
    raw: str,
    sources: Sequence[Source],
    hits: Sequence[Passage],
    min_support: float,
    parse: Callable[[str], Parse] | None = None,
) -> tuple[Answer | None, list[Dropped], str | None]:
    """The checked answer (None when nothing survives), the sentences dropped and why, and a fallback reason."""
    question = analysis.text
    text = raw.strip()
    if not text:
        return None, [], "the model wrote nothing"
    if prompts.NO_ANSWER.lower().rstrip(".") in text.lower():
        return None, [], "the model found no answer in the sources"
    by_number = {s.n: s for s in sources}
    kept: list[tuple[str, list[Source]]] = []
    dropped: list[Dropped] = []
    # "[1], [2] and [3]" is one list of markers: the words between them would be left stranded.
    text = re.sub(r"\]\s*(?:[,;]|and|&)\s*(?:and\s*)?\[", "][", " ".join(text.split()))
    # "… 18. [1]" puts the marker after the full stop: move it before, so it stays with its sentence.
    text = re.sub(r"([.!?])((?:\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+)", r"\2\1", text)
    for sentence in split_sentences(text):
        cited: list[int] = []
        for group in _MARKER.findall(sentence):
            cited.extend(int(n) for n in re.split(r"\s*[,;–-]\s*", group) if n.isdigit())
        plain = _MARKER.sub("", sentence).strip()
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
        if len(words(plain)) < 2:
            continue  # a stray marker or fragment
        valid = [by_number[n] for n in dict.fromkeys(cited) if n in by_number]
        if not valid:
            dropped.append(Dropped(plain, "no citation of a given source"))
            continue
        ok, why = support(plain, valid, min_support, question)
        if not ok:
            dropped.append(Dropped(plain, why))
            continue
        off_target = states_what_was_asked(analysis, plain, valid)
        if off_target is not None:
            dropped.append(Dropped(plain, off_target))
            continue
        action = unstated_action(plain, valid, parse) if parse is not None else None
        if action is not None:
            dropped.append(Dropped(plain, f"its sources never say {action!r}: it claims what they do not state"))
            continue
        # Supported by its sources together; a source that shares nothing with the sentence beyond the
        # question's own words is not evidence for it, and citing it would send the reader to the wrong place.
        claim = set(terms(plain)) - set(terms(question))
        bearing = [s for s in valid if claim & set(terms(s.text, keep_stopwords=True))]
        kept.append((plain, bearing or valid))
    if not kept:
        return None, dropped, "no sentence of the model's answer was cited and supported"
    # The whole answer, against the question: the sentences may each be true of their paragraph and still
    # answer another question (about another organisation or place than the one the question names).
    cited_articles = {s.article.id: s.article for _, valid in kept for s in valid}
    mentioned = set(
        terms(
            " ".join(part for a in cited_articles.values() for part in (a.title, a.outlet or "", *a.paragraphs)),
            keep_stopwords=True,
        )
    )
    absent = sorted(_names(question) - mentioned)
    if absent:
        return None, dropped, f"the cited articles never mention {', '.join(absent)}, which the question names"

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
                    Citation.of(numbering[key], source.article, source.paragraph, best_quote(plain, source))
                )
            marks.append(f"[{numbering[key]}]")
        parts.append(f"{plain} {''.join(dict.fromkeys(marks))}")
    answer = Answer(
        question, " ".join(parts), False, tuple(citations), tuple(hits), engine="llm", dropped=tuple(dropped)
    )
    return answer, dropped, None


def generate(
    llm: LLM,
    analysis: Question,
    extractive: Answer,
    hits: Sequence[Hit],
    articles: dict[str, Article],
    config: GenerateConfig,
    parse: Callable[[str], Parse] | None = None,
) -> Iterator[str | Answer]:
    """Stream the model's text, then yield the checked Answer, or the extractive one marked as a fallback.
    `hits` are what the extractive answer shows."""
    question = analysis.text
    sources = choose_sources(extractive, hits, articles, config.max_sources)
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
    answer, dropped, reason = check(analysis, "".join(pieces), sources, extractive.hits, config.min_support, parse)
    if answer is None:
        yield replace(extractive, fallback=reason, dropped=tuple(dropped))
        return
    # The written answer rests on the evidence the extractive engine weighed: its confidence, and its short
    # answer when the model gave the same one.
    short = extractive.short_answer
    if short is not None and not _states(answer.answer, short):
        short = None
    citations = tuple(
        replace(c, span=(c.quote.find(short), c.quote.find(short) + len(short))) if short and short in c.quote else c
        for c in answer.citations
    )
    yield replace(answer, short_answer=short, confidence=extractive.confidence, citations=citations)
