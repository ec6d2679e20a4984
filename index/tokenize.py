"""Words, stems and stopwords: the one tokenizer shared by the keyword index and answer scoring."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)

# Function words, question words and reporting verbs: they carry no topic, so matching them says nothing.
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can cannot could couldn't did didn't do does doesn't doing don't down during each few
for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's
whom why why's will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
say says said tell told telling ask asked according does did do done get got many much whose mention
mentioned mentions describe described article articles story stories
""".split()
)

_stemmer = Stemmer.Stemmer("english")
# A capitalised word, or several in a row: the one pattern names are first guessed by, everywhere.
# A courtesy title or rank before a name ("Ms Roe", "Cllr Roe"): not part of the name.
LEADING_TITLE = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|professor|sir|dame|lord|lady|cllr|councillor|rev|capt)\.?\s+", re.I
)
_CAPITALISED_RUN = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def normalize(text: str) -> str:
    """Fold typographic quotes and compatibility characters so that ’ and ' match."""
    text = unicodedata.normalize("NFKC", text)
    return (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("\u00a0", " ")
        .replace("–", "-")
        .replace("—", "-")
    )


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens, possessive 's removed."""
    out = []
    for match in _WORD.finditer(normalize(text)):
        token = match.group(0).lower()
        if token.endswith("'s"):
            token = token[:-2]
        out.append(token.replace(",", ""))
    return out


# The stemmer leaves irregular verbs alone, so "fell" never met "fall" nor "paid" "pay": news reports in the past
# tense what questions ask in the present. English's common irregular forms, to their base (closed-class English).
_IRREGULAR = {
    form: base
    for base, forms in {
        "arise": "arose arisen", "become": "became", "begin": "began begun", "bid": "bade bidden",
        "bind": "bound", "break": "broke broken", "bring": "brought", "build": "built", "buy": "bought",
        "catch": "caught", "choose": "chose chosen", "come": "came", "deal": "dealt", "draw": "drew drawn",
        "drive": "drove driven", "eat": "ate eaten", "fall": "fell fallen", "feed": "fed", "feel": "felt",
        "fight": "fought", "find": "found", "flee": "fled", "fly": "flew flown", "forbid": "forbade forbidden",
        "forecast": "forecasted", "foresee": "foresaw foreseen", "forgive": "forgave forgiven",
        "freeze": "froze frozen", "give": "gave given", "go": "went gone", "grow": "grew grown",
        "hang": "hung", "hold": "held", "keep": "kept", "know": "knew known", "lead": "led", "leave": "left",
        "lend": "lent", "lose": "lost", "make": "made", "mean": "meant", "meet": "met",
        "overcome": "overcame", "overtake": "overtook overtaken", "pay": "paid", "rebuild": "rebuilt",
        "ride": "rode ridden", "ring": "rang rung", "rise": "rose risen", "run": "ran", "see": "saw seen",
        "seek": "sought", "sell": "sold", "send": "sent", "shake": "shook shaken", "shoot": "shot",
        "shrink": "shrank shrunk", "sing": "sang sung", "sink": "sank sunk", "sit": "sat", "sleep": "slept",
        "speak": "spoke spoken", "spend": "spent", "stand": "stood", "steal": "stole stolen", "stick": "stuck",
        "strike": "struck stricken", "swear": "swore sworn", "swim": "swam swum", "take": "took taken",
        "teach": "taught", "tear": "tore torn", "think": "thought", "throw": "threw thrown",
        "undergo": "underwent undergone", "understand": "understood", "undertake": "undertook undertaken",
        "uphold": "upheld", "wake": "woke woken", "wear": "wore worn", "win": "won", "withdraw": "withdrew withdrawn",
        "withhold": "withheld", "write": "wrote written",
    }.items()
    for form in forms.split()
}
# Part of what a keyword index was built with: a change here rebuilds saved keyword indexes.
TOKENIZER_VERSION = 2


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(_IRREGULAR.get(word, word)))


def terms(text: str, keep_stopwords: bool = False) -> list[str]:
    """Stemmed content terms of a text, in order, repeats kept."""
    return [stem(w) for w in words(text) if keep_stopwords or w not in STOPWORDS]


def opens_sentence(text: str, at: int) -> bool:
    """Whether position `at` of `text` starts a sentence (nothing but spaces since the last . ! or ?).
    Looks back over the spaces only, so calling it for every word of a long text stays linear."""
    i = at - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i < 0 or text[i] in ".!?"


def highlights(text: str, query: str) -> list[tuple[int, int]]:
    """Where the query's content words (as stems: "cases" finds "case") occur in `text`, as [start, end)
    character offsets of the original text."""
    wanted = set(terms(query))
    out = []
    for match in _WORD.finditer(text):
        token = match.group(0).lower()
        end = match.end()
        if token.endswith(("'s", "’s")):
            token, end = token[:-2], end - 2
        if token not in STOPWORDS and stem(token.replace(",", "")) in wanted:
            out.append((match.start(), end))
    return out


def capitalised_runs(text: str) -> list[tuple[int, str]]:
    """(start, words) of each run of capitalised words ("New York Stock Exchange"), sentence openers included."""
    return [(m.start(), m.group(0)) for m in _CAPITALISED_RUN.finditer(text)]


def name_words(text: str) -> list[tuple[int, str]]:
    """(start, word) of each capitalised word that does not open a sentence (a capital that may be only the
    sentence's is no evidence of a name)."""
    out = []
    for start, run in capitalised_runs(text):
        for word in re.finditer(r"\S+", run):
            if not opens_sentence(text, start + word.start()):
                out.append((start + word.start(), word.group(0)))
    return out
