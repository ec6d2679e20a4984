"""The `qa` command line: ingest, ask, chat, eval, articles, remove, serve."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.offline import set_offline_env

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.records import Answer
    from qa.settings import Settings


def _index_options(nested: bool) -> argparse.ArgumentParser:
    """--index-dir, --chroma-url and -v. After a nested action ("qa watch add --index-dir D") their defaults are
    suppressed, so they never overwrite what was given before the action ("qa watch --index-dir D add")."""
    parser = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS if nested else None)
    parser.add_argument("--index-dir", type=Path, help="index directory (default: QA_INDEX_DIR or ./.qa-index)")
    parser.add_argument("--chroma-url", help="use a chroma server, e.g. http://127.0.0.1:8000 (QA_CHROMA_URL)")
    verbose = parser.add_argument("-v", "--verbose", action="count", help="more logging (-vv for debug)")
    if not nested:
        verbose.default = 0
    return parser


def _parser() -> argparse.ArgumentParser:
    common = _index_options(nested=False)
    nested = _index_options(nested=True)

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--k", type=int, help="chunks to retrieve (default: QA_RETRIEVAL_K or 5)")
    filters.add_argument("--article", action="append", default=[], metavar="ID", help="only this article (repeatable)")
    filters.add_argument("--outlet", action="append", default=[], help="only this outlet (repeatable)")
    filters.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after")
    filters.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before")
    filters.add_argument("--person", action="append", default=[], help="only articles mentioning this person")
    filters.add_argument(
        "--organisation", action="append", default=[], help="only articles mentioning this organisation"
    )
    filters.add_argument("--place", action="append", default=[], help="only articles mentioning this place")

    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about news articles; every answer cites the article and paragraph.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="add or update articles (files or folders)")
    p.add_argument("paths", nargs="+", type=Path, help=".txt, .md, .html, .jsonl files or folders of them")
    p.add_argument("--prune", action="store_true", help="remove indexed articles whose files are gone")
    p.add_argument("--rebuild", action="store_true", help="delete the index first (e.g. to change the model)")
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")

    p = sub.add_parser("ask", parents=[common, filters], help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the full answer as JSON")
    p.add_argument("--history", type=Path, help='JSON file: [{"role": "user"|"assistant", "content": ...}]')

    sub.add_parser("chat", parents=[common, filters], help="chat in the terminal, with follow-up questions")

    p = sub.add_parser("eval", parents=[common], help="run a question set and report citation-level metrics")
    p.add_argument("questions", type=Path, help="JSONL question set (see eval/questions.jsonl)")
    p.add_argument("--k", type=int, default=5, help="chunks retrieved per question (default 5)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("eval/out"),
        help="where results.jsonl, metrics.json and report.html go (default eval/out)",
    )
    p.add_argument(
        "--compare",
        help="comma-separated configurations over the same index: retrieval modes and/or answer engines, "
        "e.g. bm25,dense,hybrid or extractive,llm",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        help="a JSONL corpus (id, title, date, paragraphs) whose stories the question set names (index_ids, "
        "article_ids, related_ids): they are indexed into OUT/index-NAME (or --index-dir) first",
    )

    p = sub.add_parser("articles", parents=[common], help="list the indexed articles")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("watch", parents=[common], help="questions answered again after every ingest")
    watch = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    w = watch.add_parser("add", parents=[nested, filters], help="watch a question (answered now and after each ingest)")
    w.add_argument("question")
    watch.add_parser("list", parents=[nested], help="the watched questions, news first")
    w = watch.add_parser("show", parents=[nested], help="one watch's answer and history (marks its news read)")
    w.add_argument("watch_id")
    w = watch.add_parser("remove", parents=[nested], help="stop watching")
    w.add_argument("watch_id")
    for w in watch.choices.values():
        w.add_argument("--json", action="store_true")

    p = sub.add_parser("batch", parents=[common, filters], help="answer a list of questions into a CSV or JSONL")
    p.add_argument("questions", type=Path, help=".csv (a 'question' column), .jsonl or .txt (one per line)")
    p.add_argument("--out", type=Path, required=True, help="answers.csv (one row per question) or answers.jsonl")

    p = sub.add_parser("search", parents=[common, filters], help="the articles that match, best first")
    p.add_argument("query")
    p.add_argument("--page", type=int, default=1, help="which page of results (default 1)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("quotes", parents=[common], help="who said what: the quotes in the articles")
    p.add_argument("--speaker", help="words of the speaker's name, role or organisation")
    p.add_argument("--article", metavar="ID", help="only this article")
    p.add_argument("--side", help="staff, organisation, regulator, politician, union, expert or other")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("entities", parents=[common], help="the people, organisations and places mentioned")
    p.add_argument("--type", choices=["person", "organisation", "place"], help="only this kind")
    p.add_argument("--query", help="only names containing this")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50; 0 for all)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", parents=[common], help="remove an article from the index")
    p.add_argument("article_id")

    p = sub.add_parser("serve", parents=[common], help="serve the web chat and the HTTP API (/api, docs at /docs)")
    p.add_argument("--host", help="address to bind (default: QA_SERVER_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: QA_SERVER_PORT or 7860)")
    p.add_argument("--workers", type=int, help="worker processes (needs --chroma-url; default QA_SERVER_WORKERS or 1)")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings (QA_* environment) with the command line's flags applied: the one way flags override."""
    from pydantic import ValidationError

    from qa.errors import ConfigError
    from qa.request import describe
    from qa.settings import Settings

    server = {key: getattr(args, key, None) for key in ("host", "port", "workers")}
    try:
        return Settings().with_overrides(
            {"index_dir": args.index_dir, "chroma_url": args.chroma_url, "server": server}
        )
    except ValidationError as exc:
        raise ConfigError(f"Invalid settings: {describe(list(exc.errors()))}") from None


def _assistant(args: argparse.Namespace, create: bool = False, rebuild: bool = False) -> Assistant:
    from qa.assistant import Assistant

    return Assistant.open(settings=settings_from(args), create=create, rebuild=rebuild)


def _filters(args: argparse.Namespace) -> dict[str, Any] | None:
    raw = {
        "article_ids": args.article,
        "outlets": args.outlet,
        "date_from": args.since,
        "date_to": args.until,
        "people": args.person,
        "organisations": args.organisation,
        "places": args.place,
    }
    return {k: v for k, v in raw.items() if v} or None


def format_answer(answer: Answer) -> str:
    from qa.sources import who

    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            where = ", ".join(x for x in (c.outlet, c.date) if x)
            lines.append(f"  [{c.n}] {c.title}" + (f" ({where})" if where else ""))
            lines.append(f"      {c.article_id}, paragraph {c.paragraph}: “{c.quote}”")
            if c.speaker:
                lines.append(f"      — {who(c.speaker, c.role, c.organisation)}")
            if c.corroborated_by:
                lines.append(f"      also reported by: {', '.join(r.outlet or r.title for r in c.corroborated_by)}")
    return "\n".join(lines)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    # Rebuilt at open: an index built with another model or layout cannot be opened to be dropped later.
    assistant = _assistant(args, create=True, rebuild=args.rebuild)
    bar: tqdm[Any] | None = None

    def progress(done: int, total: int, source: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="article", file=sys.stderr, disable=None, dynamic_ncols=True)
        bar.update(1)

    try:
        report = assistant.ingest(args.paths, prune=args.prune, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for item in report.items:
            if item.status == "skipped" and len(report.items) > 50:
                continue
            print(
                f"{item.status:8} {item.source}: {item.detail}"
                if item.status == "rejected"
                else f"{item.status:8} {item.source} ({item.detail})"
            )
        print(report.summary())
        if report.watches_changed:
            print(f"{report.watches_changed} watched question(s) have a new answer: qa watch list")
    counts = report.counts
    return 1 if counts["rejected"] and not (counts["added"] or counts["updated"] or counts["skipped"]) else 0


def _load_history(path: Path | None) -> list[dict[str, str]] | None:
    from qa.errors import BadQuestionError

    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadQuestionError(f"Cannot read the history file {path}: {exc}") from exc
    if not isinstance(data, list):
        raise BadQuestionError(f"History file {path} must hold a JSON list of messages")
    return data


def _cmd_ask(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    answer = assistant.ask(args.question, history=_load_history(args.history), filters=_filters(args), k=args.k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from qa.errors import QAError

    assistant = _assistant(args)
    history: list[dict[str, str]] = []
    print("Ask about the articles. /reset starts a new conversation, /quit (or Ctrl-D) leaves.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return 0
        if question == "/reset":
            history.clear()
            print("(new conversation)")
            continue
        try:
            answer = assistant.ask(question, history=history, filters=_filters(args), k=args.k)
        except QAError as exc:
            print(f"error: {exc}")
            continue
        print(format_answer(answer))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]


def _cmd_eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from qa.evaluate import evaluate, is_quote_set

    assistant = _corpus_assistant(args) if args.corpus else _assistant(args)
    if is_quote_set(args.questions):
        return _eval_quotes(args, assistant)
    configs = [c.strip() for c in args.compare.split(",") if c.strip()] if args.compare else None
    with tqdm(unit="question", file=sys.stderr, disable=None, dynamic_ncols=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        run = evaluate(assistant, args.questions, k=args.k, configs=configs, progress=progress)
    for problem in run.problems:
        print(f"skipped {problem}", file=sys.stderr)
    paths = run.write(args.out)
    for name, summary in run.summaries.items():
        o = summary["overall"]
        print(
            f"{name}: {o['questions']} questions, passed {o['passed']}, hit@1 {o['hit@1']}, hit@k {o['hit@k']}, "
            f"MRR {o['mrr']}, first citation {o['first_citation']}, citation precision {o['citation_precision']}, "
            f"recall {o['citation_recall']}, answer contains {o['answer_contains']}, refusal rate {o['refused']}, "
            f"false refusals {o['false_refusal']}, answered correctly {o['answered_correctly']}, wrong answers "
            f"{o['wrong_of_given']} of {o['answers_given']} given, p50 {o['latency_p50_ms']} ms, "
            f"p95 {o['latency_p95_ms']} ms"
        )
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _eval_quotes(args: argparse.Namespace, assistant: Assistant) -> int:
    """Who said what, against a hand-labelled quote set (eval/quotes.jsonl)."""
    from qa.evaluate import load_quotes, score_quotes

    gold = load_quotes(args.questions)
    ids = sorted({g.article_id for g in gold})
    articles = assistant.retriever.articles(ids)
    metrics = score_quotes(gold, articles)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "quotes.json"
    path.write_text(json.dumps({"source": str(args.questions), **metrics}, indent=2), encoding="utf-8")
    print(", ".join(f"{key.replace('_', ' ')} {value}" for key, value in metrics.items()))
    print(f"wrote {path}")
    return 0


def _corpus_assistant(args: argparse.Namespace) -> Assistant:
    """An index of the corpus stories a question set names (made, or brought up to date, before it runs)."""
    import tempfile

    from qa.assistant import Assistant
    from qa.evaluate import corpus_ids, corpus_subset, is_quote_set, load_cases, load_quotes

    if is_quote_set(args.questions):
        ids = sorted({g.article_id for g in load_quotes(args.questions) if g.corpus != "bundled"})
    else:
        ids = corpus_ids(load_cases(args.questions).cases)
    index_dir = args.index_dir or args.out / f"index-{args.questions.stem}"
    settings = settings_from(args).with_overrides({"index_dir": index_dir})
    assistant = Assistant.open(settings=settings, create=True)
    with tempfile.TemporaryDirectory() as folder:
        subset = Path(folder) / f"{args.questions.stem}.jsonl"
        found = corpus_subset(args.corpus, ids, subset)
        if found < len(ids):
            print(f"warning: {len(ids) - found} of {len(ids)} named stories are not in {args.corpus}", file=sys.stderr)
        report = assistant.ingest([subset])
    print(f"corpus: {report.summary()} ({index_dir})", file=sys.stderr)
    return assistant


def _cmd_articles(args: argparse.Namespace) -> int:
    infos = _assistant(args).articles()
    if args.json:
        print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2))
        return 0
    for info in infos:
        where = ", ".join(x for x in (info.outlet, info.date) if x)
        print(f"{info.id}  {info.title}" + (f"  ({where})" if where else "") + f"  [{info.paragraphs} paragraphs]")
    print(f"{len(infos)} articles")
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    if args.action == "add":
        added = assistant.watch(args.question, filters=_filters(args))
        shown: Any = added.to_dict()
        text = f"watching {added.id}: {added.question}\nnow: {added.answer.answer}"
    elif args.action == "list":
        watches = sorted(assistant.watches(), key=lambda w: (-w.unread, w.created))
        shown = [w.to_dict(with_history=False) for w in watches]
        lines = [
            f"{w.id}  {'[' + str(w.unread) + ' new] ' if w.unread else ''}{w.question}  (checked {w.checked})"
            for w in watches
        ]
        text = "\n".join([*lines, f"{len(watches)} watches"])
    elif args.action == "show":
        one = assistant.read_watch(args.watch_id)
        shown = one.to_dict()
        lines = [f"{one.question}", f"now: {one.answer.answer}", ""]
        lines += [f"{c.at}: {'; '.join(c.what)}" for c in reversed(one.changes)] or ["no changes yet"]
        text = "\n".join(lines)
    else:
        assistant.unwatch(args.watch_id)
        shown, text = {"id": args.watch_id, "removed": True}, f"removed {args.watch_id}"
    print(json.dumps(shown, ensure_ascii=False, indent=2) if args.json else text)
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from qa.batch import RowWriter, read_questions
    from qa.errors import BadQuestionSetError

    kind = args.out.suffix.lower().lstrip(".")
    if kind not in ("csv", "jsonl"):
        raise BadQuestionSetError(f"--out {args.out}: answers are written as .csv or .jsonl")
    questions = read_questions(args.questions)
    assistant = _assistant(args)
    counts = {"answered": 0, "abstained": 0, "bad rows": 0}
    partial = args.out.with_name(args.out.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as out, tqdm(
        total=len(questions), unit="question", file=sys.stderr, disable=None, dynamic_ncols=True
    ) as bar:
        writer = RowWriter(out, kind)
        for row in assistant.batch(questions, filters=_filters(args), progress=lambda _: bar.update()):
            writer.write(row)
            counts["bad rows" if row.error else "abstained" if row.abstained else "answered"] += 1
            if row.error:
                bar.write(f"row {row.row}: {row.error}", file=sys.stderr)
    partial.replace(args.out)  # a batch stopped halfway leaves the .partial file, never a short answers file
    print(", ".join(f"{n} {name}" for name, n in counts.items()) + f"; wrote {args.out}")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    found = _assistant(args).search(args.query, k=args.k or 20, page=args.page, filters=_filters(args))
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return 0
    first = (found.page - 1) * found.k
    for i, result in enumerate(found.results, start=first + 1):
        where = ", ".join(x for x in (result.outlet, result.date) if x)
        print(f"{i}. {result.title}" + (f" ({where})" if where else "") + f"  [{result.article_id}]")
        for paragraph in result.paragraphs[:3]:
            print(f"   ¶{paragraph.n}: {_marked(paragraph.text, paragraph.highlights)}")
    if not found.results:
        print("No article matches.")
    elif found.more:
        print(f"more: qa search {json.dumps(args.query)} --page {found.page + 1}")
    return 0


def _marked(text: str, spans: list[tuple[int, int]], width: int = 220) -> str:
    """The paragraph with the query's words in **bold** (as markdown writes it), cut around the first one."""
    start = max(0, spans[0][0] - 60) if spans else 0
    out, at = [], start
    for a, b in spans:
        if a < start:
            continue
        out.append(text[at:a] + f"**{text[a:b]}**")
        at = b
    out.append(text[at:])
    shown = "".join(out)
    return ("…" if start else "") + (shown if len(shown) <= width else shown[: width - 1] + "…")


def _cmd_quotes(args: argparse.Namespace) -> int:
    rows = _assistant(args).quotes(speaker=args.speaker, article_id=args.article, side=args.side)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        said_by = ", ".join(x for x in (row.speaker, row.role, row.organisation) if x)
        print(f"{row.article_id} ¶{row.paragraph} [{row.side}] {said_by}: “{row.text}”")
    print(f"{len(rows)} quotes")
    return 0


def _cmd_entities(args: argparse.Namespace) -> int:
    found = _assistant(args).entities(type=args.type, query=args.query, limit=args.limit or None)
    if args.json:
        print(json.dumps([e.to_dict() for e in found], ensure_ascii=False, indent=2))
        return 0
    for entity in found:
        print(f"{entity.type:<12} {entity.name}  ({entity.mentions} mentions in {len(entity.articles)} articles)")
    print(f"{len(found)} entities")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    removed = _assistant(args).delete_article(args.article_id)
    print(f"removed {args.article_id} ({removed} chunks)")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from qa.serve import serve

    settings = settings_from(args)
    serve(settings, log_level=logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower())
    return 0


COMMANDS = {
    "ingest": _cmd_ingest,
    "ask": _cmd_ask,
    "chat": _cmd_chat,
    "eval": _cmd_eval,
    "articles": _cmd_articles,
    "watch": _cmd_watch,
    "batch": _cmd_batch,
    "search": _cmd_search,
    "quotes": _cmd_quotes,
    "entities": _cmd_entities,
    "remove": _cmd_remove,
    "serve": _cmd_serve,
}


def _log_level(verbose: int) -> int:
    """-v and -vv raise QA_LOG_LEVEL; the settings are not read here, so a bad setting is reported, not raised."""
    named = os.environ.get("QA_LOG_LEVEL", "WARNING").upper()
    base = logging.getLevelName(named) if named in ("DEBUG", "INFO", "WARNING", "ERROR") else logging.WARNING
    return max(logging.DEBUG, int(base) - 10 * verbose)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    set_offline_env()
    logging.basicConfig(level=_log_level(args.verbose), format="%(levelname)s %(name)s: %(message)s")
    from qa.errors import QAError

    try:
        return COMMANDS[args.command](args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns any failure into a message
        logging.getLogger(__name__).debug("unexpected failure", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc} (run with -vv for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
