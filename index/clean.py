"""Raw article to clean article: web boilerplate dropped, title, byline and date lines moved into metadata.

The rules are about how news pages are built (navigation, promos, captions, footers), not about any one site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.errors import RejectedInput
from index.parse import RawArticle
from index.records import Article
from index.sentences import split_sentences

_CLOSERS = "\"'”’)]»"
_QUOTE_OPENERS = "\"'“‘«"

# A line that announces a box of links to other stories; the short headline-like lines under it are teasers.
_PROMO = re.compile(
    r"^(?:most (?:popular|read|viewed|shared|commented)|read more|read next|read also|(?:more|other) (?:stories|news)|"
    r"related(?: (?:articles?|stories|content|posts?|news|reading|topics|links))?|"
    r"recommended(?: (?:for you|reading|stories|articles))?|trending(?: now| stories)?|advertisement|advertising|"
    r"sponsored(?: content| links)?|promoted(?: stories| content)?|you (?:may|might) (?:also )?(?:like|enjoy)|"
    r"also read|see also|top stories|latest(?: news| stories| headlines)?|editor'?s picks?|"
    r"popular (?:now|today)|don'?t miss|in case you missed it|must read|more on this (?:story|topic)|"
    r"watch(?: more| now)?|listen(?: now)?|what'?s new|more videos|video|gallery)[\s:.!»›>|-]*$",
    re.I,
)

# Lines that start the page footer: the article has ended and nothing after them is article text.
_FOOTER = re.compile(
    r"^(?:(?:previous|next|prev|older|newer) (?:article|post|story|page)\b|comments are closed|"
    r"(?:leave|post|add|write) a (?:comment|reply)|\d+ comments?$|comments?$|"
    r"more (?:from|on|in|by) [\w' ’&.-]{1,40}$|"
    r"about the author|tags?\s*:|filed under|topics\s*:|copyright\b|©|all rights reserved|"
    r"(?:share|like) this(?: article| story| post)?\s*:?$|you might also like)",
    re.I,
)

# Prompts to log in, share, subscribe or accept cookies.
_PROMPT = re.compile(
    r"(?:you (?:need|must|have) to (?:be )?(?:log ?(?:ged )?in|sign(?:ed)? ?in|register|subscribe)|"
    r"(?:log|sign) ?in (?:to|or register)|to (?:report|flag) this (?:post|comment)|"
    r"^(?:share(?: this(?: article| story| post)?)?(?: on \w+)?|tweet|e-?mail|print|copy link|facebook|twitter|"
    r"whatsapp|linkedin|pinterest|reddit|messenger|flipboard)\W*$|"
    r"^(?:sign up|subscribe)\b.{0,120}\b(?:newsletter|email|inbox|updates|free|today|now)\b|"
    r"\bnewsletter\b.{0,60}\b(?:sign up|subscribe)\b|^click here\b|\bcookies?\b.{0,80}\b(?:accept|consent|policy)\b)",
    re.I,
)

# Image captions and picture credits.
_CAPTION = re.compile(
    r"(?:\((?:photo|image|picture|pic|credit|source|illustration)s?(?: credit)?\s*:[^)]*\)\s*$|"
    r"^\(?(?:photo|image|picture|pic|credit|caption|illustration|graphic)s?(?: credit| by)?\s*:|"
    r"^image (?:of|shows|via)\b|"
    r"\b(?:getty images|shutterstock|adobe stock|alamy|istock(?:photo)?|pa wire|pa images|pa media|"
    r"ap photo|afp via getty)\b)",
    re.I,
)

_LONE_COUNTER = re.compile(r"^[\d\s.,/|:()+-]{1,12}$")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_SYMBOLS_ONLY = re.compile(r"^[\W_]+$")

_SELF_PROMO = re.compile(
    r"\b(?:support(?:ing)? us|help us|donat\w*|contribut\w*|subscri\w*|membership|become a (?:member|supporter))\b",
    re.I,
)
_SELF_PROMO_SITE = re.compile(
    r"\b(?:our|this) (?:site|website|journalism|reporting|newsroom|paper|work)\b|\bnews ?(?:site|website)\b|"
    r"\bindependent\b|\bclick(?:ing)? (?:the )?(?:link|button|here)\b",
    re.I,
)

_BYLINE = re.compile(
    r"^(?i:by|words by|written by|reporting by|story by)\s+"
    r"(?P<name>[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|da|la|le|and|&))*)"
    r"(?:\s*[,|–—-]\s*.{0,60})?$"
)

_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}"
_DATE_CORE = (
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+|-)(?:of\s+)?(?P<m1>{_MONTH})\.?,?(?:\s+|-)(?P<y1>\d{{4}})|"
    rf"(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})|"
    r"(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_LINE = re.compile(
    rf"^(?:(?:first )?(?:published|updated|posted|last updated|date)(?:\s+on)?\s*:?\s*)?"
    rf"(?:(?:{_TIME})\s*(?:[A-Z]{{2,4}})?\s*[,|–—-]?\s*)?"
    rf"(?:{_WEEKDAY},?\s+)?(?:{_DATE_CORE})"
    rf"(?:\s*(?:,|at|-|–|\|)?\s*(?:{_TIME}))?(?:\s*(?:[A-Z]{{2,4}}))?\.?$",
    re.I,
)
_DATE_ANYWHERE = re.compile(rf"(?:{_DATE_CORE})", re.I)

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_TAG = re.compile(r"</?[A-Za-z][^>]*>")

_HEAD_WINDOW = 8  # title, byline and date lines are looked for among the first lines only


@dataclass
class _Line:
    text: str
    listed: bool  # one of several separate short lines in a block (a list of links or labels)
    drop: bool = False


def parse_date(value: str) -> str | None:
    """An ISO date (yyyy-mm-dd) from a date as newsrooms write it, or None when there is none."""
    match = _DATE_ANYWHERE.search(value.strip())
    if not match:
        return None
    groups = match.groupdict()
    if groups["y3"]:
        year, month, day = int(groups["y3"]), int(groups["m3"]), int(groups["d3"])
    else:
        year = int(groups["y1"] or groups["y2"])
        month = _MONTH_NAMES[(groups["m1"] or groups["m2"])[:3].lower()]
        day = int(groups["d1"] or groups["d2"])
    if not 1000 <= year <= 2999:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:  # 31 April, 29 February of a common year
        return None


def ends_like_sentence(text: str) -> bool:
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped[-1] in "”’\"'»":
        return True  # a closing quote ends a quoted sentence even when the full stop is missing
    return stripped.rstrip(_CLOSERS)[-1:] in {".", "!", "?", "…", ":", ";"}


def _word_count(text: str) -> int:
    return len(text.split())


def _is_prose(text: str) -> bool:
    return ends_like_sentence(text) and _word_count(text) >= 8


def _headline_like(text: str) -> bool:
    return not ends_like_sentence(text) and _word_count(text) <= 20 and text[:1] not in _QUOTE_OPENERS


def _strip_markdown(text: str) -> str:
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_TAG.sub("", text)
    text = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?)", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return text


def _lines(raw: RawArticle) -> list[_Line]:
    out: list[_Line] = []
    for block in raw.blocks:
        if raw.markdown:
            block = "\n".join(_strip_markdown(line) for line in block.split("\n"))
        lines = [" ".join(line.split()) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if len(lines) == 1:
            out.append(_Line(lines[0], listed=False))
            continue
        inner = lines[:-1]
        unfinished = sum(1 for line in inner if not ends_like_sentence(line))
        typical = sorted(len(line) for line in inner)[len(inner) // 2]
        if unfinished >= 0.6 * len(inner) and typical >= 40:
            out.append(_Line(" ".join(lines), listed=False))  # one paragraph wrapped at a fixed width
        else:
            out.extend(_Line(line, listed=True) for line in lines)
    return out


def _mark_label_lists(lines: list[_Line]) -> None:
    """Runs of three or more short unpunctuated lines from one block are link or image labels, not prose."""
    run: list[_Line] = []
    for line in [*lines, _Line("", listed=False)]:
        if line.listed and not ends_like_sentence(line.text) and _word_count(line.text) <= 6:
            run.append(line)
            continue
        if len(run) >= 3:
            for item in run:
                item.drop = True
        run = []


def clean(raw: RawArticle) -> Article:
    """Clean a raw article; raises RejectedInput when nothing that reads as article text is left."""
    metadata = dict(raw.metadata)
    lines = _lines(raw)
    if not lines:
        raise RejectedInput(f"{raw.source}: no text in the article")
    _mark_label_lists(lines)

    # Footer: from the first footer line in the second half of the page to the end.
    for i, line in enumerate(lines):
        if i >= 0.4 * len(lines) and i > 0 and _FOOTER.search(line.text):
            for tail in lines[i:]:
                tail.drop = True
            break

    title = metadata.get("title")
    if raw.markdown and raw.blocks and raw.blocks[0].lstrip().startswith("# ") and not title:
        title = lines[0].text
        lines[0].drop = True

    in_head = True
    in_teasers = False
    for i, line in enumerate(lines):
        if line.drop:
            continue
        text = line.text
        if i < _HEAD_WINDOW:
            if i == 0 and title is None and _looks_like_title(text) and len(lines) > 1:
                title, line.drop = text, True
                continue
            if title is not None and i <= 1 and _same(text, title):
                line.drop = True
                continue
            byline = _BYLINE.match(text)
            if byline and _word_count(text) <= 14:
                metadata.setdefault("author", byline.group("name").strip())
                line.drop = True
                continue
            if _DATE_LINE.match(text):
                date = parse_date(text)
                if date:
                    metadata.setdefault("date", date)
                line.drop = True
                continue
        if _PROMO.match(text):
            line.drop, in_teasers = True, True
            continue
        if in_teasers:
            if _headline_like(text):
                line.drop = True
                continue
            in_teasers = False
        if (
            _PROMPT.search(text)
            or (_CAPTION.search(text) and _word_count(text) <= 40)
            or _LONE_COUNTER.match(text)
            or _URL_ONLY.match(text)
            or _SYMBOLS_ONLY.match(text)
            or (_FOOTER.match(text) and _word_count(text) <= 8)
        ):
            line.drop = True
            continue
        if in_head:
            if _is_prose(text):
                in_head = False
            continue
        if _looks_like_caption(text) and i < len(lines) - 1:
            line.drop = True

    kept = [line.text for line in lines if not line.drop]
    # Site self-promotion closes many pages: an appeal for support in the last paragraphs.
    while kept and len(kept) > 1:
        last = kept[-1]
        if _SELF_PROMO.search(last) and _SELF_PROMO_SITE.search(last):
            kept.pop()
        else:
            break
    if not any(len(p.split()) >= 5 for p in kept):
        raise RejectedInput(
            f"{raw.source}: no article text, only page furniture (navigation, captions, prompts) or fragments"
        )

    date = metadata.get("date")
    if date:
        metadata["date"] = parse_date(date) or date
    return Article(
        id=raw.id,
        title=title or _derived_title(kept),
        paragraphs=tuple(kept),
        outlet=metadata.get("outlet"),
        author=metadata.get("author"),
        date=metadata.get("date"),
        url=metadata.get("url"),
        source=raw.source,
    )


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _looks_like_title(text: str) -> bool:
    stripped = text.rstrip()
    return (
        2 <= _word_count(stripped) <= 40
        and not stripped.endswith((".", ":", ";", ","))
        and stripped[:1] not in _QUOTE_OPENERS
        and not _BYLINE.match(stripped)
        and not _DATE_LINE.match(stripped)
    )


def _looks_like_caption(text: str) -> bool:
    """A lone unpunctuated sentence in the body: how captions read once the image is gone."""
    return (
        _word_count(text) >= 6
        and not ends_like_sentence(text)
        and text[:1] not in _QUOTE_OPENERS
        and len(split_sentences(text)) == 1
    )


def _derived_title(paragraphs: list[str]) -> str:
    """No title stated: the opening words of the first sentence, marked as cut."""
    first = split_sentences(paragraphs[0])[0] if split_sentences(paragraphs[0]) else paragraphs[0]
    words = first.split()
    if len(words) <= 14:
        return first
    return " ".join(words[:12]) + " …"
