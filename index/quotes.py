"""Who said what: the quotes of an article (direct and reported speech), each attributed to its speaker, with the
speaker's role, organisation and side, found by general rules of news English over the article's notes.

Direct speech is text in quote marks, including the news convention of a quote running over several paragraphs
that each open a quote mark and only the last closes. Reported speech is a sentence with a speech verb ("said",
"told", "warned", "according to"). A speaker is a named person (resolved to the full name the article gives
first: "Ms Ellison" is "Janet Ellison"), an organisation speaking as such, or a description ("a former
employee", "one member of staff"); a pronoun or "the spokesperson" is the nearest fitting speaker before it."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field

from index.chunk import sentence_offsets
from index.records import Article, Mention, Quote
from index.tokenize import LEADING_TITLE, opens_sentence

# Quotes are stored at ingest: a change to these rules bumps index.annotate.RULES_VERSION (indexes are rebuilt).
SIDES = ("staff", "organisation", "regulator", "politician", "union", "expert", "other")

_SPEECH = (
    r"said|says|say|told|tells|tell|added|adds|claimed|claims|claim|warned|warns|stated|states|explained|explains|"
    r"admitted|admits|insisted|insists|argued|argues|denied|denies|confirmed|confirms|announced|announces|"
    r"acknowledged|acknowledges|noted|notes|believes|believe|believed|expects|expect|expected|predicted|"
    r"predicts|estimated|estimates|estimate|described|describes|called|calls|urged|urges|vowed|vows|stressed|stresses|"
    r"complained|complains|alleged|alleges|reported|reports|wrote|writes|replied|replies|"
    r"suggested|suggests|revealed|reveals|accused|accuses|praised|praises|criticised|criticized|rejected|"
    r"rejects|maintained|maintains|pointed out|points out|spoke of|speaks of|accepts|accepted|cautioned|cautions|"
    r"defended|defends"
)
SPEECH_VERB = re.compile(rf"\b(?:{_SPEECH})\b", re.I)
ACCORDING_TO = re.compile(r"\baccording(?: to| the)\b", re.I)
# Words that are speech verbs or nouns: "the claims of", "damning claims about" are not speech.
_NOUN_VERBS = re.compile(r"^(?:claims?|reports?|notes?|calls?|states?|estimates?|expects?|says?|tells?)$", re.I)
_NOUN_BEFORE = re.compile(
    r"(?:\b(?:the|a|an|these|those|this|that|his|her|its|their|our|your|of|new|such|any|no|many|some)|\w+ing|"
    r"\w+’s|\w+'s)\s*$",
    re.I,
)
_NOUN_AFTER = re.compile(r"^\s*(?:of|made|by|about|from|were|was|include|that were|and)\b", re.I)
# "The damaging claims of X include:", "Among the claims made by X": the claims are X's.
_CLAIMS_OF = re.compile(
    r"\b(?:(?:claims|allegations|complaints|criticisms?|comments|remarks|testimony)\s+(?:\w+\s+)?(?:made\s+)?"
    r"(?:of|by)|(?:report|study|review|survey|statement|letter)\s+(?:\w+\s+)?by)\s+",
    re.I,
)
# "a former nurse who made claims": someone the article will quote, introduced before they speak.
_INTRODUCED = re.compile(
    r"\b((?:a|an)\s+(?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+who\s+(?:has\s+|had\s+)?"
    r"(?:made|raised|spoke|said|claimed|alleged|blew|came forward|went public)\b",
    re.I,
)
# What "according to" names when it names no speaker: a record or a count ("figures released on Tuesday",
# "government statistics", "the firm's own records", "data from a research firm").
_DOCUMENT = re.compile(
    r"\s+(?:(?!(?:of|at|for|by|from|to|with|and)\s)[\w'’-]+\s+){0,3}(?:figures|data|statistics|stats|records?|estimates?|surveys?|reports?|documents?|"
    r"analys[ie]s|filings?|accounts|returns|results|numbers|research|studies|study|polls?|forecasts?|projections?|"
    r"calculations?|papers|minutes|census|accounts|tallies|tally|counts?|registers?|logs?|archives?|"
    r"database|spreadsheets?|emails?|transcripts?|submissions?|websites?|web ?pages?|timetables?|schedules?)\b",
    re.I,
)
_QUOTE_OPEN = "\"“«'‘"
_PRONOUN = re.compile(r"\b(he|she|they|it|we|i)\s+(?:(?:has|had|have|also|later|then|previously|further|now)\s+)*$",
                      re.I)  # fmt: skip
_AUX = (
    r"(?:has|have|had|also|later|previously|further|now|then|earlier|already|recently|today|yesterday|again|"
    r"last (?:week|month|year)|this (?:week|month)|on \w+day)"
)
# A speaker described rather than named: "a former employee", "one member of staff, who wishes to remain
# anonymous", "the company", "analysts".
_DESCRIBED = re.compile(
    r"(?:^|(?<=[\s,;:(]))((?:the|a|an|one|two|three|four|five|several|some|many|other|another|its|their|his|her)\s+"
    r"(?:[\w'’.-]+\s+){0,5}?[\w'’-]+|(?:[A-Z][\w'’.-]*\s+){0,2}(?:[a-z]+s|staff|people|police|management)"
    r"(?:\s+and\s+[a-z]+s)?|one|the other|another)"
    rf"(?:,[^,]{{0,80}},)?\s+(?:{_AUX}\s+)*$",
    re.I,
)
_ROLE_WORDS = (
    r"minister|secretary|undersecretary|governor|chairman|chairwoman|chairperson|chair|president|director|chief|"
    r"executive|spokesman|spokeswoman|spokesperson|analyst|economist|official|head|leader|manager|commissioner|"
    r"councillor|mayor|senator|representative|treasurer|officer|founder|partner|strategist|trader|dealer|broker|"
    r"professor|lecturer|researcher|consultant|inspector|regulator|judge|prosecutor|lawyer|attorney|editor|"
    r"member|deputy|general|vice|steward|negotiator|ambassador|envoy|chancellor|premier|adviser|advisor|"
    r"counsel|administrator|superintendent|principal|coach|captain|owner|publisher|producer|author|employee|"
    r"worker|nurse|teacher|doctor|engineer|staff|colleague|source|insider|expert|[a-z]*scientist|investor|critic|"
    r"reviewer|columnist|commentator|campaigner|activist|barrister|solicitor|resident|player|striker|midfielder|"
    r"defender|goalkeeper|actor|actress|writer|novelist|artist|musician|historian|organiser|organizer|detective|"
    r"constable|sergeant|mp|mep|farmer|headteacher|volunteer|participant|singer|fan|candidate|champion|specialist|"
    r"selector|coroner|student|pupil|mother|father|daughter|son|widow|widower|sister|brother|"
    r"[a-z]+ologist|[a-z]+ician"
)
_ROLE = re.compile(rf"\b(?:{_ROLE_WORDS})s?\b", re.I)
_ROLE_BEFORE = re.compile(rf"((?:[A-Za-z][\w'’-]*\s+){{0,5}}?(?:{_ROLE_WORDS}))\s+$", re.I)
# A role as a title: "chief executive", "director of public health", "Chancellor of the Exchequer".
_TITLE = re.compile(
    rf"((?:(?:senior|deputy|vice|assistant|acting|interim|executive|managing|general|chief|former|joint|"
    rf"associate|principal|lead|branch|regional|national|union|finance|foreign|treasury|trade|economic|"
    rf"financial|opposition|shadow|council|party|club|team|local|senior|junior|transport|health|education|home|"
    rf"culture|defen[cs]e|environment|business|justice|group|station|area|returning)\s+)*(?:\bvice-)?\b(?:{_ROLE_WORDS})(?:\s+(?:{_ROLE_WORDS}))*"
    # (a body's name capitalised whatever the flag, or up to three words: "chairman of the Acme Bank Board is a
    # shock for the markets" is no title)
    rf"(?:\s+(?:of|for)\s+(?:the\s+)?(?:[a-z]+['’]s\s+[a-z]+|(?-i:[A-Z][\w'’.-]*(?:\s+(?:and\s+)?[A-Z][\w'’.-]*)*)"
    rf"|(?-i:[a-z]+(?:\s+[a-z]+){{0,2}})))?)"
    rf"[\s,]*$",
    re.I,
)
_UNION_BODY = (
    r"workers|employees|pilots|teachers|nurses|doctors|machinists|miners|engineers|drivers|firefighters|"
    r"electricians|steelworkers|teamsters|dockers|journalists|physicians|attendants|controllers"
)

_SIDE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "union",
        re.compile(
            rf"\bunions?\b|\bbranch (?:secretary|president|chair|official|organiser)\b|\bshop steward\b|"
            rf"\bgeneral secretary\b|\bworkers'|"
            rf"\b(?:{_UNION_BODY})['’]?\s+(?:association|federation|union|guild|brotherhood|alliance)|"
            rf"\b(?:union|association|federation|brotherhood) of (?:\w+ )*(?:{_UNION_BODY})\b|"
            rf"\b(?:{_UNION_BODY})$|\bteamsters\b",
            re.I,
        ),
    ),
    (
        "regulator",
        re.compile(
            r"regulat|inspect|watchdog|\bcommission\b|securities and exchange|central bank|\breserve\b|\bcourt\b|"
            r"\bjudge\b|tribunal|ombudsman|supervis|auditor|\bcommissioner\b|bundesbank|\bbank of [a-z]+\b|"
            r"\bbank board\b|\bsec\b|\bfed\b|\b(?:conduct|standards|competition|markets|financial services|prudential|"
            r"safety|food|medicines|environment)(?: and \w+)? (?:authority|agency|board)\b|\bprosecut|\bpolice\b|"
            r"\bdetective\b|\breturning officer\b|\bcoroner|\bconstable\b|\bconstabulary\b",
            re.I,
        ),
    ),
    (
        "politician",
        re.compile(
            r"minister|secretary of state|senator|congress|\bmp\b|\bmayor\b|councillor|(?<!vice-)(?<!vice )chancellor|"
            r"politician|\bdepartment (?:for|of)\b|"
            r"\blabour\b|\bconservative\b|\btory\b|\bdemocrat|\brepublican|\bparty\b|parliament|white house|"
            r"\bgovernment\b|undersecretary|\b(?:treasury|state|foreign|finance|trade|agriculture|commerce|"
            r"defen[cs]e|home|energy|interior|labor|transport|health|education) secretary\b|state department|"
            r"\bpremier\b|\bnations\b|\bofficials\b|\bcommittee\b|\btreasury\b|\bcabinet\b|\bministry\b|"
            r"\bmps?\b|\bcouncil leader\b|\bopposition\b|\bshadow\b|\bcandidates?\b",
            re.I,
        ),
    ),
    (
        "expert",
        re.compile(
            r"analyst|economist|professor|academic|research|consultant|expert|strategist|lecturer|"
            r"economic adviser|\binstitute\b|scientist|\bcritics?\b|columnist|commentator|ologist|\buniversity\b",
            re.I,
        ),
    ),
    (
        "staff",
        re.compile(r"\bstaff\b|employee|\bworkers?\b|member of staff|colleague|anonymous|insider|former\b|\bnurses?\b|"
                   r"\bplayers?\b|\bcrew\b|\bengineers?\b|\bvolunteers?\b|\bchampion\b|\bstrikers?\b|\bmidfielders?\b|"
                   r"\bdefenders?\b|\bgoalkeepers?\b|\bcaptain\b", re.I),
    ),
    (
        "organisation",
        re.compile(
            r"spokes(?:man|woman|person)|chief executive|chairman|chairwoman|\bchair\b|president|director|\bcompany\b|"
            r"\borgani[sz]ers\b|\bselectors?\b|\bvice[- ]chancellor\b|"
            r"\bcorp\b|\binc\b|\bco\b|\bcouncil\b|authority|officials?|management|\bboard\b|\bbank\b|\bgroup\b|"
            r"\bfirm\b|executive|\bofficer\b|\bmanagers?\b|\bleaders\b|\bbosses\b|\bltd\b|\bplc\b|airlines?\b|"
            r"exchange\b",
            re.I,
        ),
    ),
)
_EXECUTIVE = re.compile(
    r"\b(?:chief executive|chief operating officer|chairman|chairwoman|chair|president|founder|co-founder|owner|"
    r"head ?teacher|head of school|managing \w+|spokes(?:man|woman|person)|vice[- ]chancellor)\b",
    re.I,
)
# Trade bodies and markets speak for neither side: "the president of the Growers Association", "traders".
_OTHER = re.compile(r"\btraders?\b|\bbrokers?\b|\bdealers?\b|\bproducers\b|\btrade sources\b|\bassociation\b|"
                    r"\b(?:consumer|campaign|action|pressure|protest|lobby|residents['’]?)\s+(?:group|organi[sz]ation)\b|"
                    r"\bcampaign(?:er|ers|ing)?\b|\bstudents?\b|\bpupils?\b", re.I)
_CAMPAIGN = re.compile(r"\b(?:petitions?|protests?|campaigns?|marches|rally|rallies|demonstrations?|boycotts?)\b", re.I)
# Those who speak for a council as its elected members: "leader of Acme Council", "Councillor Jane Roe".
_COUNCIL_MEMBER = re.compile(r"^(?:deputy\s+)?(?:council\s+)?leader\b|^cabinet member\b", re.I)


@dataclass(eq=False)
class _Speaker:
    """A speaker as the article builds it up: a named person, a described one, or an organisation. A described
    speaker the article later names or describes more fully is merged into that one."""

    name: str
    role: str | None = None
    organisation: str | None = None
    kind: str = "person"  # person (named), described, org
    context: str = ""  # the kind of body the article calls their organisation: "the drivers' union"
    plural: bool = False
    merged: _Speaker | None = None
    descriptions: list[str] = field(default_factory=list)

    def final(self) -> _Speaker:
        speaker = self
        while speaker.merged is not None:
            speaker = speaker.merged
        return speaker


def side_of(speaker: str, role: str | None, organisation: str | None) -> str:
    """What the article's words about a speaker make them: union, regulator, politician, expert, staff, the
    organisation (its officials and spokespeople), or other."""
    text = " ".join(x for x in (role, organisation, speaker) if x)
    if _OTHER.search(text) and not _SIDE_RULES[0][1].search(text):
        return "other"
    if role and organisation and _COUNCIL_MEMBER.search(role) and re.search(r"\bcouncil\b", organisation, re.I):
        return "politician"
    for side, pattern in _SIDE_RULES:
        if pattern.search(text):
            if side in ("expert", "staff") and role and _EXECUTIVE.search(role):
                return "organisation"  # "chief executive of the Research Foundation" speaks for it
            if side == "organisation" and role and not pattern.search(role) and not _OUTSIDERS.search(role):
                return "staff"  # "a driver for the haulage firm": works for the body, does not speak for it
            return side
    if role and _EXECUTIVE.search(role):
        return "organisation"
    # Someone with a job at a body the article names, who is none of the above, works there: "Jane Roe, a
    # driver who works for Acme Haulage", "Acme's machine operators".
    return "staff" if role and organisation and not _OUTSIDERS.search(role) else "other"


# Those a body serves rather than employs.
_OUTSIDERS = re.compile(
    r"\b(?:customers?|passengers?|visitors?|fans?|supporters?|shareholders?|patients?|residents?|clients?|users?|"
    r"members? of the public|tenants?|parents?|pupils?|students?)\b",
    re.I,
)


@dataclass
class _Item:
    paragraph: int
    start: int
    end: int
    direct: bool
    speaker: _Speaker | None
    runs: frozenset[int]
    opens: bool  # the paragraph begins with a quote mark


@dataclass
class _Context:
    """What the article has said so far: its people, organisations and speakers, latest last."""

    people: dict[str, _Speaker]
    orgs: list[str]
    history: list[_Speaker] = field(default_factory=list)
    described: list[_Speaker] = field(default_factory=list)
    main: str | None = None  # the organisation the story is about
    subject: _Speaker | None = None  # a person a sentence without speech is about ("Jane Roe, 81, was led out")


def quotes(article: Article) -> tuple[Quote, ...]:
    """The article's quotes, in order (one per sentence), attributed."""
    article = _relabelled(article)
    people = _people(article)
    ctx = _Context(people, [_org_text(m) or m.text for n in article.notes if n.paragraph == 0 for m in n.mentions
                            if m.label == "ORG"])  # fmt: skip
    ctx.main = main = _main_org(article)
    notes = {(n.paragraph, n.start): n for n in article.notes}
    spans, signatures = _quote_spans(article.paragraphs)
    run_speaker: dict[int, _Speaker] = {}
    for run, number in signatures.items():
        run_speaker[run] = _signature(article, number, run, spans)
    items: list[_Item] = []
    list_speaker: _Speaker | None = None  # "The claims include:" then bullet paragraphs
    for number, text in enumerate(article.paragraphs, start=1):
        if number in signatures.values():
            continue
        quoted = spans[number - 1]
        opens = text.lstrip()[:1] in _QUOTE_OPEN
        bullet = bool(re.match(r"\s*[•·▪●*–-]\s", text))
        if not bullet:
            list_speaker = None
        first = len(items)
        for start, end in sentence_offsets(text):
            sentence = text[start:end]
            note = notes.get((number, start))
            mentions = note.mentions if note is not None else ()
            inside = [(max(a, start) - start, min(b, end) - start) for a, b, _ in quoted if a < end and b > start]
            runs = frozenset(r for a, b, r in quoted if a < end and b > start)
            chars = sum(1 for c in sentence if not c.isspace()) or 1
            covered = sum(1 for a, b in inside for c in sentence[a:b] if not c.isspace())
            direct = covered / chars >= 0.5
            ctx.orgs.extend(_org_text(m) or m.text for m in mentions if m.label == "ORG")
            speaker = _attribute(sentence, mentions, ctx, inside)
            if speaker is not None and speaker.kind == "described" and not speaker.context and \
                    re.search(r"organi[sz]ers", speaker.name, re.I) and _CAMPAIGN.search(sentence):  # fmt: skip
                speaker.context = "campaign"  # "a petition ..., according to its organisers": campaigners
            if speaker is None and bullet and list_speaker is not None:
                speaker = list_speaker
            if speaker is not None:
                if ctx.history and speaker not in ctx.history and items and items[-1].paragraph >= number - 1:
                    _named_later(ctx.history[-1].final(), speaker)
                ctx.history.append(speaker)
                ctx.subject = None
                organisation = speaker.final().organisation
                if organisation and speaker.final().kind == "person" and organisation not in ctx.orgs:
                    ctx.orgs.append(organisation)
                for run in runs:
                    run_speaker.setdefault(run, speaker)
            elif not inside:
                subject = next((m for m in mentions if m.label == "PERSON" and m.start <= 1 and " " in m.text), None)
                if subject is not None:
                    ctx.subject = _who(subject, ctx)
            items.append(_Item(number, start, end, direct, speaker, runs, opens))
        if not bullet and text.rstrip().endswith(":"):
            list_speaker = next((i.speaker for i in reversed(items[first:]) if i.speaker is not None), None)
    found: list[Quote] = []
    previous: _Speaker | None = None
    for item in items:
        text = article.paragraphs[item.paragraph - 1]
        sentence = text[item.start : item.end].strip()
        # A quoted subheading ("'Lives at risk'") and an introduction with nothing after it quote no one.
        if (item.direct and item.start <= 2 and len(text.split()) <= 6 and not re.search(r"[.!?,]", text)) or (
            sentence.endswith(":") and item.paragraph == len(article.paragraphs)
        ):
            continue
        speaker = item.speaker
        if item.runs and any(r in signatures for r in item.runs):
            speaker = run_speaker[next(r for r in item.runs if r in signatures)]
        elif speaker is None and item.direct:
            speaker = next((run_speaker[r] for r in sorted(item.runs) if r in run_speaker), None)
            if speaker is None:
                same = [i for i in items if i.paragraph == item.paragraph and i.speaker is not None]
                before = [i for i in same if i.start < item.start]
                speaker = (before[-1] if before else same[0]).speaker if same else None
            if speaker is None and item.opens:
                speaker = previous
        if speaker is None:
            continue
        previous = speaker
        final = speaker.final()
        if final.kind != "org" and final.organisation is None and final.role:
            final.organisation = _body_of_role(final.role, article)  # "Headteacher Jane Roe": the school named
        if final.kind != "org" and final.organisation is None and main is not None and \
                (final.kind == "described" or final.role) and \
                side_of(f"{final.name} {final.context}".strip(), final.role, None) \
                in ("staff", "organisation"):  # fmt: skip
            final.organisation = main  # an anonymous insider speaks from inside the organisation the story is about
        found.append(_quote(item.paragraph, item.start, item.end, "direct" if item.direct else "reported", final))
    return tuple(found)


def _named_later(described: _Speaker, named: _Speaker) -> None:
    """"its chief executive told staff" then "In an email, Jane Roe wrote": the description was the person named
    next; "their union announced" then "The Acme Union said": it was that union."""
    if described.kind != "described" or described.plural or described.merged is not None:
        return
    words = described.name.lower().split()
    if words[0] not in ("its", "the", "their", "his", "her") or re.match(r"the\s+\d", described.name):
        return
    if named.kind == "person" and described.role and not named.role and _ROLE.search(words[-1]):
        named.role = re.sub(r"^[\w-]+['’]s\s+", "", described.role)
        described.merged = named
    elif named.kind == "org" and words[-1] in _BODIES and re.search(rf"\b{words[-1]}\b", named.name.lower()):
        described.merged = named


# What a role says its organisation is, when the article names one of that kind: a head teacher's school, a
# superintendent's police force, a governor's bank, a group manager's fire service.
_ROLE_BODY = (
    (re.compile(r"\bhead ?teacher|\bteacher|\bprincipal\b", re.I), re.compile(r"\b(?:school|academy|college)\b", re.I)),
    (re.compile(r"superintendent|constable|detective|sergeant|inspector", re.I),
     re.compile(r"\b(?:police|constabulary)\b", re.I)),
    (re.compile(r"\bcoroner", re.I), re.compile(r"\bcoroner", re.I)),
    (re.compile(r"vice[- ]chancellor|\bprovost\b|\bdean\b|\bstudent\b", re.I),
     re.compile(r"\b(?:university|college)\b", re.I)),
    (re.compile(r"\bgovernor\b", re.I), re.compile(r"\bbank\b", re.I)),
    (re.compile(r"firefighter|group manager|station manager|watch manager|fire officer", re.I),
     re.compile(r"\bfire\b", re.I)),
    (re.compile(r"\bcurator\b", re.I), re.compile(r"\b(?:museum|gallery)\b", re.I)),
)


def _body_of_role(role: str, article: Article) -> str | None:
    for kind, body in _ROLE_BODY:
        if kind.search(role):
            names = [_org_text(m) or m.text for n in article.notes for m in n.mentions if m.label == "ORG"]
            named = [n for n in names if body.search(n) and " " in n]
            # a body of that kind ("Acme Police") before one that only names it ("the Office for Police Conduct")
            headed = [n for n in named if body.search(n.split()[-1])]
            if headed:
                return _full_org(Counter(headed).most_common(1)[0][0], names)
            if named:
                return _full_org(max(named, key=len), names)
    return None


# Nouns for an organisation that can stand right before its name: "the drivers' union Transit Workers United".
_ORG_NOUNS = (
    r"union|website|group|company|firm|charity|club|party|newspaper|magazine|agency|bank|chain|network|campaign|"
    r"organi[sz]ation|association|team|operator|retailer|broadcaster|council|trust|foundation|society|studio|"
    r"consultancy|lender|insurer|airline|supermarket|manufacturer|carmaker|platform|institute|watchdog|regulator|"
    r"business|corporation|conglomerate|fund|brand|chain|label|federation|alliance|coalition|developer|housebuilder|"
    r"provider|supplier|utility|landlord|owner"
)
_ORG_BEFORE = re.compile(
    rf"(?:\b(?:{_ROLE_WORDS})s?\s+(?:of|at)\s+(?:the\s+)?|\b(?:the|a|an|its|their|\w+s['’])\s+(?:[\w'’-]+\s+){{0,2}}?"
    rf"(?:{_ORG_NOUNS}),?\s+)$",
    re.I,
)


_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Cllr|Councillor)\.?\s+$")
_NAME = re.compile(r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame)\.?\s+)?"
                   r"[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){0,2}")
_ORG_WORDS = re.compile(r"\b(?:Ltd|Inc|Corp|Co|Plc|Group|Council|Union|Bank|Police|Service|Trust|Agency|Office|Party|"
                        r"Association|Foundation|Institute|University|Museum|School|Club|Fund|Committee)\b")
_ROLE_COMMA = re.compile(rf"\b(?:{_ROLE_WORDS}),\s+$", re.I)


def _relabelled(article: Article) -> Article:
    """The article with the names the model took for people that the sentence shows to be organisations: the
    body a role belongs to ("chief executive of Harbourton Transit") or a name after its kind ("the film website
    Reel Talk"); and the names it took for places or bodies that are people: one the article gives a title ("Ms
    Roe") or that follows a role ("the club director, John Doe,"). A role word the model took into a name
    ("volunteer Jane Roe") is left out of it."""
    titled: set[str] = set()
    surnames: set[str] = set()
    for note in article.notes:
        if note.paragraph:
            text = article.paragraphs[note.paragraph - 1][note.start : note.end]
            for m in note.mentions:
                if m.label in ("PERSON", "ORG", "GPE", "NORP") and (
                    LEADING_TITLE.match(m.text) or _TITLED.search(text[max(0, m.start - 12) : m.start])
                ):
                    titled.add(re.sub(r"['’]s$", "", m.text.split()[-1]).lower())
                elif m.label == "PERSON" and len(m.text.split()) > 1 and m.text[:1].isupper():
                    surnames.add(re.sub(r"['’]s$", "", m.text.split()[-1]).lower())  # "John Doe", then "Doe"
    # The names of bodies: a word that begins an organisation's name ("the carmaker Acme", "Acme Ltd") is that
    # body wherever the model took it for a person ("Acme said", "Acme UK").
    bodies = {first for note in article.notes for m in note.mentions if m.label == "ORG"
              if (first := _body_word(m.text))}  # fmt: skip
    notes = []
    changed = False
    for note in article.notes:
        if note.paragraph:
            text = article.paragraphs[note.paragraph - 1][note.start : note.end]
            mentions = _repaired(text, note.mentions)
            mentions = tuple(_relabel(m, text, titled, surnames, bodies) for m in mentions)
            if mentions != note.mentions:
                changed = True
                note = dataclasses.replace(note, mentions=mentions)
        notes.append(note)
    return dataclasses.replace(article, notes=tuple(notes)) if changed else article


_KIND_WORD = re.compile(rf"(?:{_ORG_NOUNS})", re.I)
_KIND_LEAD = re.compile(rf"(?i:{_ORG_NOUNS})\s+(?=[A-Z])")
_KIND_AFTER = re.compile(rf"\s+((?:[a-z][\w'’-]*\s+)?(?:{_ORG_NOUNS}))\b")
_RANK_IN_NAME = re.compile(rf"(?:(?:[A-Z][a-z]+\s+)*?(?i:{_ROLE_WORDS})\s+)(?=[A-Z][\w'’-]+\s+[A-Z])")


def _body_word(name: str) -> str | None:
    """The word that begins a body's name, when the name shows it a body: its kind before it ("Carmaker Acme"),
    a word of a body's name after it ("Acme Bank"), or the name alone ("Acme")."""
    words = name.split()
    kind = len(words) > 1 and _KIND_WORD.fullmatch(words[0]) is not None and words[1][:1].isupper()
    if kind:
        words = words[1:]
    if not words or not re.fullmatch(r"[A-Z][a-z][\w-]+", words[0]):
        return None
    if kind or len(words) == 1 or _ORG_WORDS.search(name):
        return words[0].lower()
    return None


# "The Driver and Vehicle Licensing Agency (DVLA)": a name the article shortens, the model's spans split or ran on.
_DEFINED = re.compile(r"((?:[A-Z][\w'’&.-]*\s+(?:(?:and|of|for|the|on|in|&)\s+)*)*[A-Z][\w'’&.-]*)\s+\(([A-Z]{2,6})\)")
# A name the model missed after a courtesy title: "Dame Jane Roe", "said Dr Jane Roe".
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady)\.?\s+"
                          r"([A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){1,2})")


def _repaired(text: str, mentions: tuple[Mention, ...]) -> tuple[Mention, ...]:
    out = list(mentions)
    for found in _DEFINED.finditer(text):
        words = list(re.finditer(r"\S+", found.group(1)))
        start = next((w.start() for i, w in enumerate(words) if w.group(0)[:1].isupper()
                      and _initials(found.group(1)[w.start() :]) == found.group(2)
                      and w.group(0) not in ("The", "A", "An")), None)  # fmt: skip
        if start is None:
            continue
        a, b = found.start(1) + start, found.end(1)
        out = [m for m in out
               if m.end <= a or m.start >= found.end() or m.label not in ("ORG", "PERSON", "GPE", "NORP")]
        out.append(Mention("ORG", a, b, text[a:b]))
    for found in _TITLED_NAME.finditer(text):
        a, b = found.span(1)
        if any(m.label == "PERSON" and m.start < b and a < m.end for m in out):
            continue
        out = [m for m in out if m.end <= a or m.start >= b or m.label not in ("ORG", "GPE", "NORP")]
        out.append(Mention("PERSON", a, b, text[a:b]))
    if len(out) == len(mentions) and all(x is y for x, y in zip(out, mentions, strict=True)):
        return mentions
    return tuple(sorted(out, key=lambda m: m.start))


def _relabel(m: Mention, text: str, titled: set[str], surnames: set[str], bodies: set[str]) -> Mention:
    if m.label == "PERSON":
        if _ORG_BEFORE.search(text[max(0, m.start - 60) : m.start]):
            return dataclasses.replace(m, label="ORG")
        first = m.text.split()[0].lower() if m.text.split() else ""
        if first in bodies and len(m.text.split()) <= 2 and first not in titled and first not in surnames \
                and not _TITLED.search(text[max(0, m.start - 12) : m.start]):  # fmt: skip
            return dataclasses.replace(m, label="ORG")
        lead = re.match(r"(?:[a-z][\w-]*\s+)+(?=[A-Z])", m.text)
        if lead:
            return dataclasses.replace(m, start=m.start + lead.end(), text=m.text[lead.end() :])
        # "Assistant Chief Constable Jane Roe": the rank the model took into the name is no part of it
        rank = _RANK_IN_NAME.match(m.text)
        if rank and not LEADING_TITLE.match(m.text):
            return dataclasses.replace(m, start=m.start + rank.end(), text=m.text[rank.end() :])
        return m
    if m.label == "ORG":
        kind = _KIND_LEAD.match(m.text)  # "Carmaker Acme" opening a sentence
        if kind and m.text[:1].isupper() and len(m.text.split()) > 1:
            m = dataclasses.replace(m, start=m.start + kind.end(), text=m.text[kind.end() :])
    if m.label in ("ORG", "GPE", "NORP") and _NAME.fullmatch(m.text) and not _ORG_WORDS.search(m.text):
        if LEADING_TITLE.match(m.text) or m.text.split()[-1].lower() in titled or m.text.lower() in surnames:
            return dataclasses.replace(m, label="PERSON")
        if " " in m.text and _ROLE_COMMA.search(text[max(0, m.start - 40) : m.start]):
            return dataclasses.replace(m, label="PERSON")
    return m


def _main_org(article: Article) -> str | None:
    """The organisation the story is about: the one it names most (by the first word of its name, so that "Acme"
    and "Acme Corp" count together, and counting "the museum" for "Acme Museum"), in the fullest form the
    article first gives."""
    persons = {w for n in article.notes for m in n.mentions if m.label == "PERSON" for w in (m.text.lower(),
               m.text.split()[-1].lower() if m.text.split() else "")}  # fmt: skip
    names = [name for n in article.notes for m in n.mentions if m.label == "ORG"
             if (name := _org_text(m) or m.text) and side_of(name, None, name) in ("organisation", "staff", "other")
             and name.lower() not in persons
             and (name.split()[-1].lower() not in persons or _ORG_WORDS.search(name))]  # fmt: skip
    # "the software company Acme", "an Acme spokeswoman": a name its kind or its spokesperson shows a body
    known = set(names)
    names += [name for p in article.paragraphs for found in _KIND_NAME.finditer(p)
              if (name := found.group(1) or found.group(2)) not in known]  # fmt: skip
    if not names:
        return None
    firsts = Counter(_first_word(name) for name in names if name)
    if max(firsts.values()) < 2:
        return None
    text = " ".join((article.title, *article.paragraphs))
    low = text.lower()

    def weight(first: str) -> int:
        found = len(re.findall(rf"\b{re.escape(first)}\b", low))
        last = next(n for n in names if _first_word(n) == first).split()[-1].lower()
        if last != first and last in _BODIES:
            found += len(re.findall(rf"\b(?:the|its|our)\s+{re.escape(last)}\b", low))
        return found

    best = max((f for f, c in firsts.items() if c >= 2), key=lambda f: (weight(f), firsts[f]))
    chosen = [name for name in names if _first_word(name) == best]
    name = next((n for n in chosen if not (n.isupper() and " " in n)), chosen[0])
    everything = [_org_text(m) or m.text for n in article.notes for m in n.mentions if m.label == "ORG"]
    return _full_org(name, everything)


_KIND_NAME = re.compile(
    rf"\b(?:[Tt]he|[Aa]n?)\s+(?:[a-z][\w-]*\s+)?(?:{_ORG_NOUNS})\s+([A-Z][\w&'’-]+(?:\s+[A-Z][\w&'’-]+){{0,2}})|"
    r"\b(?:[Aa]n?|[Tt]he)\s+([A-Z][\w&'’-]+)\s+(?=spokes(?:man|woman|person)|chief executive|executive|official)"
)


def _first_word(name: str) -> str:
    words = name.lower().split()
    return words[1] if len(words) > 1 and words[0] == "the" else words[0] if words else ""


def _quote(paragraph: int, start: int, end: int, kind: str, speaker: _Speaker) -> Quote:
    name = speaker.name
    side = side_of(f"{name} {speaker.context}".strip(), speaker.role, speaker.organisation)
    if side == "other" and speaker.kind == "org" and not _OTHER.search(name):
        side = "organisation"  # a company speaking as itself
    if side == "expert" and speaker.kind == "org":
        side = "organisation"  # a university or an institute speaking as itself is no expert's opinion
    return Quote(paragraph, start, end, kind, name, speaker.role, speaker.organisation, side)


def _quote_spans(paragraphs: tuple[str, ...]) -> tuple[list[list[tuple[int, int, int]]], dict[int, int]]:
    """Per paragraph, the (start, end, run) stretches inside quote marks, a run being one quotation however many
    paragraphs it spans; and the runs a signature line closes (run -> paragraph number), as a letter's does."""
    out: list[list[tuple[int, int, int]]] = []
    signatures: dict[int, int] = {}
    run, double, single, block, began = -1, False, 0, False, 0
    for number, text in enumerate(paragraphs, start=1):
        introduced = number > 1 and paragraphs[number - 2].rstrip().endswith(":")
        spans: list[tuple[int, int, int]] = []
        lead = len(text) - len(text.lstrip())
        at = lead
        if double or single:
            mark = text[lead : lead + 1]
            if (mark in "\"“«" and double) or (mark in "‘'" and single and not double):
                at = lead + 1  # the news convention: each paragraph of a long quote opens it again
            elif not block:
                # A quote left open runs on without marks only as a block quoted whole after "X wrote:".
                double, single = False, 0
        opened_at: int | None = 0 if (double or single) else None
        for i in range(at, len(text)):
            c = text[i]
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            was_open = double or single > 0
            if c in "“«" or (c == '"' and not double):
                double = True
            elif c in "”»" or c == '"':
                double = False
            elif c in "‘'" and not before.isalnum() and (after.isalpha() or c == "‘"):
                single += 1
            elif c in "’'" and single and not after.isalnum():
                single -= 1
            else:
                continue
            now_open = double or single > 0
            if now_open and not was_open:
                run += 1
                opened_at = i
                began = number
                block = i == lead and introduced
            elif was_open and not now_open and opened_at is not None:
                spans.append((opened_at, i + 1, run))
                words = len(text.split())
                if began < number and words <= 8 and not re.search(r"[.!?]", text[:i]):
                    signatures[run] = number
                opened_at = None
        if (double or single) and opened_at is not None:
            spans.append((opened_at, len(text), run))
        out.append(spans)
    return out, signatures


def _signature(
    article: Article, number: int, run: int, spans: list[list[tuple[int, int, int]]]
) -> _Speaker:
    """The signer of a letter quoted whole: the short line that closes it ("The staff of X"), with the role the
    letter gives its writers ("we are a group of nurses")."""
    text = article.paragraphs[number - 1]
    name = re.sub(r"^[\s\"“«‘'—–-]+|[\s\"”»’'.,]+$", "", text)
    org_mentions = [m for n in article.notes if n.paragraph == number for m in n.mentions if m.label == "ORG"]
    organisation = _org_text(org_mentions[0]) if org_mentions else None
    if organisation is None:
        organisation = re.sub(r"\s+(?:staff|team|workers|employees|members|colleagues)$", "", name, flags=re.I)
        organisation = organisation if organisation != name else None
    first = next(p for p, stretches in enumerate(spans, start=1) if any(r == run for _, _, r in stretches))
    role = None
    for p in range(first, number):
        intro = re.search(r"\bwe are (?:a group of |all |the )?((?:[\w’'-]+\s+){0,5}?(?:[a-z]+s|staff))\b",
                          article.paragraphs[p - 1], re.I)  # fmt: skip
        if intro:
            role = intro.group(1)
            break
    return _Speaker(name, role, organisation, kind="described", plural=True)


def _people(article: Article) -> dict[str, _Speaker]:
    """Every person the article names fully, by full name and by surname, with the role and organisation the
    article gives them next to the name."""
    people: dict[str, _Speaker] = {}
    orgs = Counter(_org_text(m) or m.text for n in article.notes for m in n.mentions if m.label == "ORG")
    last_org: str | None = None  # the body named last: "its president" is its
    for note in article.notes:
        if note.paragraph == 0:
            continue
        text = article.paragraphs[note.paragraph - 1][note.start : note.end]
        for i, m in enumerate(note.mentions):
            if m.label == "ORG":
                last_org = _org_text(m) or m.text
            if m.label != "PERSON":
                continue
            name = _clean_name(m.text)
            parts = name.split()
            if len(parts) < 2 or name in orgs:
                continue
            person = people.get(name) or people.get(parts[-1].lower())
            if person is None:
                person = _Speaker(name)
                people[name] = person
                people.setdefault(parts[-1].lower(), person)
            if person.role is None or person.organisation is None:
                role, organisation = _described(text, m, note.mentions[:i], note.mentions[i + 1 :], last_org)
                person.role = person.role or role
                person.organisation = person.organisation or organisation
                kind = re.search(rf"\bthe\s+((?:[a-z][\w'’-]*\s+){{1,3}}){re.escape(organisation)}", text) \
                    if organisation else None  # fmt: skip
                if kind is None and organisation:
                    at = text.find(organisation)
                    kind = _KIND_AFTER.match(text, at + len(organisation)) if at >= 0 else None
                if kind is not None and not person.context:
                    person.context = kind.group(1).strip()
    main: list[str | None] = []
    for person in set(people.values()):
        # "Mark Felton, the agency's area manager": the agency the article named, or the body the story is about
        owner = re.match(r"(?:the\s+)?([a-z]+)['’]s\s+(.+)$", person.role or "")
        if owner is not None and person.organisation is None:
            noun = owner.group(1)
            named = next((o for o in orgs if re.search(rf"\b{noun}$", o, re.I)), None)
            if named is None and noun in _BODIES:
                main = main or [_main_org(article)]
                named = main[0] or _name_of_kind(noun, article)  # "the museum's founder": "the Acme museum"
                if main[0] and noun not in main[0].lower() and noun in ("union", "association", "federation"):
                    named = _name_of_kind(noun, article) or named  # "the union's organiser": "the Acme union"
            if named is not None:
                person.role, person.organisation = owner.group(2), named
                person.context = person.context or noun
        if person.organisation:
            person.organisation = _full_org(person.organisation, list(orgs))
    return people


def _name_of_kind(noun: str, article: Article) -> str | None:
    """The name the article puts before a kind of body: "Acme" for "the Acme music festival"."""
    for text in (article.title, *article.paragraphs):
        for found in re.finditer(rf"\b((?:[A-Z][\w'’&-]+\s+){{1,3}})(?:[a-z]+\s+)?{noun}\b", text):
            name = re.sub(r"^(?:The|A|An)\s+", "", found.group(1)).strip()
            if name and (name != found.group(1).strip() or not opens_sentence(text, found.start())):
                return name
    return None


def _clean_name(text: str) -> str:
    text = LEADING_TITLE.sub("", text.strip())
    return re.sub(r"['’]s$", "", text).strip(" ,")


# Police ranks as the news abbreviates them before a name: "PC Jane Roe", "Det Sgt John Doe".
_RANKS = {"PC": "police constable", "WPC": "police constable", "DC": "detective constable", "DS": "detective sergeant",
          "DI": "detective inspector", "DCI": "detective chief inspector", "DSI": "detective superintendent",
          "PCSO": "police community support officer", "Sgt": "police sergeant", "Insp": "police inspector",
          "Supt": "police superintendent", "Det Sgt": "detective sergeant", "Det Insp": "detective inspector",
          "Det Supt": "detective superintendent", "Ch Supt": "chief superintendent"}  # fmt: skip
_RANK = re.compile(rf"\b({'|'.join(sorted((re.escape(k) for k in _RANKS), key=len, reverse=True))})\.?\s+$")
# A courtesy title between a role and the name: "Vice-chancellor Professor Jane Roe", "Senior Coroner Dr Jane Roe".
_WHOSE = re.compile(rf"([A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){{0,3}}),\s+whose\s+((?:[\w'’-]+\s+){{0,3}}?"
                    rf"(?:{_ROLE_WORDS})(?:\s+(?:of|for)\s+[a-z]+)?)\s*,\s*$", re.I)
_INNER_COURTESY = re.compile(r"(?<=\w)\s+(?:Professor|Prof|Dr|Sir|Dame|Lord|Lady)\.?\s+$")


def _bare(head: str) -> str:
    return _INNER_COURTESY.sub(" ", head)


def _lead_title(head: str) -> str | None:
    """The title right before a name: "PC" (a police constable), "Theatre critic", "Senior Coroner Dr"."""
    rank = _RANK.search(head)
    if rank:
        return _RANKS[rank.group(1)]
    bare = _bare(head)
    title = _TITLE.search(bare)
    if title and not _COURTESY.fullmatch(title.group(1)):
        return title.group(1).strip()
    return None


# Words that open a sentence or stand before a name without saying what the person is: a descriptor before a
# name is only taken when none of its words is one of these (closed-class English, not a list of jobs).
_NOT_DESCRIPTORS = frozenset(
    "a an the this that these those his her their its our my your some many several other another both all each "
    "every no any and or but nor so yet if as when while after before since until because although though than "
    "then now today yesterday tomorrow tonight meanwhile however also still later earlier instead once again "
    "indeed even just only already last next first finally here there where who whom whose which what why how "
    "said says told tells added asked according in on at by for from with of to into over under "
    "between against during without within among via per like unlike about he she they we i you it one two "
    "three four five six seven eight nine ten mr mrs ms miss dr sir dame lord lady week month year day morning "
    "afternoon evening night time weekend".split()
)
_WORD = r"[A-Za-z][a-z'’-]+"
# "Pharmacist Jane Roe said", "Senior keeper Jane Roe", "..., critic Jane Roe claimed": an occupation right
# before the name, after the sentence's start, a comma or a speech verb; lower case but for a sentence's first.
_DESCRIPTOR_BEFORE = re.compile(
    rf"(?:^|[,;:(]\s*|\b(?:said|says|told|added|and|by|with|from|as)\s+)"
    rf"((?:{_WORD})(?:\s+[a-z][a-z'’-]+){{0,2}})\s+$"
)
# "The trawler's skipper, Jane Roe, 46, told ..." / "The inquiry reporter, Jane Roe, who ...": a description
# opening the sentence, then the name between commas.
_DESCRIPTOR_APPOSED = re.compile(
    r"^\s*(?:(?:The|A|An|Its|Their|His|Her|One)\s+(?:[a-z][\w-]*['’]s\s+)?|(?:[A-Z][\w-]*\s+){0,3}[A-Z][\w-]*['’]s\s+)"
    r"((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)\s*,\s*(?:(?:the|a|an)\s+[^,]{2,60},\s*)?$"
)
# "Jane Roe, who chairs the campaign group Acme," / "who works for Acme": the role the verb gives.
_ROLE_VERBS = {"chairs": "chair", "chaired": "chair", "heads": "head", "leads": "leader", "founded": "founder",
               "co-founded": "co-founder", "owns": "owner", "manages": "manager", "coaches": "coach",
               "captains": "captain", "edits": "editor", "directs": "director", "runs": None, "works": None,
               "worked": None}  # fmt: skip
_WHO_VERB = re.compile(
    rf",\s+who\s+(?:has\s+|had\s+|now\s+|also\s+)*({'|'.join(_ROLE_VERBS)})\s+(?:(?:for|at|with|in)\s+)?"
    r"(?:the\s+)?(?:[a-z][\w'’-]*\s+){0,3}([A-Z][\w&'’.-]*(?:\s+(?:of\s+|and\s+|&\s+)?[A-Z][\w&'’.-]*)*)"
)


def _descriptor(words: str) -> str | None:
    """Words that describe a person ("senior keeper", "pharmacist"), or None when one of them cannot."""
    parts = words.lower().split()
    if not parts or any(w in _NOT_DESCRIPTORS or w.endswith("ly") for w in parts):
        return None
    head = parts[-1]
    if len(head) < 3 or head.endswith(("ing", "ed")) or not head.isalpha():
        return None
    return " ".join(parts)


def _who_does(tail: str) -> tuple[str | None, str | None] | None:
    """(role, organisation) from "Jane Roe, who chairs the campaign group Acme," right after the name."""
    found = _WHO_VERB.match(tail)
    if found is None:
        return None
    return _ROLE_VERBS[found.group(1)], found.group(2).strip()


def _described(
    sentence: str,
    person: Mention,
    before: tuple[Mention, ...],
    after: tuple[Mention, ...],
    last_org: str | None = None,
) -> tuple[str | None, str | None]:
    """(role, organisation) the sentence gives a person: "Jane Roe, director of finance at Acme Council," or
    "Finance Minister Michael Wilson" or "Acme Corp chief executive Jane Roe" or "the spokesman, Jane Roe,"."""
    tail = sentence[person.end :]
    age = re.match(r",\s*\d{1,3}(?=,)", tail)  # "Geoffrey Lamb, 72, a retired engineer"
    offset = age.end() if age else 0
    tail = tail[offset:]
    appositive = re.match(
        r",\s+((?:the\s+|an?\s+)?[^,]{2,90}?)(?=,|\s+(?:said|says|told|added|tells|explained|who)\b|\.|$)", tail
    )
    if appositive and (re.match(r"(?:was|is|were|are|has|had|have|will|would|did|who|whose|which)\b",
                                appositive.group(1)) or SPEECH_VERB.match(appositive.group(1))):  # fmt: skip
        appositive = None  # "Jane Roe, 81, was led from her home", "Jane Roe, claimed that": no appositive
    if appositive:
        phrase = appositive.group(1).strip()
        near = [m for m in after if m.label == "ORG" and m.start - person.end - offset < len(phrase) + 4
                and not _PLACE_BEFORE.search(sentence[max(0, m.start - 8) : m.start])]  # fmt: skip
        org_mention = next((m for m in near if re.search(r"\b(?:at|of|for|with)\s+(?:the\s+)?$",
                                                        sentence[max(0, m.start - 8) : m.start])), None)  # fmt: skip
        org_mention = org_mention or (near[0] if near else None)
        # "Jane Roe, Acme's customer services director,": the body that owns the role
        owned = re.match(r"([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})['’]s\s+((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)$",
                         phrase)  # fmt: skip
        if owned and _ROLE.search(owned.group(2)) and (org_mention is None or org_mention.text in owned.group(1)):
            return owned.group(2), owned.group(1)
        if _ROLE.search(phrase) and (not phrase[:1].isupper() or org_mention is not None
                                     or re.match(rf"(?:the\s+)?(?:{_ROLE_WORDS})\b", phrase, re.I)):  # fmt: skip
            role = re.split(r"\s+(?:at|with|in|for|from)\s+(?=(?:the\s+)?[A-Z])", phrase, maxsplit=1)[0].strip()
            role = re.sub(r"^(?:the|a|an)\s+", "", role)
            organisation = _org_text(org_mention) if org_mention else _org_after(phrase)
            fuller = _org_after(phrase)
            if organisation and fuller and fuller != organisation and fuller.startswith(organisation + " "):
                organisation = fuller  # "the Acme XYZ branch": the model took only "Acme"
            if organisation and role.startswith(organisation):
                role = re.sub(r"^['’]s\b|^\s+", "", role[len(organisation) :]).strip()
            # "branch secretary of the drivers' union Transit Workers United": the role ends where its body begins
            at = role.find(organisation) if organisation else -1
            body = re.search(r"\s+(?:of|at|for|with)\s+(?:the\s+)?(?:[a-z][\w'’-]*\s+){0,3}$",
                             role[:at]) if at > 0 else None  # fmt: skip
            if body is not None:
                role = role[: body.start()]
            # "Trial participant Jane Roe, 72, a retired nurse": the title before the name is the role it gives
            role = _lead_title(sentence[: person.start]) or role
            return role or None, organisation
        if org_mention is not None and phrase.startswith("of "):
            # "Jane Roe, of the Acme Party,"; "PC Jane Roe, of Acme Police,"
            return _lead_title(sentence[: person.start]), _org_text(org_mention)
    head = sentence[: person.start]
    # "Another critic, Joanne Reyes of the film website Reel Talk,": the body after "of", the role before the name
    of_body = re.match(r"\s+(?:of|at|from)\s+(?:the\s+)?(?:[a-z][\w'’-]*\s+){0,3}", tail)
    org_of = next((m for m in after if m.label == "ORG" and of_body and m.start == person.end + offset + of_body.end()),
                  None)  # fmt: skip
    run = re.match(r"\s+(?:of|at)\s+(?:the\s+)?([A-Z][\w&'’.-]*(?:\s+(?:(?:and|of|for|&)\s+)?[A-Z][\w&'’.-]*)+)", tail)
    if org_of is None and of_body is not None and run is not None:
        org_of = Mention("ORG", person.end + offset + run.start(1), person.end + offset + run.end(1), run.group(1))
    if org_of is not None:
        before_role = re.search(rf"\b(?:the|its|a|an|another|one)\s+((?:[\w'’-]+\s+){{0,3}}?(?:{_ROLE_WORDS}))\s*,\s*$",
                                head, re.I)  # fmt: skip
        if before_role is not None:
            return before_role.group(1).lower(), _org_text(org_of)
        title = _TITLE.search(head)  # "analyst Daniel Lee of Acme Securities"
        return (title.group(1).strip() if title and not head[title.end() :].strip() else None), _org_text(org_of)
    # "the spokesman, Reginald Roe," names the speaker a description introduced ("the director, Dr Jane Roe,").
    untitled = head[: len(head) - len(t.group(0))] if (t := _TITLED.search(head)) else head
    # "the player's club, Acme, whose head coach, Jane Roe,": the body named before "whose"
    whose = _WHOSE.search(untitled) if "whose" in untitled else None
    if whose:
        return whose.group(2).lower(), whose.group(1)
    comma_role = re.search(rf"\b(?:the|its|a|an|another|one|[A-Z][\w-]*['’]s)\s+"
                           rf"((?:[\w'’-]+\s+){{0,3}}?(?:{_ROLE_WORDS}))\s*,\s*$", untitled, re.I)  # fmt: skip
    if comma_role:
        org_mention = next((m for m in reversed(before) if m.end > comma_role.start() and (m.label == "ORG" or (
            m.label == "NORP" and side_of(comma_role.group(1), None, None) == "politician"))), None)  # fmt: skip
        if org_mention is None and last_org is not None and re.match(r"its\b", comma_role.group(0), re.I):
            return comma_role.group(1).lower(), last_org  # "Its president, Jane Roe,": the body named before
        return _strip_org(comma_role.group(1), org_mention.text) if org_mention else comma_role.group(1).lower(), (
            _org_text(org_mention) if org_mention else None
        )
    org_before = next((m for m in reversed(before) if m.label in ("ORG", "NORP") and head[m.end :].strip() == ""),
                      None)  # fmt: skip
    # "Chief Executive of Acme County Council Jane Roe": a title, "of", then the organisation.
    if org_before is not None and org_before.label == "ORG":
        titled_of = re.search(rf"((?:[A-Za-z][\w'’-]*\s+){{0,4}}?(?:{_ROLE_WORDS}))\s+(?:of|at|for)\s+(?:the\s+)?$",
                              head[: org_before.start])  # fmt: skip
        if titled_of:
            return titled_of.group(1).strip().lower(), _org_text(org_before)
    rank = _RANK.search(head)
    if rank:
        return _RANKS[rank.group(1)], None
    title = _TITLE.search(_bare(head))
    if title and _bare(head)[title.end() :].strip() == "":
        role_text = title.group(1).strip()
        start = title.start(1)
        # "Acme County Council chief executive": a word of the organisation's name is no part of the title
        inside = next((m for m in before if m.label in ("ORG", "NORP", "GPE") and m.start < start < m.end), None)
        if inside is not None:
            role_text = head[inside.end : title.end(1)].strip(" '’s")
            start = inside.end
        # "Treasury Secretary James Baker", "Health Secretary Alan Brooke": the department names the office
        office = next((m for m in before if m.label in ("ORG", "NORP", "GPE") and m.end <= start + 1
                       and head[m.end : start].strip() == "" and " " not in m.text.strip()), None)  # fmt: skip
        if office is not None and re.fullmatch(r"(?:secretary|minister)", role_text, re.I):
            return f"{office.text.strip()} {role_text}", _org_text(office)
        # "Acme Corp chief executive Jane Roe", "Bundesbank President Jane Roe": the organisation named first.
        org_mention = next((m for m in reversed(before) if m.label == "ORG" and m.end <= start + 1
                            and head[m.end : start].strip(" '’s") == ""), None)  # fmt: skip
        if org_mention is None:
            inner = next((m for m in before if m.label == "ORG" and start <= m.start), None)
            if inner is not None and re.match(r"(?:\w+\s+)*(?:of|for)\s+(?:the\s+)?$", head[start : inner.start]):
                return role_text, _org_text(inner)  # "Chancellor of the Exchequer" keeps its "of"
            return role_text, None
        return role_text, _org_text(org_mention)
    owner = next((m for m in reversed(before) if m.label in ("ORG", "NORP")
                  and re.fullmatch(r"['’]s\s*", head[m.end :])), None)  # fmt: skip
    if owner is not None:
        return None, _org_text(owner)  # "Acme's Jane Roe"
    return _general_description(sentence, person, before, tail)


def _general_description(
    sentence: str, person: Mention, before: tuple[Mention, ...], tail: str
) -> tuple[str | None, str | None]:
    """What the rules above leave: any description in the places news puts one, whatever the job. "Pharmacist
    Jane Roe", "The trawler's skipper, Jane Roe,", "Jane Roe, who chairs the group Acme,"."""
    head = sentence[: person.start]
    titled = LEADING_TITLE.match(person.text)
    if titled and _ROLE.fullmatch(titled.group(0).strip(" .")):
        return titled.group(0).strip(" .").lower(), None  # "Councillor Jane Roe": the title is the office
    who = _who_does(tail)
    role: str | None = None
    found = _DESCRIPTOR_BEFORE.search(head)
    if found and not any(m.end > found.start(1) and m.text[:1].isupper() for m in before):
        role = _descriptor(found.group(1))
    apposed = _DESCRIPTOR_APPOSED.search(head) if role is None else None
    # (the small model takes some lower-case words for names: "the lorry's driver")
    if apposed and not any(m.end > apposed.start(1) and m.text[:1].isupper() for m in before):
        role = _descriptor(apposed.group(1))
    if who is not None:
        return who[0] or role, who[1]
    return role, None


_COURTESY = re.compile(r"\s*(?:professor|prof|doctor|dr|sir|dame|lord|lady)\.?\s*", re.I)


def _strip_org(role: str, org: str) -> str:
    return role.replace(org, "").strip(" '’s").lower() or role.lower()


def _org_text(mention: Mention | None) -> str | None:
    if mention is None:
        return None
    return re.sub(r"^the\s+|['’]s?$", "", mention.text).strip()


def _org_after(phrase: str) -> str | None:
    found = re.search(
        r"\s(?:at|of|for|with|to)\s+((?:the\s+)?[A-Z][\w&'’.-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w&'’.-]*)*)", phrase
    )
    return found.group(1).removeprefix("the ").strip() if found else None


def _initials(org: str) -> str:
    words = [w for w in re.findall(r"[A-Z][\w&'’.-]*", org) if w.rstrip(".") not in ("The", "Corp", "Inc", "Co", "Ltd")]
    return "".join(w[0] for w in words)


def _full_org(org: str, orgs: list[str]) -> str:
    """The fullest name the article gives an organisation: "GM" is "General Motors Corp", "Acme" "Acme Corp"."""
    if re.fullmatch(r"[A-Z]{2,6}", org):
        full = next((o for o in orgs if o != org and _initials(o) == org), None)
        if full:
            return full
    acronym = re.search(r"\s([A-Z]{2,6})$", org)  # "the Acme XYZ branch": the union whose initials end it
    if acronym:
        full = next((o for o in orgs if _initials(o) == acronym.group(1) and len(o.split()) > 1), None)
        if full:
            return full
    longer = [o for o in orgs if o != org and o.startswith(org + " ") and len(o.split()) <= len(org.split()) + 2
              and not o.isupper()]  # a headline's capitals are no name: "ACME SETS DATE"
    return max(longer, key=len) if longer else org


def _attribute(
    sentence: str, mentions: tuple[Mention, ...], ctx: _Context, inside: list[tuple[int, int]]
) -> _Speaker | None:
    """The speaker of a sentence's speech, or None when it names no speaker."""
    verbs = [v for v in list(SPEECH_VERB.finditer(sentence)) + list(ACCORDING_TO.finditer(sentence))
             if not any(a <= v.start() < b for a, b in inside) and not _is_noun(sentence, v)]  # fmt: skip
    _introduce(sentence, mentions, ctx, inside)
    claims = next((c for c in _CLAIMS_OF.finditer(sentence) if not any(a <= c.start() < b for a, b in inside)
                   and (not verbs or any(v.start() > c.end() for v in verbs))), None)  # fmt: skip
    if claims is not None:
        rest = sentence[claims.end() :]
        who = re.match(r"((?:the|a|an)\s+[\w'’-]+(?:\s+[\w'’-]+)?)", rest, re.I)
        named = next((m for m in mentions if abs(m.start - claims.end()) <= 4 and m.label in ("PERSON", "ORG")), None)
        if named is not None:
            return _who(named, ctx)
        if who:
            phrase = re.sub(r"\s+(?:include|includes|were|was|are|is|have|has|spoke|said)$", "", who.group(1))
            found_speaker = _described_speaker(phrase, (), ctx)
            if found_speaker is not None:
                return found_speaker
    # "X reported that Y said ...": the speech is Y's, the report only passes it on.
    ordered = sorted(verbs, key=lambda v: v.start())
    for i, verb in enumerate(ordered):
        if i + 1 < len(ordered) and re.match(r"(?:reported|reports|revealed|wrote|writes)\s+(?:that|how)\b",
                                             sentence[verb.start() :], re.I):  # fmt: skip
            inner = _speaker_near(sentence, ordered[i + 1], mentions, ctx, verb.end())
            if inner is not None:
                return inner
        found_speaker = _speaker_near(sentence, verb, mentions, ctx, 0)
        if found_speaker is not None:
            return found_speaker
    # "The Bank kept rates on hold, warning that ...": the participle's speaker is the sentence's subject
    participle = next((p for p in _PARTICIPLE.finditer(sentence) if not any(a <= p.start() < b for a, b in inside)),
                      None)  # fmt: skip
    if participle is not None:
        subject = next((m for m in mentions if m.label in ("PERSON", "ORG") and m.end < participle.start()
                        and re.fullmatch(r"\s*(?:the\s+)?", sentence[: m.start], re.I)), None)  # fmt: skip
        if subject is not None:
            return _who(subject, ctx)
        pronoun = re.match(r"\s*(he|she|it|they)\b", sentence, re.I)
        if pronoun:
            return _pronoun(pronoun.group(1).lower(), mentions, 0, ctx)
    return None


_PARTICIPLE = re.compile(
    r",\s+(?:warning|saying|adding|arguing|insisting|claiming|noting|cautioning|stressing|explaining|predicting)"
    r"(?=\s+(?:that|it|he|she|they|the)\b|\s*[:\"“])"
)


def _introduce(sentence: str, mentions: tuple[Mention, ...], ctx: _Context, inside: list[tuple[int, int]]) -> None:
    for found in _INTRODUCED.finditer(sentence):
        if not any(a <= found.start() < b for a, b in inside) and not any(
            found.start() <= m.start < found.end(1) and m.label == "PERSON" for m in mentions
        ):
            phrase = found.group(1)
            if not any(phrase in d.descriptions for d in ctx.described):
                speaker = _Speaker(phrase, _role_in(phrase), None, kind="described")
                speaker.descriptions.append(phrase)
                ctx.described.append(speaker)


def _role_in(phrase: str) -> str | None:
    role = re.sub(r"^(?:the|a|an|one|its|their|his|her)\s+", "", phrase, flags=re.I)
    return role if _ROLE.search(role) else None


def _is_noun(sentence: str, verb: re.Match[str]) -> bool:
    head, tail = sentence[: verb.start()], sentence[verb.end() :]
    word = verb.group(0).lower()
    # "said to be", "expected to rise": a passive or a forecast, not speech
    if re.match(r"\s+to\s+(?!(?:the|a|an|his|her|their|its|our|reporters|journalists|me|us|him|them)\b)[a-z]+",
                tail) and word not in ("told", "tell", "tells"):  # fmt: skip
        return True
    # "what it calls", "could not say", "declined to say": naming or refusing, not speech
    if re.search(r"\bwhat\s+\w+\s+$", head) or (
        word in ("say", "tell", "comment") and re.search(r"(?:\bnot|n't|\bto)\s+$", head)
    ):
        return True
    # "The vote is expected next month", "it was reported": a passive, not anyone's speech
    if re.search(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", head, re.I):
        return True
    if not _NOUN_VERBS.match(verb.group(0)):
        return False
    return bool(_NOUN_BEFORE.search(sentence[: verb.start()]) or _NOUN_AFTER.match(sentence[verb.end() :]))


def _speaker_near(
    sentence: str, verb: re.Match[str], mentions: tuple[Mention, ...], ctx: _Context, floor: int
) -> _Speaker | None:
    named = [m for m in mentions if m.label in ("PERSON", "ORG", "NORP", "GPE") and m.start >= floor]
    if verb.group(0).lower().startswith("according"):
        if _DOCUMENT.match(sentence[verb.end() :]):
            return None  # "according to figures released on Tuesday": a record, not a speaker
        after = [m for m in named if m.start >= verb.end() and m.label in ("PERSON", "ORG") and
                 re.fullmatch(r"\s*(?:the\s+)?(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame)\.?\s+)?",
                              sentence[verb.end() : m.start])]  # fmt: skip
        if after:
            return _who(after[0], ctx)
        word = re.match(r"\s+(?:the\s+)?([A-Z][\w'’.-]+)", sentence[verb.end() :])
        if word and word.group(1).lower() in ctx.people:
            return ctx.people[word.group(1).lower()]
        described = re.match(r"\s+((?:the|a|an)?\s*[^,.;]{2,60}?)(?=[,.;]|$)", sentence[verb.end() :])
        # "according to its distributor, Northlight Pictures": the name the description is given
        if described and (named_after := next((m for m in named if m.label in ("PERSON", "ORG") and
                          re.fullmatch(r",\s*", sentence[verb.end() + described.end() : m.start])), None)):  # fmt: skip
            return _who(named_after, ctx)
        return _described_speaker(described.group(1).strip(), (), ctx) if described else None
    before_text = sentence[floor : verb.start()]
    # "NP, who also wishes to remain anonymous, added", "politicians who said": the speaker is the NP.
    relative = re.search(r",?\s+who\s+[^,]*?,?\s*$", before_text)
    if relative:
        before_text = before_text[: relative.start()] + " "
    end = floor + len(before_text.rstrip())
    # "X said", "X, chief executive of Y, said", "X has said"
    # "a nurse from Leeds, told": a place is no speaker
    named = [m for m in named if not _PLACE_BEFORE.search(sentence[max(0, m.start - 8) : m.start])
             or (m.label == "PERSON" and re.match(r"(?:Mr|Mrs|Ms|Dr)\b", m.text))]  # fmt: skip
    # "PC Jane Roe, of the Acme Police, who was driving, said": the appositive closes where the relative opens
    candidates = [m for m in named if m.end <= verb.start() and (_gap_ok(sentence[m.end : verb.start()]) or
                  (relative is not None and m.end <= end and (_gap_ok(sentence[m.end : end])
                                                              or _gap_ok(sentence[m.end : end] + ","))))]  # fmt: skip
    if candidates:
        # "Jane Roe, of the Acme Party, said": the person, not the organisation in the appositive.
        persons = [m for m in candidates if m.label == "PERSON"]
        if persons:
            return _who(persons[-1], ctx)
        last = candidates[-1]
        role_of = re.search(rf"\b((?:the|a|an)\s+(?:[\w'’-]+\s+){{0,2}}?(?:{_ROLE_WORDS})\s+(?:of|at|for)\s+"
                            rf"(?:the\s+)?)((?:[\w'’&-]+\s+){{0,4}})$", sentence[floor : last.start], re.I)  # fmt: skip
        if role_of and last.label == "ORG":
            # "a spokesperson for the Food and Drink products Standards Agency": all of it is the body
            words = role_of.group(2)
            body = dataclasses.replace(last, start=last.start - len(words), text=words + last.text)
            return _described_speaker(role_of.group(1) + body.text, (body,), ctx)
        if last.label in ("ORG", "PERSON"):
            # "A Union statement said", "The Acme spokesman said": a body or a person described by it
            tail = sentence[last.end : verb.start()].strip()
            if not tail or tail.startswith(("(", "<", ",")) or re.fullmatch(r"(?:\w+\s*)?", tail) is None:
                return _who(last, ctx)
        elif last.label in ("NORP", "GPE") and not sentence[last.end : verb.start()].strip():
            return None
    # A bare surname the model did not tag, right before the verb: "Gray told a Senate subcommittee".
    word = re.search(rf"([A-Z][\w'’-]+)\s+(?:{_AUX}\s+)*$", before_text)
    if word and word.group(1).lower() in ctx.people:
        return ctx.people[word.group(1).lower()]
    if word and (word.group(1) in ctx.orgs or _full_org(word.group(1), ctx.orgs) != word.group(1)):
        return _org_speaker(word.group(1), ctx)
    # '"...," said X', '"...," said Ms Y, a spokeswoman' (after "told", a name is who was told)
    after = [m for m in named if m.start >= verb.end() and (m.start - verb.end() <= 3 or (m.label == "PERSON" and
             re.fullmatch(r"\s+(?:the\s+)?(?:[a-z][\w'’-]*\s+){1,3}|\s+(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|"
                          r"Lord|Lady|Councillor|Cllr)\.?\s+", sentence[verb.end() : m.start])))]  # fmt: skip
    inverted = verb.group(0).lower() in ("said", "says", "added", "adds", "wrote", "noted", "explained", "insisted")
    quoted_before = inverted and re.search(r"[,”\"’:]\s*$", before_text)
    if after and quoted_before and after[0].label in ("PERSON", "ORG"):
        return _who(after[0], ctx)
    surname = re.match(r"\s+(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?([A-Z][\w'’-]+)", sentence[verb.end() :])
    if quoted_before and surname and surname.group(1).lower() in ctx.people:
        return ctx.people[surname.group(1).lower()]
    pronoun = _PRONOUN.search(before_text)
    if pronoun:
        return _pronoun(pronoun.group(1).lower(), mentions, pronoun.start() + floor, ctx)
    inverted_described = re.match(r"\s+((?:the|a|an)\s+[\w'’-]+(?:\s+[\w'’-]+){0,3}?)\s*(?:[.,;]|$)",
                                  sentence[verb.end() :])  # fmt: skip
    if inverted and inverted_described and re.search(r"[,”\"’]\s*$", before_text):
        return _described_speaker(inverted_described.group(1), tuple(named), ctx)
    # "Organisers of the Acme music festival have defended": the people of a body, speaking for it
    group = re.match(rf"\s*([A-Z][a-z]+s)\s+(?:of|at|for)\s+((?:the\s+)?[^,;:\"“”]{{2,60}}?)\s+(?:{_AUX}\s+)*$",
                     before_text)  # fmt: skip
    if group and _ROLE.fullmatch(group.group(1)):
        at = floor + group.start(2)
        org = next((_org_text(m) for m in named if m.label == "ORG" and m.start >= at), None)
        run = re.search(r"[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*)*", group.group(2))
        phrase = f"{group.group(1)} of {group.group(2)}"
        org = org or (run.group(0) if run else None)
        return _Speaker(phrase, group.group(1).lower(), org, "described", plural=True)
    described = _DESCRIBED.search(before_text)
    if described:
        phrase = described.group(1).strip()
        phrase = re.sub(rf"(?:,[^,]*,)?(?:\s+{_AUX})*$", "", phrase, flags=re.I)
        lead = re.match(r"(?:and|but|so|while|however|as|that|because|when|yet)\s+", phrase, re.I)
        if lead:
            phrase = phrase[lead.end() :]
        at = floor + described.start(1)
        in_phrase = tuple(m for m in named if m.start >= at and m.end <= verb.start())
        return _described_speaker(phrase, in_phrase, ctx)
    return None


_PLACE_BEFORE = re.compile(r"\b(?:from|in|near)\s+(?:the\s+)?$")
_NOT_SPEAKERS = {"it", "the", "this", "that", "has", "was", "is", "does", "had", "have", "were", "its", "as", "yes",
                 "there", "these", "those", "what", "which", "who", "this is"}  # fmt: skip
_BODIES = ("company", "firm", "bank", "corporation", "group", "union", "council", "authority", "agency", "board",
           "trust", "charity", "club", "operator", "retailer", "chain", "regulator", "watchdog", "organisation",
           "organization", "business", "institute", "foundation", "society", "hospital", "university", "school",
           "team", "service", "museum", "gallery", "festival", "theatre", "library", "college", "academy",
           "orchestra", "band", "airport", "force", "brigade",
           "ministry", "government", "department", "exchange", "association", "commission", "committee",
           "airline", "carrier", "party")  # fmt: skip
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "several": 3, "some": 3, "many": 3}


def _pronoun(word: str, mentions: tuple[Mention, ...], at: int, ctx: _Context) -> _Speaker | None:
    """The speaker a pronoun stands for: a person named earlier in the sentence, else the latest fitting one."""
    if word in ("he", "she"):
        if ctx.subject is not None:
            return ctx.subject
        person = next((m for m in reversed(mentions) if m.label == "PERSON" and m.end <= at
                       and (len(m.text.split()) > 1 or m.text.lower() in ctx.people)), None)  # fmt: skip
        if person is not None:
            return _who(person, ctx)
        return next((s for s in reversed(ctx.history) if s.final().kind != "org" and not s.final().plural),
                    ctx.history[-1] if ctx.history else None)  # fmt: skip
    if word == "it":
        return next((s for s in reversed(ctx.history) if s.final().kind == "org"), None)
    return ctx.history[-1] if ctx.history else None


def _described_speaker(phrase: str, named: tuple[Mention, ...], ctx: _Context) -> _Speaker | None:
    """The speaker a description stands for: an organisation the article named ("the union"), a person given
    that role ("the chief executive"), one of a group introduced before ("one", "the other"), or someone
    described anew ("a former employee")."""
    phrase = phrase.strip(" ,")
    if phrase.isupper():
        phrase = phrase.lower()
    low = phrase.lower()
    if low in _NOT_SPEAKERS or len(phrase) < 3 or not re.search(r"[a-z]", low):
        return None
    words = low.split()
    det = words[0]
    if re.search(r"\b(?:statement|report|letter|release|filing|announcement)$", low):
        kind = re.match(r"(?:the|a|an|its)\s+([\w'’-]+)\s+", low)
        body = _body(f"the {kind.group(1)}", ctx) if kind else None
        if body is not None:
            return body
        return ctx.history[-1] if ctx.history else None
    body = _body(phrase, ctx)
    if body is not None:
        return body
    whole = next((m for m in named if m.label == "ORG" and (_org_text(m) or m.text) == re.sub(r"^the\s+", "", phrase)),
                 None)  # fmt: skip
    if whole is not None:
        return _org_speaker(_org_text(whole) or whole.text, ctx)  # "..., Acme Rail has confirmed"
    described = ctx.described
    if low in ("one", "the one"):
        return next((d for d in described if d.descriptions[0].lower().startswith("one ")),
                    described[0] if described else None)  # fmt: skip
    if low in ("the other", "the second", "another", "the other one"):
        first = next((d for d in described if d.descriptions[0].lower().startswith("one ")), None)
        return next((d for d in reversed(described) if d is not first and not d.plural), None)
    if re.fullmatch(r"the\s+\d+-year-old", low):  # "The 22-year-old told reporters": the person last named
        person = ctx.subject or next((s for s in reversed(ctx.history) if s.final().kind == "person"), None)
        if person is not None:
            return person
    role = re.sub(r"^(?:the|a|an|one|its|their|his|her)\s+", "", phrase, flags=re.I)
    counted = next((w for w in words[:2] if w in _NUMBERS), None)
    plural = counted != "one" and (counted is not None or bool(re.search(r"(?<!s)s$", words[-1])))
    # "the authority's chief executive" is the person the article gives that role, when it names one.
    org_named = next((_org_text(m) for m in named if m.label == "ORG"), None)
    if _ROLE.search(role) and not plural:
        known = [s.final() for s in reversed(ctx.history) if s.final().kind == "person"]
        holder = next((p for p in dict.fromkeys([*known, *ctx.people.values()]) if p.role and _same_role(role, p.role)
                       and (not org_named or not p.organisation or _overlap(org_named, p.organisation))),
                      None)  # fmt: skip
        if holder is not None:
            return holder
    if det in ("the", "their", "its", "his", "her") or low.startswith("this "):
        head = words[-1]
        for d in reversed(described):
            if any(_same_head(head, w) for desc in d.descriptions for w in desc.lower().split()[-2:]):
                _add_description(d, phrase)
                return d
        if re.fullmatch(r"(?:the\s+)?spokes(?:man|woman|person)", low):
            return next((s for s in reversed(ctx.history) if s.final().role and "spokes" in (s.final().role or "")),
                        ctx.history[-1] if ctx.history else None)  # fmt: skip
        # A definite description the article has not introduced is someone it has: the latest of that number.
        same_number = next((d for d in reversed(described) if d.plural == plural), None)
        if same_number is not None and det == "the" and not org_named:
            _add_description(same_number, phrase)
            return same_number
    organisation = org_named
    # "a spokesperson for the authority": the body of that kind the article named
    body_of = re.search(rf"\b(?:for|of|at|from)\s+((?:the|its)\s+(?:{'|'.join(_BODIES)}))$", phrase, re.I)
    if organisation is None and body_of is not None:
        body = _body(body_of.group(1), ctx)
        organisation = body.organisation if body is not None else None
    owner = re.search(rf"\b(?:the|its)\s+({'|'.join(_BODIES)})['’]s\b", low)
    if organisation is None and owner is not None:  # "an engineer in the company's Paris office"
        body = _body(f"the {owner.group(1)}", ctx)
        organisation = body.organisation if body is not None else None
    if organisation is None and owner is None:
        organisation = next((_org_text(m) for m in named if m.label in ("NORP", "GPE")), None)
    initial = re.match(r"(?:a|an|the)\s+([A-Z][\w&-]+(?:\s+[A-Z][\w&-]+)*)\s+"
                       r"(?:spokes(?:man|woman|person)|official|source)$", phrase)  # fmt: skip
    if organisation is None and initial is not None:
        organisation = _full_org(initial.group(1), ctx.orgs)  # "an Acme spokesperson"
    speaker = _Speaker(phrase, role if _ROLE.search(role) else None, organisation, kind="described", plural=plural)
    speaker.descriptions.append(phrase)
    described.append(speaker)
    return speaker


def _add_description(speaker: _Speaker, phrase: str) -> None:
    """A fuller description names the speaker better: "a source" then "the former nurse" is "a former
    nurse"."""
    speaker.descriptions.append(phrase)
    bare = re.sub(r"^(?:the|a|an|their|its|his|her)\s+", "", phrase, flags=re.I)
    current = re.sub(r"^(?:the|a|an|one|two|their|its|his|her)\s+", "", speaker.name, flags=re.I)
    if len(bare.split()) > len(current.split()) and not re.match(r"(?:one|two|three|four|five)\b", current, re.I):
        speaker.name = "a " + bare if not speaker.plural else bare
        if _ROLE.search(bare):
            speaker.role = bare


def _same_head(a: str, b: str) -> bool:
    a, b = a.strip("'’s"), b.strip("'’s")
    return a == b or (len(a) >= 6 and len(b) >= 6 and a[:6] == b[:6])


def _overlap(a: str, b: str) -> bool:
    return bool(set(a.lower().split()) & set(b.lower().split()))


def _body(phrase: str, ctx: _Context) -> _Speaker | None:
    """"the company", "the union": the organisation of that kind the article named last before (or its most
    named organisation, for "the company")."""
    found = re.fullmatch(rf"(?:the|its|their)\s+(?:([a-z][\w-]*)\s+)?({'|'.join(_BODIES)})", phrase.strip(), re.I)
    if not found or not ctx.orgs:
        return None
    kind, noun = (found.group(1) or "").lower(), found.group(2).lower()
    if found.group(1) and re.fullmatch(r"[A-Z]{2,6}", found.group(1)) and not any(kind in o.lower() for o in ctx.orgs):
        # "the XYZ union": a body the article names only by its initials
        speaker = _org_speaker(found.group(1), ctx)
        speaker.context = noun
        return speaker
    named = [o for o in reversed(ctx.orgs) if noun in o.lower() and kind in o.lower()]  # "the fire service"
    # "the university": a body of that kind ("Acme University") before one that only names it ("the University
    # and College Union")
    named = [o for o in named if o.lower().split()[-1] == noun] + [o for o in named if o.lower().split()[-1] != noun]
    if kind and not named:
        return None
    if not named and noun in ("union", "association"):
        named = [o for o in reversed(ctx.orgs) if side_of(o, None, o) == "union"]
    if named:
        return _org_speaker(named[0], ctx)
    if noun in ("regulator", "watchdog"):
        named = [o for o in reversed(ctx.orgs) if side_of(o, None, o) == "regulator"]
        return _org_speaker(named[0], ctx) if named else None
    if noun in ("company", "firm", "corporation", "group", "bank", "airline", "carrier", "trust", "charity", "club",
                "operator", "retailer", "chain", "organisation", "organization", "business"):
        return _org_speaker(ctx.main or max(set(ctx.orgs), key=ctx.orgs.count), ctx)
    return None


def _org_speaker(org: str, ctx: _Context) -> _Speaker:
    full = _full_org(org, ctx.orgs)
    return _Speaker(full, None, full, kind="org")


def _gap_ok(gap: str) -> bool:
    """Between a name and its verb: nothing, an appositive ("X, director of Y,"), or an auxiliary."""
    gap = re.sub(r"^,\s*\d{1,3}(?=,)", "", gap.strip())  # "Jane Roe, 72, a retired nurse,"
    if not gap or gap in (",", "'s", "’s"):
        return True
    if re.fullmatch(rf"(?:{_AUX}\s*)+", gap, re.I):
        return True
    # A ticker or an abbreviation in brackets, or the kind of body: "Acme Corp <ACME.T> said",
    # "The United Widget Workers union (UWW) vowed", "A Union statement said".
    if re.fullmatch(r"(?:(?:union|group|unit|subsidiary|company|statement|spokes(?:man|woman|person))\s*)?"
                    r"(?:<[^>]{1,14}>|\([^)]{1,20}\))?", gap, re.I):  # fmt: skip
        return True
    # "Jane Roe of the Acme Party, said"
    if re.fullmatch(rf"(?:of|at|from)\s[^,]{{2,80}},(?:\s*{_AUX})*", gap, re.I):
        return True
    # "Group Manager Jane Roe of Acme Fire and Rescue Service told"
    if re.fullmatch(r"(?:of|at)\s+(?:the\s+)?[A-Z][\w&'’.-]*(?:\s+(?:(?:and|of|for|&)\s+)?[A-Z][\w&'’.-]*)*", gap):
        return True
    # "X, director of Y, apologised to patients and said": a first verb the speech verb is joined to.
    gap = re.sub(r"\s*\b[a-z]+ed\b[^,.;:\"“”]{0,40}\s+and$", "", gap)
    if not gap or gap == ",":
        return True
    return bool(re.fullmatch(rf",[^,]{{2,100}},(?:\s*{_AUX})*", gap, re.I))


def _who(mention: Mention, ctx: _Context) -> _Speaker:
    name = _clean_name(mention.text)
    # A surname the article gave a person in full is that person, whatever the model tagged it.
    person = ctx.people.get(name) or (ctx.people.get(name.split()[-1].lower()) if name.split() else None)
    if person is not None:
        return person
    if mention.label == "PERSON":
        speaker = _Speaker(name)
        ctx.people[name] = speaker
        return speaker
    return _org_speaker(_org_text(mention) or mention.text, ctx)


def _same_role(described: str, role: str) -> bool:
    """"authority's chief executive" and "chief executive": the same title (its last two words)."""
    wanted = re.findall(rf"(?:{_ROLE_WORDS})", described.lower())
    if wanted and wanted[-1] == "officer" and re.search(r"constable|sergeant|inspector|detective|superintendent|"
                                                         r"\bpc\b|police", role.lower()):
        return True  # "the officer": the constable the article named
    return bool(wanted) and " ".join(wanted[-2:]) in role.lower()
