"""What an answer says about its sources: who said each cited sentence (sides kept apart), and what other
articles report of the same fact: the same figures (corroboration) or different ones (a conflict)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from index.records import Article, Mention
from index.tokenize import terms
from qa.records import Answer, Citation, Report

SIDE_LABELS = {
    "staff": "Staff",
    "organisation": "The organisation",
    "regulator": "The regulator",
    "politician": "Politicians",
    "union": "The union",
    "expert": "Experts",
    "other": "Others",
}
_NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "NAME"})
_FIGURES = frozenset({"MONEY", "PERCENT", "CARDINAL", "QUANTITY"})
_NEXT_WORD = re.compile(r"\s*(?:[-–]\s*)?([A-Za-z][\w-]*)")

Verdict = Literal["same", "differs"]
MIN_SAME_FACT_COSINE = 0.6  # below this two sentences are about different things, whatever names they share


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article with what the notes found in it."""

    article: Article
    paragraph: int
    text: str

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return self.article.mentions_in(self.paragraph, self.text)

    def report(self) -> Report:
        a = self.article
        return Report(a.id, a.title, self.paragraph, self.text, a.outlet, a.date)


def figures(sentence: str, mentions: Sequence[Mention]) -> dict[str, dict[str, str]]:
    """The sentence's figures by what they count, each value with its words: money by currency, percentages,
    and numbers by the word after them ("40 cases" counts "case")."""
    out: dict[str, dict[str, str]] = {}
    for m in mentions:
        if m.label not in _FIGURES or not m.value:
            continue
        words = m.text
        if m.label == "MONEY":
            number, _, currency = m.value.partition(" ")
            unit = f"money {currency}"
        elif m.label == "PERCENT":
            number, unit = m.value, "percent"
        else:
            after = _NEXT_WORD.match(sentence, m.end)
            noun = terms(after.group(1)) if after else []
            if after is None or not noun:
                continue  # a bare number: nothing says what it counts
            number, unit = m.value, f"count {noun[0]}"
            words = f"{m.text} {after.group(1)}"
        out.setdefault(unit, {})[number] = words
    return out


def _names(mentions: Sequence[Mention]) -> set[str]:
    return {" ".join(terms(m.text)) for m in mentions if m.label in _NAMES and terms(m.text)}


def _subject(text: str) -> set[str]:
    """The sentence's content words, numbers left out: what it is about."""
    return {t for t in terms(text) if not any(ch.isdigit() for ch in t)}


def _overlap(a: str, b: str) -> float | None:
    """The share of content words two sentences have in common (None when one has none)."""
    subject_a, subject_b = _subject(a), _subject(b)
    if not subject_a or not subject_b:
        return None
    return len(subject_a & subject_b) / len(subject_a | subject_b)


def _alike(cosine: float, overlap: float | None) -> bool:
    """Close enough in meaning and words to be about the same thing (the test that needs no annotations)."""
    return overlap is not None and cosine >= MIN_SAME_FACT_COSINE and (cosine >= 0.8 or overlap >= 0.4)


def may_report(a: str, b: str, cosine: float) -> bool:
    """Whether sentence b may report a's fact, from their words alone: compare() decides."""
    return _alike(cosine, _overlap(a, b))


def compare(a: Sentence, b: Sentence, cosine: float) -> Verdict | None:
    """Whether sentence b (another article's) reports a's fact: "same" when it names the same things with
    the same figures, "differs" when it is about the same thing with different figures of the same kind, None
    when it is about something else."""
    overlap = _overlap(a.text, b.text)
    if overlap is None or not _alike(cosine, overlap):
        return None
    mentions_a, mentions_b = a.mentions, b.mentions
    names_a, names_b = _names(mentions_a), _names(mentions_b)
    if names_a and not names_a & names_b:
        return None  # about other people, places or organisations
    figures_a, figures_b = figures(a.text, mentions_a), figures(b.text, mentions_b)
    shared = figures_a.keys() & figures_b.keys()
    if any(not figures_a[unit].keys() & figures_b[unit].keys() for unit in shared):
        # Different figures for the same thing need the same wording around them, not just a similar topic.
        return "differs" if overlap >= 0.5 else None
    if figures_a and not shared:
        return None  # a's figures are not stated in b: not a report of the same fact
    return "same"


def who(speaker: str | None, role: str | None, organisation: str | None) -> str:
    """ "Jane Doe, director, Example Corp": a speaker as a source line shows them (role and organisation left
    out when the speaker's words already hold them)."""
    parts = [speaker or ""]
    for extra in (role, organisation):
        if extra and extra.lower() not in " ".join(parts).lower():
            parts.append(extra)
    return ", ".join(p for p in parts if p)


def by_side(answer: Answer) -> Answer:
    """A described answer whose cited sentences come from speakers of more than one side, reworded to keep
    the sides apart ("Staff: a former employee says “…” [1]. The organisation: …")."""
    cited = answer.citations
    sides = list(dict.fromkeys(c.side for c in cited if c.side is not None))
    if answer.abstained or answer.short_answer is not None or len(sides) < 2:
        return answer
    order = {side: i for i, side in enumerate(sides)}
    lines = []
    for c in sorted(cited, key=lambda c: order.get(c.side, len(order)) if c.side else len(order)):
        if c.side is None:
            lines.append(f"{c.quote} [{c.n}]")
        else:
            lines.append(f"{SIDE_LABELS[c.side]}: {who(c.speaker, c.role, c.organisation)} — “{c.quote}” [{c.n}]")
    return replace(answer, answer="\n".join(lines))


def _source_name(report: Report | Citation) -> str:
    return report.outlet or f"“{report.title}”"


def with_reports(
    answer: Answer, cited: dict[int, Sentence], found: dict[int, list[tuple[Sentence, Verdict]]]
) -> Answer:
    """The answer with what other articles report of each cited fact (`cited`: citation number → the cited
    sentence; `found`: → other articles' sentences and how they compare): `corroborated_by` on the citation and
    "Reported in N articles."; a different figure for the first cited fact becomes a citation of its own, and
    the answer says the articles differ."""
    if answer.abstained or not answer.citations:
        return answer
    citations = list(answer.citations)
    text = answer.answer
    for i, citation in enumerate(answer.citations):
        same = [s.report() for s, verdict in found.get(citation.n, []) if verdict == "same"]
        if same:
            citations[i] = replace(citation, corroborated_by=tuple(same))
    first = citations[0]
    if first.corroborated_by:
        articles = len({first.article_id, *(r.article_id for r in first.corroborated_by)})
        text += f" Reported in {articles} articles."
    differ = [s for s, verdict in found.get(first.n, []) if verdict == "differs"]
    anchor = cited.get(first.n)
    if differ and anchor is not None:
        ours = figures(anchor.text, anchor.mentions)
        # Each other figure once, with every article that reports it; the first of them is cited.
        groups: dict[str, tuple[str, list[Sentence]]] = {}  # their words → (our words, their reports)
        for other in differ:
            theirs = figures(other.text, other.mentions)
            unit = next((u for u in ours if u in theirs and not ours[u].keys() & theirs[u].keys()), None)
            if unit is not None:
                groups.setdefault(_words(theirs[unit]), (_words(ours[unit]), []))[1].append(other)
        if groups:
            same_as_ours: list[Report | Citation] = [first, *first.corroborated_by]
            ours_words = next(iter(groups.values()))[0]
            parts = [f"{_sources(same_as_ours)} {_verb(len(same_as_ours))} {ours_words} [{first.n}]"]
            for words, (_, reports) in groups.items():
                n = len(citations) + 1
                citations.append(Citation.of(n, reports[0].article, reports[0].paragraph, reports[0].text))
                parts.append(f"{_sources([r.report() for r in reports])} {_verb(len(reports))} {words} [{n}]")
            text += " The articles differ: " + "; ".join(parts) + "."
    return replace(answer, answer=text, citations=tuple(citations))


def _sources(reports: Sequence[Report | Citation]) -> str:
    names = list(dict.fromkeys(_source_name(r) for r in reports))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _verb(count: int) -> str:
    return "reports" if count == 1 else "report"


def _words(values: dict[str, str]) -> str:
    return " and ".join(values.values())
