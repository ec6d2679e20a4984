"""The extractive answer engine: choose the sentences of the retrieved paragraphs that answer, cite them, or abstain."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from index.chunk import chunk_sentences
from index.records import Article, Hit
from index.tokenize import STOPWORDS, normalize, stem, terms, words
from prompts import NO_ANSWER
from qa.followup import proper_names
from qa.records import Answer, Citation


class CorpusStats(Protocol):
    """What answer scoring needs to know about the whole index (the keyword index provides it)."""

    def known(self, term: str) -> bool: ...

    def idf(self, term: str) -> float: ...


@dataclass(frozen=True)
class ExtractiveConfig:
    """Weights and thresholds, calibrated on eval/questions.jsonl (see README, "How good is it")."""

    dense_weight: float = 0.2
    chunk_weight: float = 0.0
    keyword_weight: float = 0.05
    sentence_weight: float = 0.3
    paragraph_weight: float = 0.1
    type_bonus: float = 0.1
    name_penalty: float = 0.2
    rare_weight: float = 0.2  # the question's rarest words found in the sentence (idf squared)
    pair_weight: float = 0.1  # adjacent question words found together in the sentence
    distinctive: float = 0.6  # a name this share as rare as the question's rarest grounds an article too
    context_share: float = 0.25  # of the lexical match, for the words a follow-up takes from earlier turns
    threshold: float = 0.26  # below this best score the articles are taken not to answer
    candidate_chunks: int = 20  # chunks retrieved for answering (the answer shows the top k)
    grounded_chunks: int = 15  # of those, the best ones in an article naming what the question names are read
    relative_keep: float = 0.85  # further sentences must score this share of the best one
    spread_keep: float = 0.5  # a sentence from another article, for a question across articles, needs this share
    max_sentences: int = 3
    min_words: int = 4


@dataclass(frozen=True)
class _Candidate:
    article: Article
    paragraph: int
    quote: str
    score: float
    terms: frozenset[str]
    features: dict[str, float]
    names: tuple[bool, ...] = ()  # for each name in the question: does this sentence's article have it


# What kind of thing the question wants, and how to recognise a sentence that has one.
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|often|old|large|big|far)\b|\b(?:numbers?|percentage|proportion|figures|amount|"
    r"total|sum|costs?|salary|salaries|budget|per ?cent|rate|average)\b|\bwhat (?:[\w'’-]+ ){0,2}figure\b",
    re.I,
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"dozens?|hundreds?|thousands?|half|third|quarter|twice|double|treble|per cent|percent|million|billion"
)
_NUMBER_A = re.compile(rf"(?<![\w-])\d|\b(?:{_NUMBER_WORDS})\b", re.I)
_NUMBER_WORD = re.compile(rf"\d.*|{_NUMBER_WORDS}", re.I)  # one token that is a number
# "How much" about money wants a sum: a bare count or a date does not answer it.
_MONEY_Q = re.compile(
    r"\b(?:spen[dt]|spending|costs?|paid|pay|paying|budgets?|fund(?:s|ing|ed)?|invest\w*|salar(?:y|ies)|prices?|"
    r"fees?|money|worth|earns?|earning|charg\w*)\b",
    re.I,
)
_MONEY_A = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:m|bn|k|million|billion|pounds|dollars|euros)\b", re.I)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w'’-]+\s+){0,3})", re.I)
_HOW_PHRASE = re.compile(r"\bhow (?:many|much)\b", re.I)
_DATE_Q = re.compile(r"\b(?:what|which|on what) (?:year|month|date|day)\b", re.I)
_TIME_Q = re.compile(r"\b(?:when|what time|since when|how recently)\b", re.I)
# A date or a time of day; the weaker words only place an event roughly.
_TIME_STRONG = re.compile(
    r"\b(?:(?:19|20)\d{2}|january|february|march|april|may|june|july|august|september|october|november|"
    r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|"
    r"\d{1,2}(?:st|nd|rd|th)|\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm)|ago)\b",
    re.I,
)
_TIME_WEAK = re.compile(r"\b(?:weeks?|months?|years?|since|recently|earlier|later|last|next|days?)\b", re.I)
# Questions that want a person's name, not a description ("who is the chief executive").
_NAME_Q = re.compile(
    r"\bname of\b|\bnamed?\b|\bwho (?:is|was|are|were) (?:the|a|an|its|their|his|her)\b|"
    r"\bwhich (?:[\w'’-]+ ){0,3}(?:official|person|politician|councillor|figure|spokes(?:person|man|woman)|"
    r"secretary|leader|manager|director|executive|member)\b",
    re.I,
)
# The role a person is asked about ("the name of the independent investigator", "who is the chief executive").
_ROLE = re.compile(
    r"\b(?:name of|who (?:is|was|are|were))\s+(?:(?:the|a|an|its|their|his|her)\s+)?"
    r"((?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s*(?:\b(?:of|at|for|in|on|by|from|with|who|whom|that|which|whose)\b|[?,.]|$)",
    re.I,
)
# Questions that want an organisation or another named thing ("which council", "which newspaper").
_THING_Q = re.compile(
    r"\bwhich (?:[\w'’-]+ ){0,3}(?:organi[sz]ation|company|council|newspaper|paper|union|party|charity|firm|"
    r"body|authority|agency|department|service|team|outlet|publication|group)\b(?!s)",
    re.I,
)
# Questions that ask across stories: a comparison, or several councils, reports or sides.
_ACROSS_Q = re.compile(
    r"\b(?:compare[sd]?|comparison|compared|both|each|between|respectively|versus|vs|differ\w*|"
    r"(?:which|what|two|these|the|all) (?:[\w'’-]+ ){0,2}(?:councils|authorities|stories|articles|reports|outlets|"
    r"newspapers|organi[sz]ations|areas|places))\b",
    re.I,
)
_WHO_Q = re.compile(r"^\s*(?:who|whom|whose)\b", re.I)
_QUOTE_Q = re.compile(r"\bwhat (?:did|does|do|has|have)\b.*\b(?:say|said|tell|told|claim|warn|admit|add)\b", re.I)
_NAME_RUN = re.compile(r"\b[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)+|\b[A-Z]{2,}\b")


def _fresh_names(question_terms: set[str], sentence: str) -> list[tuple[int, list[str]]]:
    """Capitalised runs (or acronyms) in the sentence with words the question does not already use: (the
    run's position in words, its new words)."""
    out = []
    for match in _NAME_RUN.finditer(sentence):
        fresh = [w for w in words(match.group(0)) if stem(w) not in question_terms and w not in STOPWORDS]
        if len(fresh) >= 2 or (fresh and match.group(0).isupper()):
            out.append((len(words(sentence[: match.start()])), fresh))
    return out


def _new_name(question_terms: set[str], sentence: str) -> bool:
    """A run of two or more capitalised words in the sentence that the question does not already name."""
    return any(len(fresh) >= 2 for _, fresh in _fresh_names(question_terms, sentence))


def _other_thing(question: str, sentence: str) -> bool:
    """A name in the sentence other than the question's ("Essex County Council" for "which council ... as
    Worcestershire's partner"; "Worcestershire County Council" is only the question's own name again)."""
    named = {stem(w) for name in proper_names(question) for w in words(name)}
    question_terms = set(terms(question, keep_stopwords=True))
    for match in _NAME_RUN.finditer(sentence):
        run = words(match.group(0))
        fresh = [w for w in run if stem(w) not in question_terms and w not in STOPWORDS]
        if fresh and not any(stem(w) in named for w in run) and (len(fresh) >= 2 or match.group(0).isupper()):
            return True
    return False


def _person_fit(question: str, sentence: str, common: frozenset[str]) -> float:
    """A name question wants a person: a run of capitalised words none of which the article also uses in
    lower case ("Community Care" and "County Council" are not people), near the role asked about."""
    question_terms = set(terms(question, keep_stopwords=True))
    role = _ROLE.search(question)
    role_terms = {stem(w) for w in words(role.group(1)) if w not in STOPWORDS} if role else set()
    role_terms -= {stem(w) for name in proper_names(question) for w in words(name)}
    tokens = [stem(w) for w in words(sentence)]
    at_role = [i for i, t in enumerate(tokens) if t in role_terms]
    for position, fresh in _fresh_names(question_terms, sentence):
        if len(fresh) < 2 or any(w in common or not w.isalpha() for w in fresh):
            continue
        if not role_terms or any(abs(position - i) <= 6 for i in at_role):
            return 1.0
    return -1.0


def _counts(focus: set[str], sentence: str, reach: int = 3) -> bool:
    """A number within `reach` words of what the question counts ("40 newly qualified social workers")."""
    tokens = words(sentence)
    numbers = [i for i, w in enumerate(tokens) if _NUMBER_WORD.fullmatch(w)]
    near = [i for i, w in enumerate(tokens) if stem(w) in focus]
    return any(abs(i - j) <= reach for i in numbers for j in near)


def _number_fit(question: str, sentence: str) -> float:
    if not _NUMBER_A.search(sentence):
        return -1.0
    if _HOW_PHRASE.search(sentence) and _HOW_PHRASE.search(question):
        return -1.0  # "we would ask how much was spent": the sentence asks the question too
    if re.search(r"\bhow much\b", question, re.I) and _MONEY_Q.search(question):
        return 1.0 if _MONEY_A.search(sentence) else -1.0
    counted = _HOW_MANY.search(question)
    if counted:
        focus = set(terms(counted.group(1)))
        return 1.0 if focus and _counts(focus, sentence) else 0.5
    return 1.0


def _time_fit(question: str, sentence: str) -> float:
    if _TIME_STRONG.search(sentence):
        return 1.0
    if _DATE_Q.search(question):
        return -1.0
    return 0.3 if _TIME_WEAK.search(sentence) else -1.0


def lacks_asked_kind(question: str, text: str) -> bool:
    """The question wants a number or a date and `text` plainly has none (for checking a written answer)."""
    if _NUMBER_Q.search(question):
        return _number_fit(question, text) < 0
    if _DATE_Q.search(question) or _TIME_Q.search(question):
        return _time_fit(question, text) < 0
    return False


def _type_fit(question: str, sentence: str, common: frozenset[str] = frozenset()) -> float:
    """+1 when the sentence has the kind of answer the question asks for, -1 when it plainly lacks it
    (a candidate at -1 is not quoted). `common`: the words the article uses in lower case."""
    if _NUMBER_Q.search(question):
        return _number_fit(question, sentence)
    if _DATE_Q.search(question) or _TIME_Q.search(question):
        return _time_fit(question, sentence)
    if _NAME_Q.search(question):
        return _person_fit(question, sentence, common)
    if _THING_Q.search(question):
        return 1.0 if _other_thing(question, sentence) else -1.0
    if _WHO_Q.search(question):
        return 0.5 if _new_name(set(terms(question, keep_stopwords=True)), sentence) else 0.0
    if _QUOTE_Q.search(question):
        return 0.5 if re.search(r"[\"“”‘’]|\bsaid\b|\bsays\b", sentence) else 0.0
    return 0.0


def name_phrases(question: str, stats: CorpusStats) -> list[tuple[str, ...]]:
    """The names in the question, each as the stems of its words: capitalised runs and acronyms. A lone
    capitalised word opening the question counts only if the articles know the word."""
    if question.upper() == question:
        return []  # all capitals: case says nothing
    inner = set(proper_names(question, with_initial=False))
    phrases: list[tuple[str, ...]] = []
    for name in proper_names(question):
        stems = tuple(stem(w) for w in words(name) if w not in STOPWORDS and len(w) > 1)
        if not stems or stems in phrases:
            continue
        if name not in inner and not stats.known(stems[0]):
            continue
        phrases.append(stems)
    return phrases


def _coverage(wanted: dict[str, float], have: frozenset[str]) -> float:
    total = sum(wanted.values())
    if total <= 0:
        return 0.0
    return sum(weight for term, weight in wanted.items() if term in have) / total


@lru_cache(maxsize=512)
def _article_terms(article: Article) -> frozenset[str]:
    # Cached: tokenising whole articles again for every question was a third of the answer time.
    text = " ".join([article.title, article.outlet or "", article.author or "", *article.paragraphs])
    return frozenset(terms(text, keep_stopwords=True))


@lru_cache(maxsize=512)
def _lowercase_words(article: Article) -> frozenset[str]:
    """The words the article uses in lower case somewhere: common nouns, not names."""
    text = normalize(" ".join(article.paragraphs))
    return frozenset(w.lower() for w in re.findall(r"(?<![\w'’])[a-z][a-z'’-]*", text))


@lru_cache(maxsize=8192)
def _text_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def abstain(question: str, reason: str = "") -> Answer:
    text = NO_ANSWER if not reason else f"{NO_ANSWER} {reason}"
    return Answer(question=question, answer=text, abstained=True)


# Cosine between the query and each (chunk id, sentence) candidate.
SentenceSimilarity = Callable[[list[tuple[str, str]]], list[float]]


def extractive_answer(
    question: str,
    query: str,
    hits: Sequence[Hit],
    articles: dict[str, Article],
    stats: CorpusStats,
    config: ExtractiveConfig | None = None,
    names_from: str | None = None,
    similarity: SentenceSimilarity | None = None,
) -> Answer:
    """Answer `question` from the hits' paragraphs. `query` is the question as searched (with follow-up
    context); its extra words count for less than the question's own. The names in `names_from` (default:
    the question) must all appear in an article for it to be quoted. `similarity` gives the cosine between
    the query and each candidate sentence."""
    config = config or ExtractiveConfig()
    phrases = name_phrases(names_from or question, stats)
    unknown = [t for phrase in phrases for t in phrase if not stats.known(t)]
    if unknown:
        return abstain(question, f"None of the articles mentions {_spelled(names_from or question, unknown)}.")
    candidates = candidates_for(question, query, hits, articles, stats, config, phrases, similarity)
    if not candidates:
        return abstain(question)
    best = candidates[0]
    if best.score < config.threshold:
        return abstain(question)

    chosen = [best]
    for candidate in candidates[1:]:
        if len(chosen) >= config.max_sentences:
            break
        if candidate.score < max(config.threshold, config.relative_keep * best.score):
            break
        if any(_redundant(candidate, other) for other in chosen):
            continue
        chosen.append(candidate)
    # A question naming several things (two councils to compare) gets a sentence about each, if one is good enough.
    floor = config.spread_keep * best.score
    for i in range(len(best.names)):
        if any(c.names[i] for c in chosen):
            continue
        other = next((c for c in candidates if c.names[i] and c.score >= floor), None)
        if other is not None and len(chosen) < config.max_sentences + 1:
            chosen.append(other)
    # One asking across the articles ("which councils", "compare") gets a sentence from a second article.
    if _ACROSS_Q.search(question) and len({c.article.id for c in chosen}) < 2:
        other = next((c for c in candidates if c.article.id != best.article.id and c.score >= floor), None)
        if other is not None:
            chosen = [*chosen[: config.max_sentences - 1], other]

    citations = tuple(Citation.of(i, c.article, c.paragraph, c.quote) for i, c in enumerate(chosen, start=1))
    text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    return Answer(question=question, answer=text, abstained=False, citations=citations)


def _spelled(text: str, stems: list[str]) -> str:
    """The words of `text` whose stems are in `stems`, as the user wrote them."""
    found = [w for w in re.findall(r"[\w'’-]+", text) if words(w) and stem(words(w)[0]) in stems]
    return ", ".join(dict.fromkeys(found)) or ", ".join(stems)


def _weights(question_terms: list[str], skip: set[str], stats: CorpusStats, power: float = 1.0) -> dict[str, float]:
    return {t: stats.idf(t) ** power for t in question_terms if t not in skip}


def _pairs(question_terms: list[str], skip: set[str]) -> set[tuple[str, str]]:
    """Adjacent content terms of the question ("agency staff", "social worker"): phrases to find together."""
    kept = [t for t in question_terms if t not in skip]
    return set(itertools.pairwise(kept))


@lru_cache(maxsize=8192)
def _text_pairs(text: str) -> frozenset[tuple[str, str]]:
    found = terms(text)
    return frozenset(itertools.pairwise(found))


def _eligible(features: dict[str, float]) -> bool:
    return features["type_fit"] >= 0  # e.g. a "how many" question and a sentence without a number is never quoted


def candidates_for(
    question: str,
    query: str,
    hits: Sequence[Hit],
    articles: dict[str, Article],
    stats: CorpusStats,
    config: ExtractiveConfig,
    phrases: list[tuple[str, ...]],
    similarity: SentenceSimilarity | None,
) -> list[_Candidate]:
    """Every sentence of the hits' paragraphs in an article that names what the question names, scored, best first.

    An article must contain at least one of the question's names in full; each name it lacks costs a share
    of the score (a question may name two councils to compare them)."""
    entities = {t for phrase in phrases for t in phrase}
    own_terms = terms(question)
    context_terms = [t for t in terms(query) if t not in own_terms]
    # Names pick the story (checked against the whole article); the other words pick the sentence.
    own = _weights(own_terms, entities, stats)
    context = _weights(context_terms, entities, stats)
    rare = _weights(own_terms, entities, stats, power=2.0)
    pairs = _pairs(own_terms, entities)
    share = config.context_share if context else 0.0

    def lexical(have: frozenset[str]) -> float:
        return (1.0 - share) * _coverage(own, have) + share * _coverage(context, have)

    # A name is as distinctive as its rarest word; an article must have one of the most distinctive names.
    name_weight = [max(stats.idf(t) for t in phrase) for phrase in phrases]
    top_name = max(name_weight, default=0.0)
    # When no article has all the names, the question spans articles ("Wigan compared with Southampton"): an
    # article is not marked down for lacking the others' names.
    spans_articles = bool(phrases) and not any(
        all(t in _article_terms(a) for phrase in phrases for t in phrase)
        for a in {articles[h.article_id] for h in hits if h.article_id in articles}
    )
    top_keyword = max([h.keyword or 0.0 for h in hits] + [1e-9])
    found: list[tuple[Article, int, str, dict[str, float], tuple[bool, ...], str]] = []
    seen: set[tuple[str, int, str]] = set()
    read = 0
    for hit in hits:
        article = articles.get(hit.article_id)
        if article is None or read >= config.grounded_chunks:
            continue
        article_terms = _article_terms(article)
        named = [all(t in article_terms for t in phrase) for phrase in phrases]
        distinctive = [n and w >= config.distinctive * top_name for n, w in zip(named, name_weight, strict=True)]
        if phrases and not any(distinctive):
            continue  # the article lacks the question's distinctive names (a widely used one alone does not ground it)
        read += 1
        missing = sum(w for n, w in zip(named, name_weight, strict=True) if not n)
        missing_names = 0.0 if spans_articles or not named else missing / sum(name_weight)
        for number, quote in chunk_sentences(hit.chunk):
            key = (article.id, number, quote)
            if key in seen or len(quote.split()) < config.min_words:
                continue
            seen.add(key)
            have = _text_terms(quote)
            features = {
                "chunk_cos": max(hit.dense or 0.0, 0.0),
                "keyword": (hit.keyword or 0.0) / top_keyword,
                "lex_sentence": lexical(have),
                "lex_paragraph": lexical(_text_terms(article.paragraphs[number - 1])),
                "rare": _coverage(rare, have),
                "pairs": len(pairs & _text_pairs(quote)) / len(pairs) if pairs else 0.0,
                "type_fit": _type_fit(question, quote, _lowercase_words(article)),
                "rank": float(hit.rank),
                "missing_names": missing_names,
            }
            if _eligible(features):
                found.append((article, number, quote, features, tuple(named), hit.chunk.id))
    if not found:
        return []
    cosines = similarity([(chunk_id, q) for _, _, q, _, _, chunk_id in found]) if similarity is not None else None
    out = []
    for i, (article, number, quote, features, named_flags, _) in enumerate(found):
        features["sentence_cos"] = max(cosines[i], 0.0) if cosines is not None else features["chunk_cos"]
        score = (
            config.dense_weight * features["sentence_cos"]
            + config.chunk_weight * features["chunk_cos"]
            + config.keyword_weight * features["keyword"]
            + config.sentence_weight * features["lex_sentence"]
            + config.paragraph_weight * features["lex_paragraph"]
            + config.rare_weight * features["rare"]
            + config.pair_weight * features["pairs"]
            + config.type_bonus * features["type_fit"]
            - config.name_penalty * features["missing_names"]
        )
        out.append(_Candidate(article, number, quote, score, _text_terms(quote), features, named_flags))
    out.sort(key=lambda c: -c.score)
    return out


def _redundant(a: _Candidate, b: _Candidate) -> bool:
    if a.article.id == b.article.id and a.paragraph == b.paragraph and a.quote == b.quote:
        return True
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) / len(union) >= 0.6
