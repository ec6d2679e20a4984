"""Dates, periods, numbers, amounts and ordinals in news English, read into values that can be compared.

Pure functions over short texts (an entity's words, a question's qualifier). A value is also written as a short
string (`encode`), so it can be stored with a sentence at ingest and read back at question time."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
MONTHS["sept"] = 9
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"  # noqa: E501
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "last": -1,
}  # fmt: skip
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a dozen": 12, "dozen": 12,
    "half": 0.5, "a half": 0.5,
}  # fmt: skip
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bln": 1e9,
    "bn": 1e9, "b": 1e9, "trillion": 1e12, "trln": 1e12, "tn": 1e12,
}  # fmt: skip
_CURRENCY_WORDS = {
    "dlrs": "USD", "dlr": "USD", "dollars": "USD", "dollar": "USD", "usd": "USD", "cts": "USD", "cents": "USD",
    "cent": "USD", "pounds": "GBP", "pound": "GBP", "stg": "GBP", "sterling": "GBP", "pence": "GBP", "gbp": "GBP",
    "euros": "EUR", "euro": "EUR", "eur": "EUR", "yen": "JPY", "marks": "DEM", "mark": "DEM", "francs": "FRF",
    "franc": "FRF", "lire": "ITL", "lira": "ITL", "guilders": "NLG", "pesos": "MXN", "rupees": "INR",
    "crowns": "SEK", "kroner": "DKK", "rand": "ZAR", "won": "KRW", "yuan": "CNY", "riyals": "SAR",
}  # fmt: skip
_CURRENCY_SIGNS = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY"}
_SUBUNITS = {"cts", "cents", "cent", "pence"}
_DURATION_UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y", "hour": "H", "minute": "MIN", "decade": "DEC"}

_NUM = r"\d+(?:[.,]\d+)*"
_SCALE = r"(?:thousand|million|mln|billion|bln|bn|trillion|trln|tn|m|k)"
# Dollars that are not the U.S. dollar: "Canadian $5", "20 mln Australian dlrs".
_DOLLARS = {"canadian": "CAD", "australian": "AUD", "hong kong": "HKD", "new zealand": "NZD", "singapore": "SGD",
            "taiwan": "TWD"}  # fmt: skip
# Whose dollar, before the sign or between the figure and the currency's name: "U.S. $5", "40 billion U.S. dlrs".
_NATION = "(?:" + "|".join([r"u\.s\.", "us", *_DOLLARS]) + ")"
_CURRENCY_WORD = "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
MONEY_RE = re.compile(
    rf"[£$€¥]\s?{_NUM}(?:\s?{_SCALE}\b)?|\b{_NUM}(?:\s?{_SCALE})?\s?(?:{_NATION}\s)?(?:{_CURRENCY_WORD})\b"
    rf"|\b{_NATION}\s?\$\s?{_NUM}(?:\s?{_SCALE}\b)?",
    re.I,
)
# A time of day: "6.45pm", "10 p.m." (a bare "6.45" stays a number: it could be anything).
CLOCK_RE = re.compile(r"\b(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)", re.I)
PERCENT_RE = re.compile(rf"\b{_NUM}\s?(?:%|pct\b|per\s?cent\b|percent\b|percentage points?\b)|{_NUM}%", re.I)
DURATION_RE = re.compile(
    rf"\b(?:{_NUM}|{'|'.join(w for w in _NUMBER_WORDS if ' ' not in w)}|a|an)[\s-](?:calendar |business )?"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|decades?)\b(?:[\s-]long)?",
    re.I,
)
QUARTER_RE = re.compile(
    r"\b(?:(first|second|third|fourth|1st|2nd|3rd|4th)[\s-](?:fiscal[\s-])?(?:quarter|qtr)"
    r"|q([1-4])|(?:fiscal[\s-])?(?:quarter|qtr)\s([1-4]))\b(?:\s(?:of\s)?(?:fiscal\s)?((?:19|20)\d{2}))?",
    re.I,
)
HALF_RE = re.compile(
    r"\b(first|second|1st|2nd)[\s-]half\b(?:\s(?:of\s)?(?:fiscal\s)?((?:19|20)\d{2}))?|\bh([12])\b", re.I
)
DAY_RANGE_RE = re.compile(
    rf"\b({_MONTH})\s(\d{{1,2}})\s?(?:-|to|through|and)\s?(\d{{1,2}})\b(?!\s?(?:pct|%|mln|bln))", re.I
)
DAY_MONTH_RE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?({_MONTH})|({_MONTH})\s(\d{{1,2}})(?:st|nd|rd|th)?\b)"
    r"(?:,?\s((?:19|20)\d{2}))?",
    re.I,
)
MONTH_RE = re.compile(rf"\b({_MONTH})(?:,?\s(?:of\s)?((?:19|20)\d{{2}}))?\b", re.I)
ISO_DAY_RE = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
YEAR_RE = re.compile(r"(?<![\d.,$£€])\b((?:19|20)\d{2})\b(?![.,]\d)")
FISCAL_YEAR_RE = re.compile(r"\bfiscal(?:\syear)?\s((?:19|20)\d{2})\b|\bfy\s?((?:19|20)\d{2})\b", re.I)
ORDINAL_RE = re.compile(rf"\b(\d+)(?:st|nd|rd|th)\b|\b({'|'.join(_ORDINAL_WORDS)})\b", re.I)
_NUMBER_WORD = "|".join(w for w in _NUMBER_WORDS if " " not in w)
NUMBER_RE = re.compile(rf"\b{_NUM}(?:\s?{_SCALE}\b)?|\b(?:{_NUMBER_WORD})\b", re.I)


# -- periods ---------------------------------------------------------------------------------------------------

GRAINS = ("year", "half", "quarter", "month", "day")


@dataclass(frozen=True)
class Period:
    """A stretch of time a text names: a year, a half or quarter (of a year), a month or a day. The year may be
    unknown ("the third quarter", "March") until read against the article's date."""

    grain: str
    year: int | None
    part: int = 0  # half 1-2, quarter 1-4, month 1-12 (a day's month)
    day: int = 0

    def encode(self) -> str:
        year = str(self.year) if self.year is not None else "?"
        return {
            "year": year,
            "half": f"{year}-H{self.part}",
            "quarter": f"{year}-Q{self.part}",
            "month": f"{year}-{self.part:02d}",
            "day": f"{year}-{self.part:02d}-{self.day:02d}",
        }[self.grain]

    @classmethod
    def decode(cls, text: str) -> Period:
        year_text, _, rest = text.partition("-")
        year = None if year_text == "?" else int(year_text)
        if not rest:
            return cls("year", year)
        if rest.startswith("H"):
            return cls("half", year, int(rest[1:]))
        if rest.startswith("Q"):
            return cls("quarter", year, int(rest[1:]))
        month, _, day = rest.partition("-")
        return cls("day", year, int(month), int(day)) if day else cls("month", year, int(month))

    def months(self) -> tuple[int, int]:
        """The first and last month of the year the period covers."""
        if self.grain == "year":
            return 1, 12
        if self.grain == "half":
            return 6 * self.part - 5, 6 * self.part
        if self.grain == "quarter":
            return 3 * self.part - 2, 3 * self.part
        return self.part, self.part

    def end(self) -> date | None:
        if self.year is None:
            return None
        if self.grain == "day":
            return _safe_date(self.year, self.part, self.day)
        last = self.months()[1]
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    def dated(self, when: date | None) -> Period:
        """The period with its year filled in from an article dated `when`: news reports the latest such period
        that has begun by then (a "fourth quarter" reported in February is last year's)."""
        if self.year is not None or when is None:
            return self
        first_month = self.months()[0]
        year = when.year if (first_month, self.day or 1) <= (when.month, when.day) else when.year - 1
        return Period(self.grain, year, self.part, self.day)

    def within(self, other: Period) -> bool:
        """This period lies inside `other` (both with known years)."""
        if self.year is None or other.year is None or self.year != other.year:
            return False
        if GRAINS.index(self.grain) < GRAINS.index(other.grain):
            return False
        if other.grain == "day":
            return self.grain == "day" and (self.part, self.day) == (other.part, other.day)
        low, high = other.months()
        mine_low, mine_high = self.months()
        return low <= mine_low and mine_high <= high

    def describe(self) -> str:
        year = f" {self.year}" if self.year is not None else ""
        if self.grain == "year":
            return str(self.year)
        if self.grain == "half":
            return f"the {('first', 'second')[self.part - 1]} half{' of' + year if year else ''}"
        if self.grain == "quarter":
            return f"the {('first', 'second', 'third', 'fourth')[self.part - 1]} quarter{' of' + year if year else ''}"
        if self.grain == "month":
            return f"{calendar.month_name[self.part]}{year}"
        return f"{self.day} {calendar.month_name[self.part]}{year}"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _ordinal_number(word: str) -> int:
    word = word.lower()
    return _ORDINAL_WORDS.get(word) or int(re.sub(r"\D", "", word) or 0)


@lru_cache(maxsize=65536)
def periods(text: str) -> tuple[Period, ...]:
    """The periods a text names, most specific first within each place it names one: "the third quarter of
    1987" is (1987-Q3), "March 4, 1986" (1986-03-04), "fiscal 1987" (1987), "last year" nothing (relative)."""
    found: list[tuple[int, int, Period]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, period: Period) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, period))

    for m in ISO_DAY_RE.finditer(text):
        add(m.start(), m.end(), Period("day", int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in QUARTER_RE.finditer(text):
        part = _ordinal_number(m.group(1)) if m.group(1) else int(m.group(2) or m.group(3))
        year = int(m.group(4)) if m.group(4) else None
        add(m.start(), m.end(), Period("quarter", year, part))
    for m in HALF_RE.finditer(text):
        part = _ordinal_number(m.group(1)) if m.group(1) else int(m.group(3))
        add(m.start(), m.end(), Period("half", int(m.group(2)) if m.group(2) else None, part))
    for m in DAY_RANGE_RE.finditer(text):
        # "March 16 to 30": both ends (the end is the same month's day).
        month = MONTHS[m.group(1).lower().rstrip(".")]
        for group in (2, 3):
            day = int(m.group(group))
            if 1 <= day <= 31:
                add(m.start() if group == 2 else m.start(group), m.end(group), Period("day", None, month, day))
    for m in DAY_MONTH_RE.finditer(text):
        day = int(m.group(1) or m.group(4))
        month = MONTHS[(m.group(2) or m.group(3)).lower().rstrip(".")]
        if 1 <= day <= 31:
            add(m.start(), m.end(), Period("day", int(m.group(5)) if m.group(5) else None, month, day))
    for m in MONTH_RE.finditer(text):
        word = m.group(1).lower().rstrip(".")
        if word == "may" and not m.group(2) and not _month_context(text, m.start(), m.end()):
            continue  # "may" the verb
        if word in ("mar", "jan", "dec", "sep") and m.group(1)[0].islower():
            continue
        add(m.start(), m.end(), Period("month", int(m.group(2)) if m.group(2) else None, MONTHS[word]))
    for m in FISCAL_YEAR_RE.finditer(text):
        add(m.start(), m.end(), Period("year", int(m.group(1) or m.group(2))))
    for m in YEAR_RE.finditer(text):
        add(m.start(), m.end(), Period("year", int(m.group(1))))
    return tuple(period for _, _, period in sorted(found, key=lambda item: item[0]))


def _month_context(text: str, start: int, end: int) -> bool:
    """"May" is a month when a date word is next to it ("in May", "May 4", "early May")."""
    before = text[max(0, start - 12) : start].lower()
    after = text[end : end + 4]
    return bool(re.search(r"\b(?:in|since|until|by|early|late|mid|of|from|during|last|next|this)\s*$", before)) or bool(
        re.match(r"\s\d", after)
    )


_RELATIVE_PERIOD = re.compile(r"\b(this|last|next|current|previous|coming)\s+(year|month)\b", re.I)
_SHIFT = {"this": 0, "current": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}


def relative_period(text: str, when: date) -> Period | None:
    """The year or month a phrase relative to a story's date names ("this year", "last month"); None for any
    other text (and for "past year", which may mean the last twelve months)."""
    found = _RELATIVE_PERIOD.search(text)
    if found is None:
        return None
    shift = _SHIFT[found.group(1).lower()]
    if found.group(2).lower() == "year":
        return Period("year", when.year + shift)
    month = when.year * 12 + when.month - 1 + shift
    return Period("month", month // 12, month % 12 + 1)


def relative_phrases(text: str) -> tuple[str, ...]:
    """Time phrases that only an article's date can place ("last year", "this season"), lower-cased."""
    return tuple(
        m.group(0).lower()
        for m in re.finditer(
            r"\b(?:last|this|next|previous|past|coming|current)\s(?:year|season|month|week|quarter|decade|"
            r"financial year|fiscal year|summer|winter|spring|autumn|fall)\b|\byesterday\b|\btomorrow\b",
            text,
            re.I,
        )
    )


# -- numbers and amounts ---------------------------------------------------------------------------------------


def number(text: str) -> float | None:
    """The first number a text states, with its scale ("2.65 mln" is 2,650,000; "forty" is 40)."""
    m = re.search(rf"({_NUM})(?:\s?({_SCALE})\b)?", text, re.I)
    if m:
        digits = m.group(1)
        # "1,500" groups thousands; "1,5" (European decimals) is rare in English news.
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", digits):
            return None
        value = float(digits.replace(",", ""))
        scale = (m.group(2) or "").lower()
        return value * _SCALES.get(scale, 1.0)
    lowered = text.lower()
    for word, value in sorted(_NUMBER_WORDS.items(), key=lambda item: -len(item[0])):
        if re.search(rf"\b{word}\b", lowered):
            scale = re.search(rf"\b{word}\s({_SCALE})\b", lowered)
            return value * (_SCALES.get(scale.group(1), 1.0) if scale else 1.0)
    return None


def currency(text: str) -> str | None:
    lowered = text.lower()
    code = next((c for sign, c in _CURRENCY_SIGNS.items() if sign in text), None)
    code = code or next((c for word, c in _CURRENCY_WORDS.items() if re.search(rf"\b{word}\b", lowered)), None)
    if code == "USD":
        return next((c for nation, c in _DOLLARS.items() if nation in lowered), code)
    return code


def duration(text: str) -> tuple[float, str] | None:
    """(amount, unit) of a stretch of time: "17 months" is (17, "M"), "an 18-month strike" (18, "M")."""
    m = DURATION_RE.search(text)
    if not m:
        return None
    words = m.group(0).lower().replace("-", " ").split()
    amount = 1.0 if words[0] in ("a", "an") else number(words[0])
    unit = next((code for unit, code in _DURATION_UNITS.items() if any(w.startswith(unit) for w in words)), None)
    return (amount, unit) if amount is not None and unit else None


def ordinal(text: str) -> int | None:
    m = ORDINAL_RE.search(text)
    if not m:
        return None
    value = _ordinal_number(m.group(1) or m.group(2))
    return value if value else None


# -- a mention's value as stored ---------------------------------------------------------------------------------


def encode(label: str, text: str) -> str | None:
    """The normalised value of an entity of type `label` with words `text`, as stored with its sentence:
    periods "1987-Q3,1987" (and durations "P17M"), amounts "86200000 USD", percentages "8.2", numbers "40",
    ordinals "3". None when nothing can be read."""
    if label in ("DATE", "TIME"):
        parts = [p.encode() for p in periods(text)]
        span = duration(text)
        if span is not None and not parts:
            parts.append(f"P{span[0]:g}{span[1]}")
        return ",".join(parts) or None
    if label == "MONEY":
        value = number(text)
        if value is None:
            return None
        code = currency(text) or "?"
        if re.search(r"\b(?:cts|cents?|pence)\b", text, re.I) and not re.search(r"[$£€]", text):
            value /= 100
        return f"{value:g} {code}"
    if label in ("PERCENT", "CARDINAL", "QUANTITY"):
        value = number(text)
        return None if value is None else f"{value:g}"
    if label == "ORDINAL":
        value = ordinal(text)
        return None if value is None else str(value)
    return None


def decode_periods(value: str | None) -> tuple[Period, ...]:
    if not value:
        return ()
    return tuple(Period.decode(part) for part in value.split(",") if part and not part.startswith("P"))


def parse_date(text: str | None) -> date | None:
    """An article's yyyy-mm-dd date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
