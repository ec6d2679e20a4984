"""Question analysis: what kind of answer a question wants, what it is about, and the qualifiers that must hold.

General rules of English questions over a parse (index.annotate): the wh-word and the noun it asks about give
the expected answer type; dates, ordinals and names in the question are qualifiers an answer must satisfy;
the remaining content words say what the answer is about."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

from index import values
from index.annotate import Parse, Token
from index.records import Mention
from index.tokenize import STOPWORDS, stem, terms, words

# The answer types, and the entity labels that can be each.
ANSWER_LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON", "NAME"}),
    "organisation": frozenset({"ORG", "NAME"}),
    "place": frozenset({"GPE", "LOC", "FAC", "NAME"}),
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
    "count": frozenset({"CARDINAL", "QUANTITY", "ORDINAL"}),
    "money": frozenset({"MONEY"}),
    "percent": frozenset({"PERCENT"}),
    "duration": frozenset({"DATE"}),
    "change": frozenset({"PERCENT", "MONEY", "CARDINAL", "QUANTITY"}),
    "who": frozenset({"PERSON", "ORG", "NAME"}),
    "description": frozenset(),
}
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "NAME"}
)

# Nouns that say what kind of thing "what/which <noun>" asks for. General English, not any topic's words.
_PERSON_NOUNS = set(
    """person people man woman men women official officials chairman chairwoman chairperson chair president
    chief executive director minister secretary spokesman spokeswoman spokesperson leader head founder ceo manager
    player coach winner author actor actress singer candidate governor mayor judge lawyer analyst economist
    successor owner champion captain editor reporter journalist politician councillor senator deputy member
    employee worker officer commissioner chancellor premier king queen prince princess envoy ambassador
    negotiator trader investor partner host presenter composer producer writer artist architect designer
    scientist professor doctor nurse teacher striker goalkeeper batsman bowler driver rider runner investigator
    inspector auditor prosecutor attorney detective suspect witness victim defendant plaintiff who""".split()
)
_ORG_NOUNS = set(
    """company companies firm firms bank banks group groups council councils team teams club clubs party parties
    union unions newspaper newspapers paper agency agencies organisation organisations organization organizations
    government governments airline airlines carrier carriers ministry ministries department departments body
    bodies authority authorities court board charity charities business businesses subsidiary unit division
    maker makers manufacturer manufacturers retailer retailers broker brokers exchange network networks studio
    studios label publisher publishers university universities school schools hospital hospitals outlet outlets
    publication publications insurer insurers producer producers supplier suppliers buyer buyers bidder bidders
    rival rivals institution institutions firm operator operators chain chains brand brands""".split()
)
_PLACE_NOUNS = set(
    """country countries city cities state states town towns place places region regions province provinces nation
    nations county counties port ports island islands area areas venue venues stadium capital location site
    district neighbourhood neighborhood village continent plant plants factory factories mill mills mine mines
    basin field fields facility facilities refinery refineries office offices headquarters""".split()
)
_MONEY_NOUNS = set(
    """income profit profits loss losses earnings revenue revenues price prices cost costs value worth fee fees
    salary salaries pay budget dividend dividends debt debts deficit surplus spending investment fine fines bid
    offer payout compensation capital assets charge charges provision provisions reserves savings tax taxes fare
    fares wage wages fund funds funding sum amount cash turnover valuation premium rent loan loans subsidy
    subsidies grant grants bonus bonuses fix""".split()
)
_PERCENT_NOUNS = set("percentage percent proportion share rate ratio margin stake yield".split())
_NUMBER_NOUNS = set(
    """number count total figure figures level population tonnes tons bags barrels units shares cars workers jobs
    employees votes seats goals points runs copies size quantity volume output production score sales exports
    imports deliveries orders shipments reserves stocks""".split()
)
_DATE_NOUNS = set("date day year month time week deadline season hour".split())
_DURATION_NOUNS = set("period length duration long sentence term".split())
_TIME_UNITS = set("seconds minutes hours days weeks months years decades".split())
_MONEY_VERBS = set(
    """cost costs costing spend spent spending pay paid paying earn earned earning raise raised sell sold buy bought
    invest invested charge charged fetch fetched borrow borrowed lend lent owe owed lose lost make made gain
    gained net netted""".split()
)
_CHANGE_VERBS = set(
    """rise rose risen rising fall fell fallen falling increase increased increasing decrease decreased grow grew
    grown growing drop dropped dropping change changed climb climbed decline declined declining gain gained jump
    jumped slip slipped cut reduce reduced raise raised lower lowered improve improved shrink shrank shrunk
    expand expanded""".split()
)
_COPULA = {"is", "was", "are", "were", "be", "been", "'s"}
_AUX = {"did", "does", "do", "has", "have", "had", "will", "would", "can", "could", "should", "may", "might"}
_SAY_VERBS = set("say said says tell told claim claimed warn warned admit admitted add added describe".split())
# Company names often drop these words when repeated ("Mellon Bank Corp" is "Mellon Bank").
_NAME_SUFFIXES = set("inc corp corporation co company ltd plc llc group holdings sa ag nv the".split())


def name_text(text: str) -> str:
    """Text as names are compared: lower case, "U.K." as "uk", possessives and punctuation gone."""
    text = re.sub(r"\b([A-Za-z])\.(?=[A-Za-z]\b\.?)", r"\1", text)  # U.K. -> UK.
    text = re.sub(r"\b([A-Za-z]{1,3})\.(?=\s|$)", r"\1", text)
    text = re.sub(r"['’]s?\b", " ", text.lower())
    return " ".join(re.findall(r"[^\W_]+", text))


@dataclass(frozen=True)
class Name:
    """A name the question gives: its words as written, as compared (`key`), its stems, its entity type."""

    text: str
    key: str
    stems: tuple[str, ...]
    label: str
    of_person: str = ""  # "Fed" in "Fed chairman Paul Volcker": the key of the person it describes
    start: int = field(default=-1, compare=False)  # where the question writes it (-1: not known)

    @property
    def pattern(self) -> re.Pattern[str]:
        # A person is found by surname ("Ms Doe", "Doe said"); anything else by its words in a row.
        words_ = self.key.split()
        if self.label == "GPE" and len(words_) == 1 and len(self.key) > 3:
            return _place(self.key)
        wanted = words_[-1] if self.label == "PERSON" and len(words_) > 1 else self.key
        return _compiled(wanted)

    def found_in(self, text: str) -> bool:
        """Whether `text` (already through name_text) names it."""
        return bool(self.key) and self.pattern.search(text) is not None


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(phrase)}\b")


@lru_cache(maxsize=1024)
def _place(name: str) -> re.Pattern[str]:
    """A country or place, or the adjective of its people: "Japan" is named by "Japanese", "Canada" by
    "Canadian", "Kenya" by "Kenyan" (its stem, less a final vowel, and a demonym ending)."""
    base = re.escape(name[:-1] if name[-1] in "aeiouy" else name)
    return re.compile(rf"\b(?:{re.escape(name)}|{base}(?:ese|ian|ean|an|n|ish|i))\b")


def _after_capital(text: str, at: int) -> bool:
    before = text[:at].split()
    return bool(before) and before[-1][:1].isupper()


def name_key(text: str) -> str:
    """A name as compared: "the Mellon Bank Corp's" -> "mellon bank"."""
    parts = name_text(text).split()
    while parts and parts[0] == "the":
        parts = parts[1:]
    while len(parts) > 1 and parts[-1] in _NAME_SUFFIXES:
        parts = parts[:-1]
    return " ".join(parts)


@dataclass(frozen=True)
class Question:
    """The analysis of one question."""

    text: str
    expected: str  # one of ANSWER_LABELS
    focus: tuple[str, ...]  # stems of the words naming the thing asked about ("net income", "chairman")
    # The focus is the wh-word's own noun ("which company", "what date"), which may name only the kind of answer,
    # not the question's other nouns ("when is Acme's dividend payable": the thing the answer must be about).
    focus_named: bool = True
    names: tuple[Name, ...] = ()
    periods: tuple[values.Period, ...] = ()  # time qualifiers
    relative: tuple[str, ...] = ()  # time phrases only an article's date places ("last season")
    ordinals: tuple[int, ...] = ()
    reason: bool = False  # a "why" question: the answer gives a cause or a purpose
    speech: bool = False  # "what did X say ...": the answer is something someone said
    said_by: bool = False  # "who said ...": the answer is the speaker of a quote
    mentions: tuple[Mention, ...] = field(default=(), repr=False)
    # "at Acme compared with Beta", "Leeds and Hull": the keys of names set side by side, each
    # the subject of its own story; an article naming one of them answers for that one.
    compared: frozenset[str] = frozenset()
    content: tuple[str, ...] = ()  # stems of the content words that are neither names nor qualifiers
    topic: tuple[str, ...] = ()  # "what did X say about Y": the stems of Y, which the answer must be about
    topic_verb: str = ""  # "say about whether A was linked to B": the stem of what is asked of A ("link")
    topic_time: bool = False  # "say about the timing of Y": the answer says when
    speaker: str = ""  # "what did the Acme council say": the stem of the word naming who spoke ("council")

    @property
    def typed(self) -> bool:
        """It asks for a name, a date, a number or an amount (not a description or a reason)."""
        return self.expected != "description"

    @property
    def labels(self) -> frozenset[str]:
        return ANSWER_LABELS[self.expected]

    @property
    def measure(self) -> bool:
        """It asks for an amount over a period: the period must be the one asked, not one inside it."""
        return self.expected in ("money", "number", "percent", "change", "count")

    @cached_property
    def own_values(self) -> frozenset[str]:
        """Values and name stems the question itself states: an answer must bring something else."""
        out = {m.value for m in self.mentions if m.value}
        out |= {s for name in self.names for s in name.stems}
        return frozenset(out)

    @cached_property
    def figures(self) -> tuple[Mention, ...]:
        """The figures the question sets ("its three plants", "its 250 mln dlr offering"), which the answer's
        passage must state; a number in a name ("Unit 1": after a capitalised word) is none."""
        return tuple(
            m
            for m in self.mentions
            if m.label in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")
            and m.value
            and not (m.label == "CARDINAL" and _after_capital(self.text, m.start))
        )

    @cached_property
    def word_stems(self) -> frozenset[str]:
        """The stems of every content word of the question."""
        return frozenset(terms(self.text))

    @cached_property
    def qualifier_stems(self) -> frozenset[str]:
        return frozenset(s for name in self.names for s in name.stems)


def analyse(parse: Parse) -> Question:
    """The question's expected answer type, focus, names and qualifiers, from its parse."""
    tokens = list(parse.tokens)
    cause = bool(_CAUSE_QUESTION.search(parse.text))
    expected, head = _expected(tokens, cause)
    mentions = parse.mentions
    names = _names(parse)
    periods: list[values.Period] = []
    ordinals: list[int] = []
    for m in mentions:
        if m.label in ("DATE", "TIME"):
            found = values.decode_periods(m.value)
            periods.extend(found)
        elif m.label == "ORDINAL" and m.value and _modifies_noun(tokens, m):
            ordinals.append(int(m.value))  # "the third stage", not "first reported"
        elif m.label in NAME_LABELS:  # "the 2014 World Cup"
            periods.extend(values.Period("year", int(y)) for y in values.YEAR_RE.findall(m.text))
    covered = {i for m in mentions for i in _token_range(tokens, m.start, m.end)}
    name_stems = {s for name in names for s in name.stems}
    named = _focus(tokens, head, covered, name_stems)
    focus = named or _content_nouns(tokens, covered, name_stems)
    content = tuple(
        t for t in terms(parse.text) if t not in name_stems and not t.isdigit() and t not in _WH_STEMS
    )
    speech = expected == "description" and bool(_SPEECH_QUESTION.search(parse.text))
    about = _ABOUT.search(parse.text) if speech else None
    group = next(i for i, g in enumerate(about.groups(), 1) if g) if about else 0
    topic_text, topic_at = (about.group(group), about.start(group)) if about else ("", len(parse.text))
    # (letters alone, "u" and "s" of "U.S.", say nothing of a topic)
    topic = tuple(t for t in terms(topic_text) if len(t) > 1 and not t.isdigit())
    # The names in it are checked as names; the topic is what is said of them ("the EC's list of trade barriers":
    # a list of barriers), unless that is a word or none ("about extending the Tin Agreement").
    if len(matter := tuple(t for t in topic if t not in name_stems)) >= 2:
        topic = matter
    return Question(
        text=parse.text,
        expected=expected,
        focus=focus,
        focus_named=bool(named),
        names=tuple(names),
        periods=tuple(dict.fromkeys(periods)),
        relative=values.relative_phrases(parse.text),
        ordinals=tuple(dict.fromkeys(ordinals)),
        reason=cause or any(t.text.lower() == "why" for t in tokens),
        speech=speech,
        said_by=expected in ("who", "person") and bool(_SAID_BY_QUESTION.search(parse.text)),
        compared=_compared(parse.text, names),
        mentions=mentions,
        content=content,
        topic=topic,
        topic_verb=_whether_verb(tokens, topic_at),
        topic_time=bool(_WHEN_TOPIC.match(topic_text)),
        speaker=_speaker(parse.text) if speech else "",
    )


# "What did <who> say / tell / warn": who spoke, named by the last word before the verb.
_SPEAKER = re.compile(
    r"^\W*what (?:did|does|do|has|have|had|will|would)\s+(?P<who>[^,;]+?)\s+(?:say|tell|claim|warn|admit|add|argue)\b",
    re.I,
)


def _speaker(text: str) -> str:
    found = _SPEAKER.search(text)
    if found is None:
        return ""
    last = [w for w in words(found.group("who")) if w not in STOPWORDS]
    return stem(last[-1]) if last else ""


# What only a person (or a body speaking) does: say, judge, accuse.
_SPEAKING_VERBS = (
    "said says told warned claimed described called argued added admitted insisted stated accused criticised "
    "criticized praised alleged complained denied"
).split()
_SAID_BY_QUESTION = re.compile(
    rf"^\W*(?:who|which \w+)\s+(?:(?:has|had|also|first|publicly)\s+)*(?:{'|'.join(_SPEAKING_VERBS)})\b", re.I
)
# "What was behind X", "what caused X": a "why" in other words.
_CAUSE_QUESTION = re.compile(
    r"\bwhat\b(?:.*\b(?:was|is|were|are|lay|lies|lie)\s+behind\b|\s+(?:\w+\s+)?(?:caused|prompted|triggered|"
    r"drove|led to|explains?|explained|(?:was|is|were|are) (?:the )?(?:reasons?|causes?) (?:for|of|behind)))",
    re.I,
)
# "Where does X stand on Y" asks for X's position on Y, not a place.
_STANDS_ON = re.compile(r"\bwhere (?:did|does|do|has|have|had|will|would)\b.*\bstand on\b", re.I)
_SPEECH_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|will|would)\b.*\b(?:say|said|tell|told|claim|warn|admit|add|argue|"
    r"describe|predict|expect|think|believe|call)\b|\bhow did .* (?:respond|react|reply)\b"
    r"|\bwhat (?:was|is|were|are)\b.*\b(?:position|view|stance|opinion)s? on\b"
    r"|\bwhat (?:position|view|stance|line)s? (?:did|does|do|has|have|had|will)\b.*\b(?:take|hold|adopt|have|express)"
    rf"|{_STANDS_ON.pattern}",
    re.I,
)
# What the answer must be about: "say about Y", "position / view / stance on Y", "where does X stand on Y",
# "say was Y" ("what did X say was the object of Y").
_ABOUT = re.compile(
    r"\b(?:about|regarding|concerning)\s+(.+)$|\b(?:position|view|stance|opinion|line|stand)s?\b.*?\bon\s+(.+)$"
    r"|\bsay\s+(?:was|is|were|are)\s+(.+)$",
    re.I,
)
_SIDE_BY_SIDE = re.compile(
    r"\s*(?:,|and|or|versus|vs\.?|compared (?:with|to)|against)\s+(?:(?:in|at|for|from|on)\s+)?(?:the\s+)?", re.I
)


def _compared(text: str, names: list[Name]) -> frozenset[str]:
    """The names joined as alternatives or set side by side ("Leeds and Hull", "at Acme compared with Beta"): a
    question naming them asks of each in turn. (Their entity types are not compared: the small model often
    tags one a place and the other a person.)"""
    placed = sorted(((n.start, n) for n in names if n.start >= 0), key=lambda x: x[0])
    out: set[str] = set()
    for (at, a), (at_b, b) in itertools.pairwise(placed):
        between = text[at + len(a.text) : at_b]
        if _SIDE_BY_SIDE.fullmatch(between):
            out |= {a.key, b.key}
    return frozenset(out)


_WHEN_TOPIC = re.compile(r"(?:the\s+)?(?:timing|timetable|schedule|date)\b|when\b", re.I)


def _whether_verb(tokens: list[Token], start: int) -> str:
    """In a topic "whether A was linked to B", the stem of the verb asked about ("link"): a passage that does not
    use it says something of A, not whether it holds."""
    after = [t for t in tokens if t.start >= start]
    if not after or after[0].text.lower() != "whether":
        return ""
    verb = next((t for t in after[1:] if t.pos == "VERB"), None)
    return stem(verb.text.lower()) if verb is not None else ""


_WH_STEMS = {stem(w) for w in ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")}


def _modifies_noun(tokens: list[Token], mention: Mention) -> bool:
    following = [t for t in tokens if t.start >= mention.end]
    return bool(following) and following[0].pos in ("NOUN", "PROPN", "ADJ")


def _token_range(tokens: list[Token], start: int, end: int) -> list[int]:
    return [t.i for t in tokens if start <= t.start < end]


def _expected(tokens: list[Token], cause: bool) -> tuple[str, int | None]:
    """(answer type, index of the noun the wh-word asks about, if any); `cause`: the question asks what caused
    something ("what was behind X"), a "why" in other words."""
    lower = [t.text.lower() for t in tokens]
    text = " ".join(lower)
    wh = next((i for i, t in enumerate(tokens) if t.tag in ("WP", "WDT", "WRB", "WP$") or lower[i] in _WH_WORDS), None)
    if wh is None:
        return "description", None  # a yes/no question or an instruction ("Tell me about ...")
    word = lower[wh]
    following = lower[wh + 1] if wh + 1 < len(lower) else ""
    if word == "how":
        if following in ("many",):
            noun = _noun_after(tokens, wh + 2)
            if noun is not None and lower[noun] in _TIME_UNITS:
                return "duration", noun
            return "count", noun
        if following == "much":
            noun = _noun_after(tokens, wh + 2, stop_at_verb=True)
            verbs = set(lower[wh + 2 :])
            if noun is not None and lower[noun] in _MONEY_NOUNS:
                return "money", noun
            if noun is not None and tokens[noun].pos in ("NOUN", "PROPN") and noun == wh + 2:
                return "number", noun  # "how much coffee"
            if verbs & _MONEY_VERBS and not verbs & _CHANGE_VERBS:
                return "money", None
            if verbs & _CHANGE_VERBS or (wh > 0 and lower[wh - 1] == "by"):
                return "change", None
            return "number", noun
        if following in ("long",):
            return "duration", None
        if following in ("old", "far", "big", "large", "tall", "high", "heavy", "fast", "deep", "wide"):
            return "number", None
        if following == "often":
            return "description", None
        return "description", None  # how did ..., how does ... (manner)
    if word in ("who", "whom", "whose"):
        noun = _noun_after(tokens, wh + 1) if word == "whose" else None
        role = _role_noun(tokens, lower, wh)
        if role is None and not set(lower[wh + 1 :]) & _ORG_VERBS:
            return "person", noun  # "who" asks for a person, unless it bought, owns, won or sued something
        if role is not None:
            return "person", role  # "who is the chairman", "who was named president", "who will succeed X as chairman"
        return "who", noun
    if word == "when":
        return "date", None
    if word == "where":
        if _STANDS_ON.search(" ".join(lower[wh:])):
            return "description", None
        return "place", None
    if word == "why" or cause:
        return "description", None
    # what / which (and "name the ...")
    noun = _noun_after(tokens, wh + 1)
    named = next((i for i in range(wh + 1, len(tokens) - 2) if lower[i] == "name" and lower[i + 1] == "of"), None)
    if named is not None:
        # "what is the name of the investigator": the kind of thing named.
        noun = _noun_after(tokens, named + 2 + (lower[named + 2] in ("the", "a", "an", "its", "their", "his", "her")))
        kind = _noun_kind(lower[noun], tokens, noun) if noun is not None else "who"
        if kind == "description" and noun is not None and re.search(r"(?:or|er|ist|ant|ent)s?$", lower[noun]):
            kind = "person"  # the name of an investigator, a manager, a journalist: someone who does something
        return kind, noun
    if noun is None and following in _COPULA:
        noun = _subject_noun(tokens, wh + 2)  # "what was X's net income": what the copula's subject names
    if noun is None:
        if set(lower[wh + 1 :]) & _MONEY_VERBS - {"make", "made", "lose", "lost"}:
            return "money", None  # "what did X earn"
        return "description", None
    if lower[noun] == "figure" and noun + 1 < len(lower) and lower[noun + 1] in _SPEAKING_VERBS:
        return "person", noun  # "which Liberal figure praised X": a figure who speaks is a person, not a number
    if lower[noun] in _GENERIC_NOUNS:
        # "to what level did its dividend rise": the kind is the next noun's, when it has one.
        later = next((i for i in range(noun + 1, len(tokens)) if _noun_kind(lower[i], tokens, i) != "description"
                      and tokens[i].pos == "NOUN" and lower[i] not in _GENERIC_NOUNS), None)  # fmt: skip
        if later is not None:
            noun = later
    kind = _noun_kind(lower[noun], tokens, noun)
    if kind == "place" and _of_a_thing(tokens, lower, noun):
        return "description", noun  # "what areas of concern": a kind of thing, not somewhere
    if kind == "description" and re.search(r"\b(?:say|said|says|tell|told)\b", text):
        return "description", noun
    return kind, noun


def _of_a_thing(tokens: list[Token], lower: list[str], noun: int) -> bool:
    """A place noun qualified by "of" and a common noun that names no place ("areas of concern", "fields of
    research"), as opposed to "the region of the country" or "which part of Brazil"."""
    if noun + 2 >= len(tokens) or lower[noun + 1] != "of":
        return False
    after = next((i for i in range(noun + 2, len(tokens)) if lower[i] not in ("the", "a", "an", "its", "their")), None)
    if after is None:
        return False
    t = tokens[after]
    return t.pos == "NOUN" and not t.entity and lower[after] not in _PLACE_NOUNS


_WH_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
_ORG_VERBS = set(
    """buy buys bought acquire acquires acquired own owns owned sue sues sued sponsor sponsors sponsored win wins won
    beat beats defeated merge merged bid bids made makes make builds built supplies supplied""".split()
)
_ROLE_VERBS = {"is", "was", "are", "were", "be", "been", "became", "become", "becomes", "named", "appointed",
               "elected", "as", "remains", "remained"}  # fmt: skip


def _role_noun(tokens: list[Token], lower: list[str], wh: int) -> int | None:
    """In "who is/became/was named (the) <role>" or "who will succeed X as <role>": the role noun."""
    for i in range(wh + 1, min(wh + 10, len(tokens))):
        if lower[i] in _PERSON_NOUNS and tokens[i].pos in ("NOUN", "PROPN"):
            between = range(max(wh + 1, i - 3), i)
            if any(lower[j] in _ROLE_VERBS for j in between) and all(
                lower[j] in _ROLE_VERBS or tokens[j].pos in ("DET", "ADJ", "AUX", "VERB", "NOUN", "PROPN")
                for j in between
            ):
                return i
    return None


_GENERIC_NOUNS = {"level", "figure", "amount", "total", "number", "value", "size", "average", "median", "mean"}


def _noun_after(tokens: list[Token], start: int, stop_at_verb: bool = False) -> int | None:
    """The last noun of the run of adjectives and nouns right after `start` ("what first-quarter net income")."""
    last = None
    for i in range(start, len(tokens)):
        t = tokens[i]
        if t.pos in ("NOUN", "PROPN") or (t.pos == "ADJ" and t.tag != "WDT") or t.pos == "NUM" or t.tag == "HYPH":
            if t.pos in ("NOUN", "PROPN"):
                last = i
            continue
        if t.text.lower() in ("-",):
            continue
        break
    if last is not None and tokens[last].pos == "PROPN" and tokens[last].text.lower() not in _ALL_KIND_NOUNS:
        return None  # "what Reuters ...": a name, not the kind of thing asked for
    return last


def _subject_noun(tokens: list[Token], start: int) -> int | None:
    """For "what was X's load factor in March?": the last noun of the phrase after the verb, before a
    preposition."""
    last = None
    for i in range(start, len(tokens)):
        t = tokens[i]
        if t.pos in ("ADP", "PUNCT", "VERB", "AUX", "SCONJ") and t.text not in ("'s", "'", "’s", "’", "-"):
            if last is not None:
                if t.pos == "VERB" and t.tag in ("VBG", "VBN"):
                    return None  # "what are agencies offering": "are" helps a verb; the answer is its object
                break
            if t.pos in ("ADP", "VERB", "AUX"):
                continue
        if t.pos in ("NOUN",) or (t.pos == "PROPN" and t.text.lower() in _ALL_KIND_NOUNS):
            last = i
    return last


_ALL_KIND_NOUNS = _PERSON_NOUNS | _ORG_NOUNS | _PLACE_NOUNS | _MONEY_NOUNS | _PERCENT_NOUNS | _NUMBER_NOUNS


def _noun_kind(noun: str, tokens: list[Token], index: int) -> str:
    word = noun.lower()
    if word in _PERCENT_NOUNS:
        return "percent"
    if word in _MONEY_NOUNS:
        return "money"
    if word in _DATE_NOUNS:
        return "date"
    if word in _DURATION_NOUNS:
        return "duration"
    if word in _PERSON_NOUNS:
        return "person"
    if word in _ORG_NOUNS:
        return "organisation"
    if word in _PLACE_NOUNS:
        return "place"
    if word in _NUMBER_NOUNS:
        return "number"
    if word in ("factor", "average", "median", "mean"):
        return "number"
    return "description"


def _focus(tokens: list[Token], head: int | None, covered: set[int], name_stems: set[str]) -> tuple[str, ...]:
    """Stems of the words naming what is asked about: the head noun and the nouns and adjectives before it."""
    if head is None:
        return ()
    picked = [head]
    i = head - 1
    while i >= 0 and tokens[i].pos in ("NOUN", "ADJ", "PROPN") and tokens[i].tag not in ("WDT", "WP"):
        picked.append(i)
        i -= 1
    out = []
    for i in sorted(picked):
        if i in covered:
            continue
        for w in words(tokens[i].text):
            s = stem(w)
            if w not in STOPWORDS and s not in name_stems and s not in _WH_STEMS:
                out.append(s)
    return tuple(dict.fromkeys(out))


def _content_nouns(tokens: list[Token], covered: set[int], name_stems: set[str]) -> tuple[str, ...]:
    """Without a noun after the wh-word ("by how much did X's comparable store sales rise"), what is asked
    about is named by the question's other nouns."""
    out = []
    for t in tokens:
        if t.i in covered or t.pos not in ("NOUN", "ADJ") or t.tag in ("WDT", "WP", "WRB"):
            continue
        for w in words(t.text):
            s = stem(w)
            if w not in STOPWORDS and s not in name_stems and s not in _WH_STEMS and not w.isdigit():
                out.append(s)
    return tuple(dict.fromkeys(out))


def _names(parse: Parse) -> list[Name]:
    """The names the question gives: entities of name types, and capitalised words the model did not tag."""
    out: list[Name] = []
    covered: set[int] = set()
    for m in parse.mentions:
        if m.label in NAME_LABELS:
            covered.update(range(m.start, m.end))
            if m.label == "NORP":
                continue  # "Canadian", "Brazilian": an adjective an article may write as the country's name
            # "Bally's Scientific Games" is two names: the owner and the owned.
            for part in re.split(r"['’]s?\s+", m.text):
                key = name_key(part)
                if key:
                    written = re.sub(r"['’]s?$", "", part).strip()
                    start = m.start + max(m.text.find(written), 0)
                    out.append(Name(written, key, name_stems(written) or tuple(key.split()), m.label, start=start))
    tokens = parse.tokens
    runs: list[list[Token]] = []  # capitalised words in a row are one name ("Greyhound Lines")
    for t in tokens:
        if t.pos == "PROPN" and t.i > 0 and t.start not in covered and t.text[:1].isupper():
            if name_key(t.text) in _TITLE_WORDS:
                continue  # "Vice Chairman", "Trade Representative": a title, which an article may write otherwise
            if tokens[t.i - 1].start in covered or (t.i + 1 < len(tokens) and tokens[t.i + 1].start in covered):
                continue  # a word the model left off the name beside it ("Acme" + "Lines"): no name of its own
            if any(m.label in ("DATE", "TIME") and m.start <= t.start < m.end for m in parse.mentions):
                continue
            if runs and runs[-1][-1].i == t.i - 1:
                runs[-1].append(t)
            else:
                runs.append([t])
    for run in runs:
        written = parse.text[run[0].start : run[-1].start + len(run[-1].text)]
        key = name_key(written)
        if key:
            out.append(Name(written, key, name_stems(written) or tuple(key.split()), "NAME", start=run[0].start))
    return [_affiliated(parse, name, out) for name in out]


# The words of a title before a person's name: "vice president", "Trade Representative", "chief executive".
_TITLE_WORDS = _PERSON_NOUNS - {"who"} | set(
    "vice deputy acting senior chief general executive managing former assistant representative undersecretary "
    "board".split()
)


def _affiliated(parse: Parse, name: Name, names: list[Name]) -> Name:
    """A name followed by a title and a person ("Fed chairman Paul Volcker", "Cargill vice president Robbin
    Johnson") says where the person works: an article about them may not name it, or name it otherwise."""
    if name.label == "PERSON":
        return name
    at = name.start
    for person in (n for n in names if n.label == "PERSON"):
        between = parse.text[at + len(name.text) : person.start].lower().split() if 0 <= at < person.start else []
        if (
            between
            and all(w in _TITLE_WORDS or w in ("of", "and", "the") for w in between)
            and any(w in _PERSON_NOUNS for w in between)
        ):
            return replace(name, of_person=person.key)
    return name


def name_stems(text: str) -> tuple[str, ...]:
    """The stems of a name's distinctive words ("Mellon Bank Corp" -> mellon, bank)."""
    return tuple(
        stem(w)
        for w in words(text)
        if w not in STOPWORDS and w not in _NAME_SUFFIXES and len(w) > 1 and not w.isdigit()
    )
