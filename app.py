"""The web chat (gradio): questions with follow-ups, numbered sources, a source viewer, filters and uploads.

Wiring only: answers come from the Assistant, markup from Jinja2 templates (autoescaped). `python app.py` is
`qa serve`."""

from __future__ import annotations

import logging
import runpy
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qa.batch import limited, parse_questions, rows_csv
from qa.errors import QAError, RejectedInput
from qa.records import Answer
from qa.render import render
from qa.sources import who

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from index.ingest import IngestReport
    from index.store import ArticleInfo
    from qa.assistant import Assistant
    from qa.settings import Settings

log = logging.getLogger(__name__)

# A turn of the conversation as the state keeps it: the question as asked and the answer's to_dict().
Turn = dict[str, Any]

# For a first-time user of the bundled articles (what `make run` indexes); any question about the index works.
# Examples are made from the people and organisations the indexed articles quote most (see `examples`).
EXAMPLES_WHEN_EMPTY = ["What did the spokesperson say?", "Who said the figures were wrong?"]
MENTION_CHOICES = 300
WEB_BATCH_QUESTIONS = 500  # a longer list belongs to `qa batch` or /api/batch, not to one page request
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".json"]
VIEWER_HINT = "Select a source to read it in its article, with the cited paragraph highlighted."
UNEXPECTED = "Something went wrong; the server log has the details."

CSS = """
#qa-viewer .qa-article { max-height: 65vh; overflow-y: auto; padding: 0 .25rem; }
#qa-viewer .qa-article-title { margin: 0; padding: .25rem 0; font-size: 1.1rem; font-weight: 600; position: sticky;
  top: 0; background: var(--block-background-fill); }
#qa-viewer .qa-article-meta { margin: 0 0 .6rem; color: var(--body-text-color-subdued); font-size: .9rem; }
#qa-viewer .qa-paragraph { display: flex; gap: .6rem; margin: 0; padding: .35rem .5rem; border-radius: 6px;
  scroll-margin: 2rem; }
#qa-viewer .qa-pn { flex: 0 0 2.2rem; text-align: right; color: var(--body-text-color-subdued);
  font-variant-numeric: tabular-nums; user-select: none; }
#qa-viewer .qa-pt { white-space: pre-wrap; }
#qa-viewer .qa-cited { background: var(--color-accent-soft); outline: 2px solid var(--color-accent); }
#qa-viewer .qa-cited mark { background: #ffe58a; color: inherit; padding: 0 .1rem; }
mark.qa-answer, #qa-viewer .qa-cited mark.qa-answer { background: #ffc14d; font-weight: 600; }
.qa-related { opacity: .8; }
#qa-viewer .qa-hint, .qa-hint { color: var(--body-text-color-subdued); }
.qa-table table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.qa-table th, .qa-table td { text-align: left; padding: .25rem .4rem;
  border-bottom: 1px solid var(--border-color-primary); }
.qa-report .qa-rejected td, .qa-table .qa-rejected td { color: var(--error-text-color, #b91c1c); }
.qa-badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; background: #d97706; color: #fff;
  font-size: .8rem; font-weight: 600; }
.qa-search .qa-result { margin-bottom: .8rem; }
.qa-search .qa-found { display: block; margin: .25rem 0 0; }
.qa-search .qa-pn { color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.qa-search mark { background: #ffe58a; color: inherit; }
"""

# Runs in the viewer component whenever its content changes: bring the cited paragraph into view.
SCROLL_JS = """
const reveal = () => {
  const cited = element.querySelector('.qa-cited');
  if (cited) cited.scrollIntoView({block: 'center'});
};
reveal();
watch('value', reveal);
"""


# -- rendering (pure functions: text in, escaped HTML out) -----------------------------------------------------

ANSWER = """{% if shorts %}{% for s in shorts %}<strong class="qa-short">{{ answer.short_answer if loop.first \
else s.answer }}</strong> [{{ s.n }}] — “{{ s.before }}<mark class="qa-answer">{{ s.answer }}</mark>{{ s.after }}”\
{{ "; " if not loop.last }}{% endfor %}{% else %}{{ answer.answer | lines }}{% endif %}
{% if answer.abstained %}<br><em class="qa-hint">No passage in the indexed articles answers this.</em>{% endif %}
{% if answer.citations %}<br><strong>Sources</strong><ul class="qa-sources">
{% for c in answer.citations %}<li>{{ label(c) }}\
{% if c.speaker %}<br><span class="qa-said-by">— {{ who(c.speaker, c.role, c.organisation) }}</span>{% endif %}\
{% if c.corroborated_by %}<br><span class="qa-corroborated">Also reported by {% for r in c.corroborated_by %}\
{{ r.outlet or r.title }} (paragraph {{ r.paragraph }}){{ ", " if not loop.last else "" }}{% endfor %}</span>\
{% endif %}</li>{% endfor %}</ul>{% endif %}
{% if answer.related %}<br><strong>Related, not the answer</strong><ul class="qa-related">
{% for c in answer.related %}<li>{{ label(c) }}</li>{% endfor %}</ul>{% endif %}
{% if confidence is not none %}<br><span class="qa-hint qa-confidence">Confidence {{ confidence }}</span>{% endif %}"""

ARTICLE = """<div class="qa-article" data-article="{{ article.id }}" data-cited="{{ cited or '' }}">
<div class="qa-article-title">{{ article.title }}</div>
<p class="qa-article-meta">{% for x in meta %}{{ x }} · {% endfor %}{{ article.id }}</p>
{% for number, before, quote, after in rows %}
<p class="qa-paragraph{{ ' qa-cited' if number == cited else '' }}" id="qa-p-{{ number }}" data-n="{{ number }}">\
<span class="qa-pn">{{ number }}</span><span class="qa-pt">{{ before }}{% if quote %}<mark>{{ quote[0] }}\
{% if quote[1] %}<mark class="qa-answer">{{ quote[1] }}</mark>{{ quote[2] }}{% endif %}</mark>{% endif %}\
{{ after }}</span></p>
{% endfor %}</div>"""

HINT = """<p class="qa-hint">{{ text }}</p>"""

SEARCH = """<div class="qa-search">{% if not page.results %}<p class="qa-hint">No article matches.</p>{% endif %}\
<ol start="{{ first }}">{% for r in page.results %}<li class="qa-result" data-article="{{ r.article_id }}">\
<strong>{{ r.title }}</strong>{% if r.outlet or r.date %} <span class="qa-hint">({{ [r.outlet, r.date] | select \
| join(", ") }})</span>{% endif %} <code>{{ r.article_id }}</code>
{% for p in r.paragraphs %}<div class="qa-found"><span class="qa-pn">¶{{ p.n }}</span> {% for text, hit in p.parts %}\
{% if hit %}<mark>{{ text }}</mark>{% else %}{{ text }}{% endif %}{% endfor %}</div>{% endfor %}</li>{% endfor %}</ol>\
<p class="qa-hint">Page {{ page.page }}{% if page.more %}; there are more{% endif %}.</p></div>"""

BATCH = """<div class="qa-table"><p><strong>{{ summary }}</strong></p><table><thead><tr><th>#</th><th>Question</th>\
<th>Answer</th><th>Confidence</th><th>Sources</th></tr></thead><tbody>
{% for r in rows %}<tr{% if r.error %} class="qa-rejected"{% endif %}><td>{{ r.row }}</td><td>{{ r.question }}</td>\
<td>{{ r.error or r.answer }}</td><td>{{ "%.0f%%" % (100 * r.confidence) if r.confidence is not none else "" }}</td>\
<td>{% for c in r.citations %}[{{ c.n }}] {{ c.article_id }} ¶{{ c.paragraph }}<br>{% endfor %}</td></tr>
{% endfor %}</tbody></table></div>"""

WATCHES = """<div class="qa-table qa-watches">{% if not watches %}<p class="qa-hint">No watched questions yet.\
</p>{% else %}<table><thead><tr><th>Question</th><th>Now</th><th>Last change</th><th>Id</th></tr></thead><tbody>
{% for w in watches %}<tr{% if w.unread %} class="qa-news"{% endif %}><td>{% if w.unread %}<span \
class="qa-badge">{{ w.unread }} new</span> {% endif %}{{ w.question }}</td><td>{{ w.answer.answer }}</td><td>\
{% if w.changes %}{{ w.changes[-1].at }}: {{ w.changes[-1].what | join("; ") }}{% endif %}</td>\
<td><code>{{ w.id }}</code></td></tr>
{% endfor %}</tbody></table>{% endif %}</div>"""

WATCH_HISTORY = """<div class="qa-watch-history"><p><strong>{{ watch.question }}</strong></p>\
<p>Now: {{ watch.answer.answer }}</p>{% for c in watch.changes | reverse %}<p><strong>{{ c.at }}</strong>: \
{{ c.what | join("; ") }}<br>{{ c.answer.answer }}{% for q in c.answer.citations %}<br><span class="qa-hint">\
[{{ q.n }}] {{ q.article_id }} ¶{{ q.paragraph }}: “{{ q.quote }}”</span>{% endfor %}</p>{% else %}<p \
class="qa-hint">No change since it was saved ({{ watch.created }}).</p>{% endfor %}</div>"""

BADGE = """{% if news %}<span class="qa-badge" id="qa-watch-news">{{ news }} watched question{{ "s" if news > 1 }} \
with news</span>{% endif %}"""

REPORTS = """<div class="qa-reports">{% if said_by %}<p class="qa-said-by">— {{ said_by }}</p>{% endif %}\
{% if reports %}<p><strong>Also reported in {{ reports | length }} other article{{ "s" if reports | length > 1 }}\
</strong></p><ul>{% for r in reports %}<li>{{ r.title }}{% if r.outlet %} ({{ r.outlet }}){% endif %}, paragraph \
{{ r.paragraph }}: “{{ r.quote }}”</li>{% endfor %}</ul>{% endif %}</div>"""

ARTICLES = """<div class="qa-table"><p>{{ infos | length }} articles</p><table><thead><tr><th>Title</th>\
<th>Outlet</th><th>Date</th><th>¶</th><th>Id</th></tr></thead><tbody>
{% for i in infos %}<tr><td>{{ i.title }}</td><td>{{ i.outlet or '' }}</td><td>{{ i.date or '' }}</td>\
<td>{{ i.paragraphs }}</td><td><code>{{ i.id }}</code></td></tr>
{% endfor %}</tbody></table></div>"""

REPORT = """<div class="qa-table qa-report"><p><strong>{{ counts }}</strong></p><table><thead><tr><th>File</th>\
<th>Status</th><th>Why</th></tr></thead><tbody>
{% for i in report.items %}<tr class="qa-{{ i.status }}"><td>{{ i.source }}</td><td>{{ i.status }}</td>\
<td>{{ i.detail }}</td></tr>
{% endfor %}</tbody></table></div>"""


def lines(text: str) -> str:
    return render("{{ text | lines }}", text=text)


def source_label(citation: dict[str, Any]) -> str:
    """'[1] Title (Outlet, 2022-03-01), paragraph 9: “quote”' as plain text."""
    where = ", ".join(str(x) for x in (citation.get("outlet"), citation.get("date")) if x)
    head = f"[{citation['n']}] {citation['title']}" + (f" ({where})" if where else "")
    return f"{head}, paragraph {citation['paragraph']}: “{citation['quote']}”"


def reports_html(citation: dict[str, Any]) -> str:
    """Under the source viewer: who said the cited sentence, and the other articles that report it."""
    said_by = who(citation.get("speaker"), citation.get("role"), citation.get("organisation"))
    return render(REPORTS, said_by=said_by, reports=citation.get("corroborated_by") or [])


def search_html(page: Any) -> str:
    """A page of search results: each article with the paragraphs that matched, the query's words marked."""
    results = []
    for r in page.results:
        paragraphs = []
        for p in r.paragraphs:
            parts, at = [], 0
            for start, end in p.highlights:
                parts += [(p.text[at:start], False), (p.text[start:end], True)]
                at = end
            parts.append((p.text[at:], False))
            paragraphs.append({"n": p.n, "parts": parts})
        results.append({**r.__dict__, "paragraphs": paragraphs})
    shown = {"results": results, "page": page.page, "more": page.more}
    return render(SEARCH, page=shown, first=(page.page - 1) * page.k + 1)


def batch_html(rows: list[Any], summary: str) -> str:
    return render(BATCH, rows=rows, summary=summary)


def watches_html(watches: list[Any]) -> str:
    return render(WATCHES, watches=sorted(watches, key=lambda w: (-w.unread, w.created)))


def badge_html(watches: list[Any]) -> str:
    return render(BADGE, news=sum(1 for w in watches if w.unread))


def examples(assistant: Assistant) -> list[str]:
    """Questions about who the indexed articles quote most: a first-time user sees what works."""
    named = {e.name for e in assistant.entities(type="person")}
    quoted = [row.speaker for row in assistant.quotes() if row.speaker in named and " " in row.speaker]
    people = sorted(set(quoted), key=lambda name: (-quoted.count(name), name))[:2]
    return [f"What did {name} say?" for name in people] or EXAMPLES_WHEN_EMPTY


def mention_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """The Mentions filter: the names most articles mention, as "type:name" values."""
    return [(f"{e.name} ({e.type})", f"{e.type}:{e.name}") for e in assistant.entities(limit=MENTION_CHOICES)]


def answer_html(answer: dict[str, Any]) -> str:
    """An assistant message: the answer (a short answer highlighted inside its quote), then its numbered
    sources; a refusal says so, and lists the near misses as related, not the answer."""
    shorts = []
    citations = answer.get("citations") or []
    if answer.get("short_answer") and citations and citations[0].get("span"):
        # One per citation that marks one: a comparison answers each side with its own figure or name.
        for c in citations:
            if c.get("span"):
                quote, (start, end) = c["quote"], c["span"]
                shorts.append({"n": c["n"], "before": quote[:start], "answer": quote[start:end], "after": quote[end:]})
    confidence = f"{answer['confidence']:.0%}" if "confidence" in answer else None
    return render(ANSWER, answer=answer, shorts=shorts, label=source_label, confidence=confidence, who=who)


def chat_messages(turns: list[Turn], pending: tuple[str, str] | None = None) -> list[dict[str, str]]:
    """What the Chatbot shows: escaped HTML (it renders no markdown), derived from the state, never read back."""
    messages = []
    for turn in turns:
        messages.append({"role": "user", "content": lines(turn["question"])})
        messages.append({"role": "assistant", "content": answer_html(turn["answer"])})
    if pending is not None:
        question, partial = pending
        messages.append({"role": "user", "content": lines(question)})
        messages.append({"role": "assistant", "content": lines(partial) if partial else "…"})
    return messages


def source_choices(turns: list[Turn], index: int) -> list[tuple[str, str]]:
    """The Sources list for turn `index`: (label, 'turn:n'), then its related passages (label, 'turn:rn')."""
    if not 0 <= index < len(turns):
        return []
    answer = turns[index]["answer"]
    return [(source_label(c), f"{index}:{c['n']}") for c in answer["citations"]] + [
        (f"Related, not the answer: {source_label(c)}", f"{index}:r{c['n']}") for c in answer.get("related", [])
    ]


def article_html(
    article: Any, cited: int | None = None, quote: str | None = None, span: list[int] | None = None
) -> str:
    """The article with numbered paragraphs; the cited one highlighted, the quoted sentence marked, and the short
    answer (`span` within the quote) marked again inside it."""
    rows: list[tuple[int, str, tuple[str, str, str] | None, str]] = []
    for number, text in enumerate(article.paragraphs, start=1):
        if number == cited and quote and quote in text:
            before, _, after = text.partition(quote)
            parts = (quote, "", "") if not span else (quote[: span[0]], quote[span[0] : span[1]], quote[span[1] :])
            rows.append((number, before, parts, after))
        else:
            rows.append((number, text, None, ""))
    meta = [x for x in (article.outlet, article.date, article.author) if x]
    return render(ARTICLE, article=article, cited=cited, meta=meta, rows=rows)


def hint_html(text: str) -> str:
    return render(HINT, text=text)


def articles_table(infos: list[ArticleInfo]) -> str:
    if not infos:
        return hint_html("No articles are indexed yet.")
    return render(ARTICLES, infos=infos)


def report_html(report: IngestReport) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n) or "nothing to add"
    return render(REPORT, counts=counts, report=report)


def filters_from(
    article_ids: list[str] | None,
    outlets: list[str] | None,
    since: str,
    until: str,
    mentions: list[str] | None = None,
) -> dict[str, Any]:
    by_type: dict[str, list[str]] = {"person": [], "organisation": [], "place": []}
    for value in mentions or []:
        kind, _, name = value.partition(":")
        if kind not in by_type or not name:
            raise RejectedInput(f"{value!r} is not a mention to filter by; pick one from the list")
        by_type[kind].append(name)
    raw: dict[str, Any] = {
        "article_ids": article_ids or [],
        "outlets": outlets or [],
        "date_from": (since or "").strip(),
        "date_to": (until or "").strip(),
        "people": by_type["person"],
        "organisations": by_type["organisation"],
        "places": by_type["place"],
    }
    return {key: value for key, value in raw.items() if value}


F = TypeVar("F", bound=Callable[..., Any])


def shown_errors(fn: F) -> F:
    """The project's errors are shown to the user as text (gradio renders a message as HTML, so it is escaped);
    anything else is logged, never shown raw."""
    import functools
    import inspect

    import gradio as gr
    from markupsafe import escape

    def shown(exc: Exception) -> gr.Error:
        if isinstance(exc, gr.Error):
            return exc
        if isinstance(exc, QAError):
            return gr.Error(str(escape(str(exc))))
        log.error("web chat: %s failed", fn.__name__, exc_info=exc)
        return gr.Error(UNEXPECTED)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                raise shown(exc) from None

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise shown(exc) from None

    return wrapper  # type: ignore[return-value]


def uploaded_files(files: list[Any], upload_folder: Path) -> list[Path]:
    """The files of an upload event (gradio's file payloads, taken raw), each checked to be one that arrived
    through gradio's upload route: an event names files by path, and a forged event could name any file the
    server can read. (Preprocessing would copy a named file into the upload folder first, so it is off.)"""
    folder = upload_folder.resolve()
    checked = []
    for item in files:
        raw = item.get("path") if isinstance(item, dict) else item
        path = Path(str(raw)).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            log.warning("web chat: refused an upload event naming %s, outside the upload folder", raw)
            raise RejectedInput("Only files uploaded with this form can be added; choose them again.")
        checked.append(path)
    return checked


# -- the page ----------------------------------------------------------------------------------------------------

UPLOADS_OFF = (
    "Adding articles from the web chat is off. Start the server with QA_SERVER_API_TOKEN set (the chat then asks "
    "for it when you open the page), or add articles with: qa ingest PATH"
)
WATCHES_OFF = (
    "Watching questions from the web chat is off (it changes what is saved beside the index). Start the server "
    'with QA_SERVER_API_TOKEN set, or use: qa watch add "QUESTION"'
)


def build_ui(assistant: Assistant, uploads: bool) -> gr.Blocks:
    """The Blocks of the web chat, wired to `assistant`; every answer, article and report goes through it.
    With `uploads`, articles can be added (the server then signs users in with its token)."""
    import gradio as gr
    from gradio.utils import get_upload_folder

    def listing() -> tuple[str, Any, Any, Any, Any]:
        infos = assistant.articles()
        articles = [(f"{i.title} ({i.id})", i.id) for i in infos]
        outlets = sorted({i.outlet for i in infos if i.outlet})
        return (
            articles_table(infos),
            gr.update(choices=articles),
            gr.update(choices=outlets),
            gr.update(choices=articles),
            gr.update(choices=mention_choices(assistant)),
        )

    @shown_errors
    def refresh() -> tuple[str, Any, Any, Any, Any]:
        return listing()

    @shown_errors
    def respond(
        question: str,
        turns: list[Turn],
        article_ids: list[str] | None,
        outlets: list[str] | None,
        since: str,
        until: str,
        mentions: list[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        turns = list(turns or [])
        history = [
            message
            for turn in turns
            for message in (
                {"role": "user", "content": turn["question"]},
                {"role": "assistant", "content": turn["answer"]["answer"]},
            )
        ]
        # The last turns only: the limit on history is the server's, and a long chat should not hit it.
        history = history[-assistant.settings.answer.max_history_turns :] if history else []
        filters = filters_from(article_ids, outlets, since, until, mentions)
        pieces = assistant.ask_stream(question, history=history, filters=filters)
        text = ""
        for piece in pieces:  # a bad question or filter raises before the first piece
            if isinstance(piece, Answer):
                turns.append({"question": question, "answer": piece.to_dict()})
                index = len(turns) - 1
                yield (
                    chat_messages(turns),
                    turns,
                    gr.update(choices=source_choices(turns, index), value=None, label=_sources_label(turns, index)),
                    hint_html(VIEWER_HINT if piece.citations else "This answer has no sources."),
                    "",
                )
                return
            text += piece
            yield chat_messages(turns, (question, text)), gr.skip(), gr.skip(), gr.skip(), ""

    @shown_errors
    def pick_answer(turns: list[Turn], event: gr.SelectData) -> Any:
        index = event.index if isinstance(event.index, int) else event.index[0]
        turn = index // 2  # messages alternate question, answer
        return gr.update(choices=source_choices(turns, turn), value=None, label=_sources_label(turns, turn))

    # gradio finds the event argument by its type; the annotation is a string naming a local import.
    pick_answer.__annotations__["event"] = gr.SelectData

    @shown_errors
    def show_source(choice: str | None, turns: list[Turn]) -> str:
        if not choice:
            return hint_html(VIEWER_HINT)
        turn, _, n = choice.partition(":")
        answer = turns[int(turn)]["answer"]
        pool = answer.get("related", []) if n.startswith("r") else answer["citations"]
        citation = next(c for c in pool if str(c["n"]) == n.removeprefix("r"))
        article = assistant.article(citation["article_id"])
        cited = int(citation["paragraph"])
        shown = article_html(article, cited=cited, quote=citation["quote"], span=citation.get("span"))
        return reports_html(citation) + shown

    @shown_errors
    def show_article(article_id: str | None) -> str:
        return article_html(assistant.article(article_id)) if article_id else hint_html(VIEWER_HINT)

    @shown_errors
    def add_files(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            raise gr.Error("Choose one or more .txt, .md, .html or .jsonl files first.")
        paths = uploaded_files(files, Path(get_upload_folder()))

        def step(done: int, total: int, source: str) -> None:
            progress((done, total), desc=f"Indexing {Path(source.split(':')[0]).name}")

        handles = [path.open("rb") for path in paths]
        try:
            # gradio keeps each upload under its original name, so the article id is the file's stem.
            report = assistant.ingest_uploads(((p.name, h) for p, h in zip(paths, handles, strict=True)), step)
        finally:
            for handle in handles:
                handle.close()
        return (report_html(report), None, *listing(), *watch_state())

    @shown_errors
    def search(
        query: str, page: int, article_ids: list[str] | None, outlets: list[str] | None, since: str, until: str,
        mentions: list[str] | None,
    ) -> tuple[str, int]:
        page = max(1, int(page or 1))
        found = assistant.search(query, page=page, filters=filters_from(article_ids, outlets, since, until, mentions))
        return search_html(found), page

    def search_next(query: str, page: int, *filters: Any) -> tuple[str, int]:
        return search(query, int(page or 1) + 1, *filters)

    def search_previous(query: str, page: int, *filters: Any) -> tuple[str, int]:
        return search(query, int(page or 1) - 1, *filters)

    @shown_errors
    def run_batch(
        text: str, article_ids: list[str] | None, outlets: list[str] | None, since: str, until: str,
        mentions: list[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        questions = limited(parse_questions(text or "", "txt"))
        if not questions:
            raise gr.Error("Write one question per line first.")
        if len(questions) > WEB_BATCH_QUESTIONS:
            raise gr.Error(
                f"{len(questions)} questions: the web chat answers up to {WEB_BATCH_QUESTIONS} at once; for more, "
                "use qa batch FILE --out answers.csv or POST /api/batch"
            )
        rows: list[Any] = []
        filters = filters_from(article_ids, outlets, since, until, mentions)
        for row in assistant.batch(questions, filters=filters):
            rows.append(row)
            yield batch_html(rows, f"{len(rows)} of {len(questions)} answered…"), gr.skip()
        out = Path(tempfile.mkdtemp(prefix="qa-batch-")) / "answers.csv"
        out.write_text(rows_csv(rows), encoding="utf-8")
        bad = sum(1 for row in rows if row.error)
        yield batch_html(rows, f"{len(rows) - bad} answered, {bad} bad rows"), gr.update(value=str(out), visible=True)

    def watch_state() -> tuple[str, str, Any]:
        watches = assistant.watches()
        choices = [(w.question, w.id) for w in sorted(watches, key=lambda w: (-w.unread, w.created))]
        return watches_html(watches), badge_html(watches), gr.update(choices=choices)

    @shown_errors
    def show_watches() -> tuple[str, str, Any]:
        return watch_state()

    @shown_errors
    def watch_last(
        turns: list[Turn], article_ids: list[str] | None, outlets: list[str] | None, since: str, until: str,
        mentions: list[str] | None,
    ) -> tuple[Any, ...]:
        if not turns:
            raise gr.Error("Ask a question first: the last question of the conversation is the one watched.")
        question = turns[-1]["question"]
        watched = assistant.watch(question, filters=filters_from(article_ids, outlets, since, until, mentions))
        note = hint_html(f"Watching “{watched.question}”: it is answered again after every change to the index.")
        return (note, *watch_state())

    @shown_errors
    def open_watch(watch_id: str | None) -> tuple[str, str, str]:
        if not watch_id:
            return hint_html("Pick a watched question to see its history."), gr.skip(), gr.skip()
        # Marking news read is a change to what is saved: only a signed-in user (the server has a token) does it.
        watch = assistant.read_watch(watch_id) if uploads else assistant.get_watch(watch_id)
        watches = assistant.watches()
        return render(WATCH_HISTORY, watch=watch), watches_html(watches), badge_html(watches)

    def reset() -> tuple[Any, ...]:
        return [], [], gr.update(choices=[], value=None, label="Sources"), hint_html(VIEWER_HINT), ""

    with gr.Blocks(title="Newsroom Q&A", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Newsroom Q&A\nAsk about the indexed articles. Every answer quotes the sentences it rests on and "
            "cites article and paragraph; when the articles don't answer, it says so. "
            "Follow-up questions use the conversation so far. HTTP API: [/docs](/docs)."
        )
        badge = gr.HTML("", elem_id="qa-badge")
        turns = gr.State([])
        page = gr.State(1)
        first_page = gr.State(1)
        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("Chat", id="chat", elem_id="qa-tab-chat"), gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Chat",
                            elem_id="qa-chat",
                            height=480,
                            render_markdown=False,  # answers and articles are text: no markdown images or links
                            sanitize_html=True,
                            latex_delimiters=[],
                            allow_tags=False,
                            feedback_options=None,
                            buttons=["copy"],
                            placeholder="Ask a question about the articles, or try an example below. "
                            "Follow-up questions (“How many staff back those claims?”) build on the conversation.",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                show_label=False,
                                placeholder="Ask about the articles…",
                                elem_id="qa-question",
                                scale=5,
                                submit_btn=False,
                            )
                            ask = gr.Button("Ask", variant="primary", elem_id="qa-ask", scale=1)
                        gr.Examples(examples(assistant), inputs=[question], label="Examples", api_visibility="private")
                        with gr.Row():
                            new_chat = gr.Button("New conversation", size="sm", elem_id="qa-new")
                            if uploads:
                                watch_button = gr.Button(
                                    "Watch this question", size="sm", elem_id="qa-watch-button"
                                )
                        watch_note = gr.HTML("" if uploads else hint_html(WATCHES_OFF), elem_id="qa-watch-note")
                    with gr.Column(scale=2):
                        sources = gr.Radio(choices=[], label="Sources", elem_id="qa-sources", interactive=True)
                        viewer = gr.HTML(
                            hint_html(VIEWER_HINT),
                            label="Source viewer",
                            elem_id="qa-viewer",
                            js_on_load=SCROLL_JS,
                            container=True,
                            padding=True,
                        )
            with gr.Tab("Search", id="search", elem_id="qa-tab-search"):
                with gr.Row():
                    query = gr.Textbox(
                        show_label=False, placeholder="Words or a question: the articles that match, best first",
                        elem_id="qa-search-query", scale=5, submit_btn=False,
                    )  # fmt: skip
                    find = gr.Button("Search", variant="primary", elem_id="qa-search-button", scale=1)
                with gr.Row():
                    previous_page = gr.Button("Previous page", size="sm", elem_id="qa-search-previous")
                    next_page = gr.Button("Next page", size="sm", elem_id="qa-search-next")
                results = gr.HTML(hint_html("Search lists articles, each with the paragraphs that match."),
                                  elem_id="qa-search-results")  # fmt: skip
            with gr.Tab("Questions in bulk", id="batch", elem_id="qa-tab-batch"):
                batch_text = gr.Textbox(
                    lines=8, label="Questions, one per line (the filters apply to all)", elem_id="qa-batch-questions"
                )
                run = gr.Button("Answer them all", variant="primary", elem_id="qa-batch-button")
                # A download button, not a file component: nothing here can upload.
                batch_file = gr.DownloadButton("Download the answers (CSV)", visible=False, elem_id="qa-batch-file")
                batch_table = gr.HTML(elem_id="qa-batch-results")
            with gr.Tab("Watched questions", id="watches", elem_id="qa-tab-watches"):
                watch_table = gr.HTML(elem_id="qa-watches")
                watch_pick = gr.Dropdown(choices=[], label="History of", elem_id="qa-watch-pick")
                watch_history = gr.HTML(elem_id="qa-watch-history")
        with gr.Accordion("Filters (apply to the chat, search and questions in bulk)", open=False), gr.Row():
            # Choices are filled per page load; custom values let an id typed (or sent by a client) through to
            # the Assistant, which says clearly when it is not in the index.
            article_filter = gr.Dropdown(
                choices=[], multiselect=True, allow_custom_value=True, label="Articles", elem_id="qa-filter-articles"
            )
            outlet_filter = gr.Dropdown(
                choices=[], multiselect=True, allow_custom_value=True, label="Outlets", elem_id="qa-filter-outlets"
            )
            mention_filter = gr.Dropdown(
                choices=[], multiselect=True, label="Mentions (people, organisations, places)",
                elem_id="qa-filter-mentions",
            )  # fmt: skip
            since = gr.Textbox(label="From (yyyy-mm-dd)", elem_id="qa-filter-since")
            until = gr.Textbox(label="Until (yyyy-mm-dd)", elem_id="qa-filter-until")
        with gr.Accordion("Articles", open=False):
            open_article = gr.Dropdown(
                choices=[], allow_custom_value=True, label="Open an article in the viewer", elem_id="qa-open"
            )
            article_list = gr.HTML(label="Indexed articles", elem_id="qa-articles")
        with gr.Accordion("Add articles", open=False, elem_id="qa-add"):
            if uploads:
                files = gr.File(
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    label="Article files (.txt .md .html .jsonl, and NAME.meta.json for metadata)",
                    elem_id="qa-files",
                )
                add = gr.Button("Add to the index", elem_id="qa-add-button")
                report = gr.HTML(label="Ingest report", elem_id="qa-report")
            else:
                gr.HTML(hint_html(UPLOADS_OFF), elem_id="qa-uploads-off")

        # Every event is private: the web chat is for the page; programs use /api, the one documented API.
        private: dict[str, Any] = {"api_visibility": "private"}
        lists = [article_list, article_filter, outlet_filter, open_article, mention_filter]
        filters = [article_filter, outlet_filter, since, until, mention_filter]
        chat_inputs = [question, turns, *filters]
        watched = [watch_table, badge, watch_pick]
        chat_outputs = [chatbot, turns, sources, viewer, question]
        ask.click(respond, chat_inputs, chat_outputs, **private)
        question.submit(respond, chat_inputs, chat_outputs, **private)
        chatbot.select(pick_answer, [turns], [sources], **private)
        sources.input(show_source, [sources, turns], [viewer], **private)
        open_article.input(show_article, [open_article], [viewer], **private)
        new_chat.click(reset, None, chat_outputs, **private)
        chatbot.clear(reset, None, chat_outputs, **private)
        find.click(search, [query, first_page, *filters], [results, page], **private)
        query.submit(search, [query, first_page, *filters], [results, page], **private)
        next_page.click(search_next, [query, page, *filters], [results, page], **private)
        previous_page.click(search_previous, [query, page, *filters], [results, page], **private)
        run.click(run_batch, [batch_text, *filters], [batch_table, batch_file], **private)
        watch_pick.input(open_watch, [watch_pick], [watch_history, watch_table, badge], **private)
        if uploads:
            # preprocess=False: the handler checks the paths it is given before anything reads them.
            add.click(add_files, [files], [report, files, *lists, *watched], preprocess=False, **private)
            watch_button.click(watch_last, [turns, *filters], [watch_note, *watched], **private)
        demo.load(refresh, None, lists, **private)
        demo.load(show_watches, None, watched, **private)
    return demo


def _sources_label(turns: list[Turn], index: int) -> str:
    return f"Sources of answer {index + 1}" if 0 <= index < len(turns) else "Sources"


def mount_ui(
    api: FastAPI, assistant: Assistant, settings: Settings, token_matches: Callable[[str, str], bool]
) -> FastAPI:
    """Mount the web chat at / of the API app (the API's own routes, registered first, take precedence).
    With a token set, the chat asks for it (any user name, the token as password) before anything runs;
    `token_matches(given, token)` compares them."""
    import gradio as gr

    token = settings.server.api_token

    def signed_in(username: str, password: str) -> bool:
        return token is not None and token_matches(password, token)

    demo = build_ui(assistant, uploads=token is not None)
    # gradio refuses event payloads naming files that were not uploaded only once a Blocks has launched; a
    # mounted Blocks never launches, so without this any file the server can read could be named in an event.
    demo.has_launched = True
    return gr.mount_gradio_app(
        api,
        demo,
        path="/",
        auth=signed_in if token is not None else None,
        auth_message="This newsroom Q&A server needs its access token (QA_SERVER_API_TOKEN) as the password; "
        "any user name will do." if token is not None else None,
        server_name=settings.server.host,
        server_port=settings.server.port,
        footer_links=[],
        run_history=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
        enable_monitoring=False,
        show_error=True,
        max_file_size=settings.server.max_upload_bytes,
        css=CSS,
    )


if __name__ == "__main__":  # `python app.py [--port N]` is `qa serve [--port N]`
    sys.argv = ["qa", "serve", *sys.argv[1:]]
    runpy.run_module("qa", run_name="__main__", alter_sys=True)
