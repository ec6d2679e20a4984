"""The web chat (gradio): questions with follow-ups, numbered sources, a source viewer, filters and uploads."""

from __future__ import annotations

import html
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qa.cli import set_offline_env

set_offline_env()  # before gradio is imported: no analytics, no hub
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # even if the environment says otherwise: nothing calls out

import gradio as gr  # noqa: E402

from qa.errors import QAError  # noqa: E402
from qa.records import Answer  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

    from index.ingest import IngestReport
    from index.store import ArticleInfo
    from qa.assistant import Assistant
    from qa.settings import Settings

log = logging.getLogger(__name__)

# A turn of the conversation as the state keeps it: the question as asked and the answer's to_dict().
Turn = dict[str, Any]

# For a first-time user of the bundled articles (what `make run` indexes); any question about the index works.
EXAMPLES = [
    "How many cases did one Worcestershire social worker have?",
    "What did Worcestershire's chief executive say about the claims?",
    "What did the union say about Southampton?",
]
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
#qa-viewer .qa-hint, .qa-hint { color: var(--body-text-color-subdued); }
.qa-table table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.qa-table th, .qa-table td { text-align: left; padding: .25rem .4rem;
  border-bottom: 1px solid var(--border-color-primary); }
.qa-report .qa-rejected td { color: var(--error-text-color, #b91c1c); }
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


def esc(text: object) -> str:
    """Text shown as text: every article and answer string goes through this before it reaches the page."""
    return html.escape(str(text), quote=True)


def lines(text: str) -> str:
    return esc(text).replace("\n", "<br>")


# -- rendering (pure functions: text in, escaped HTML out) -----------------------------------------------------


def source_label(citation: dict[str, Any]) -> str:
    """'[1] Title (Outlet, 2022-03-01), paragraph 9: “quote”' as plain text."""
    where = ", ".join(str(x) for x in (citation.get("outlet"), citation.get("date")) if x)
    head = f"[{citation['n']}] {citation['title']}" + (f" ({where})" if where else "")
    return f"{head}, paragraph {citation['paragraph']}: “{citation['quote']}”"


def answer_html(answer: dict[str, Any]) -> str:
    """An assistant message: the answer, then its numbered sources; an abstention says so."""
    parts = [lines(answer["answer"])]
    if answer["abstained"]:
        parts.append('<br><em class="qa-hint">No passage in the indexed articles answers this.</em>')
    if answer["citations"]:
        items = "".join(f"<li>{esc(source_label(c))}</li>" for c in answer["citations"])
        parts.append(f'<br><strong>Sources</strong><ul class="qa-sources">{items}</ul>')
    return "".join(parts)


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
    """The Sources list for turn `index`: (label, 'turn:n')."""
    if not 0 <= index < len(turns):
        return []
    return [(source_label(c), f"{index}:{c['n']}") for c in turns[index]["answer"]["citations"]]


def article_html(article: Any, cited: int | None = None, quote: str | None = None) -> str:
    """The article with numbered paragraphs; the cited one highlighted (and the quoted sentence marked)."""
    meta = " · ".join(esc(x) for x in (article.outlet, article.date, article.author) if x)
    rows = []
    for number, text in enumerate(article.paragraphs, start=1):
        body = esc(text)
        if number == cited and quote and quote in text:
            before, _, after = text.partition(quote)
            body = f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"
        classes = "qa-paragraph qa-cited" if number == cited else "qa-paragraph"
        rows.append(
            f'<p class="{classes}" id="qa-p-{number}" data-n="{number}">'
            f'<span class="qa-pn">{number}</span><span class="qa-pt">{body}</span></p>'
        )
    return (
        f'<div class="qa-article" data-article="{esc(article.id)}" data-cited="{cited or ""}">'
        f'<div class="qa-article-title">{esc(article.title)}</div>'
        f'<p class="qa-article-meta">{meta + " · " if meta else ""}{esc(article.id)}</p>'
        f"{''.join(rows)}</div>"
    )


def hint_html(text: str) -> str:
    return f'<p class="qa-hint">{esc(text)}</p>'


def articles_table(infos: list[ArticleInfo]) -> str:
    if not infos:
        return hint_html("No articles are indexed yet: add some below.")
    rows = "".join(
        f"<tr><td>{esc(i.title)}</td><td>{esc(i.outlet or '')}</td><td>{esc(i.date or '')}</td>"
        f"<td>{i.paragraphs}</td><td><code>{esc(i.id)}</code></td></tr>"
        for i in infos
    )
    return (
        f'<div class="qa-table"><p>{len(infos)} articles</p><table><thead><tr><th>Title</th><th>Outlet</th>'
        f"<th>Date</th><th>¶</th><th>Id</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def report_html(report: IngestReport) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n) or "nothing to add"
    rows = "".join(
        f'<tr class="qa-{esc(i.status)}"><td>{esc(i.source)}</td><td>{esc(i.status)}</td><td>{esc(i.detail)}</td></tr>'
        for i in report.items
    )
    return (
        f'<div class="qa-table qa-report"><p><strong>{esc(counts)}</strong></p><table><thead><tr><th>File</th>'
        f"<th>Status</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def filters_from(article_ids: list[str] | None, outlets: list[str] | None, since: str, until: str) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "article_ids": article_ids or [],
        "outlets": outlets or [],
        "date_from": (since or "").strip(),
        "date_to": (until or "").strip(),
    }
    return {key: value for key, value in raw.items() if value}


F = TypeVar("F", bound=Callable[..., Any])


def shown_errors(fn: F) -> F:
    """The project's errors are shown to the user as they are; anything else is logged, never shown raw."""
    import functools
    import inspect

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except (QAError, gr.Error) as exc:
                raise exc if isinstance(exc, gr.Error) else gr.Error(str(exc)) from None
            except Exception as exc:
                log.exception("web chat: %s failed", fn.__name__)
                raise gr.Error(UNEXPECTED) from exc

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except QAError as exc:
            raise gr.Error(str(exc)) from None
        except Exception as exc:
            log.exception("web chat: %s failed", fn.__name__)
            raise gr.Error(UNEXPECTED) from exc

    return wrapper  # type: ignore[return-value]


# -- the page ----------------------------------------------------------------------------------------------------


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The Blocks of the web chat, wired to `assistant`; every answer, article and report goes through it."""

    def listing() -> tuple[str, Any, Any, Any]:
        infos = assistant.articles()
        articles = [(f"{i.title} ({i.id})", i.id) for i in infos]
        outlets = sorted({i.outlet for i in infos if i.outlet})
        return (
            articles_table(infos),
            gr.update(choices=articles),
            gr.update(choices=outlets),
            gr.update(choices=articles),
        )

    @shown_errors
    def refresh() -> tuple[str, Any, Any, Any]:
        return listing()

    @shown_errors
    def respond(
        question: str,
        turns: list[Turn],
        article_ids: list[str] | None,
        outlets: list[str] | None,
        since: str,
        until: str,
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
        filters = filters_from(article_ids, outlets, since, until)
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

    @shown_errors
    def show_source(choice: str | None, turns: list[Turn]) -> str:
        if not choice:
            return hint_html(VIEWER_HINT)
        turn, _, n = choice.partition(":")
        citations = turns[int(turn)]["answer"]["citations"]
        citation = next(c for c in citations if str(c["n"]) == n)
        article = assistant.article(citation["article_id"])
        return article_html(article, cited=int(citation["paragraph"]), quote=citation["quote"])

    @shown_errors
    def show_article(article_id: str | None) -> str:
        return article_html(assistant.article(article_id)) if article_id else hint_html(VIEWER_HINT)

    @shown_errors
    def add_files(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            raise gr.Error("Choose one or more .txt, .md, .html or .jsonl files first.")

        def step(done: int, total: int, source: str) -> None:
            progress((done, total), desc=f"Indexing {Path(source.split(':')[0]).name}")

        handles = [open(path, "rb") for path in files]  # noqa: SIM115 - closed below, after the ingest
        try:
            # gradio keeps each upload under its original name, so the article id is the file's stem.
            report = assistant.ingest_uploads(((Path(p).name, h) for p, h in zip(files, handles, strict=True)), step)
        finally:
            for handle in handles:
                handle.close()
        return (report_html(report), None, *listing())

    def reset() -> tuple[Any, ...]:
        return [], [], gr.update(choices=[], value=None, label="Sources"), hint_html(VIEWER_HINT), ""

    with gr.Blocks(title="Newsroom Q&A", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Newsroom Q&A\nAsk about the indexed articles. Every answer quotes the sentences it rests on and "
            "cites article and paragraph; when the articles don't answer, it says so. "
            "Follow-up questions use the conversation so far. HTTP API: [/docs](/docs)."
        )
        turns = gr.State([])
        with gr.Row(equal_height=False):
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
                gr.Examples(EXAMPLES, inputs=[question], label="Examples")
                new_chat = gr.Button("New conversation", size="sm", elem_id="qa-new")
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
        with gr.Accordion("Filters (apply to the chat)", open=False), gr.Row():
            # Choices are filled per page load; custom values let an id typed (or sent by a client) through to
            # the Assistant, which says clearly when it is not in the index.
            article_filter = gr.Dropdown(
                choices=[], multiselect=True, allow_custom_value=True, label="Articles", elem_id="qa-filter-articles"
            )
            outlet_filter = gr.Dropdown(
                choices=[], multiselect=True, allow_custom_value=True, label="Outlets", elem_id="qa-filter-outlets"
            )
            since = gr.Textbox(label="From (yyyy-mm-dd)", elem_id="qa-filter-since")
            until = gr.Textbox(label="Until (yyyy-mm-dd)", elem_id="qa-filter-until")
        with gr.Accordion("Articles", open=False):
            open_article = gr.Dropdown(
                choices=[], allow_custom_value=True, label="Open an article in the viewer", elem_id="qa-open"
            )
            article_list = gr.HTML(label="Indexed articles", elem_id="qa-articles")
        with gr.Accordion("Add articles", open=False, elem_id="qa-add"):
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label="Article files (.txt .md .html .jsonl, and NAME.meta.json for metadata)",
                elem_id="qa-files",
            )
            add = gr.Button("Add to the index", elem_id="qa-add-button")
            report = gr.HTML(label="Ingest report", elem_id="qa-report")

        lists = [article_list, article_filter, outlet_filter, open_article]
        chat_inputs = [question, turns, article_filter, outlet_filter, since, until]
        chat_outputs = [chatbot, turns, sources, viewer, question]
        ask.click(respond, chat_inputs, chat_outputs, api_name="ask")
        question.submit(respond, chat_inputs, chat_outputs, api_visibility="private")
        chatbot.select(pick_answer, [turns], [sources], api_visibility="private")
        sources.input(show_source, [sources, turns], [viewer], api_name="show_source")
        open_article.input(show_article, [open_article], [viewer], api_name="show_article")
        new_chat.click(reset, None, chat_outputs, api_name="reset")
        chatbot.clear(reset, None, chat_outputs, api_visibility="private")
        add.click(add_files, [files], [report, files, *lists], api_name="add_articles")
        demo.load(refresh, None, lists, api_name="articles")
    return demo


def _sources_label(turns: list[Turn], index: int) -> str:
    return f"Sources of answer {index + 1}" if 0 <= index < len(turns) else "Sources"


def mount_ui(api: FastAPI, assistant: Assistant, settings: Settings) -> FastAPI:
    """Mount the web chat at / of the API app (the API's own routes, registered first, take precedence)."""
    return gr.mount_gradio_app(
        api,
        build_ui(assistant),
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        footer_links=[],
        run_history=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
        enable_monitoring=False,
        show_error=True,
        max_file_size=settings.max_upload_bytes,
        css=CSS,
    )


if __name__ == "__main__":  # `python app.py [--port N]` is `qa serve`
    from qa.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
