"""Watches: what counts as news between two answers, and the file beside the index."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from qa.errors import CorruptIndexError, UnknownWatchError
from qa.records import Answer, Citation, Report
from qa.watch import Snapshot, WatchList, changes, watch_id


def answer(short: str | None, *sources: tuple[str, int], reported_by: tuple[str, ...] = ()) -> Answer:
    if not sources:
        return Answer("Q?", "The articles don't say.", True)
    citations = tuple(
        Citation(n, a, "T", p, "text", f"quote {a} {p}",
                 corroborated_by=tuple(Report(r, "T", 1, "q") for r in reported_by) if n == 1 else ())
        for n, (a, p) in enumerate(sources, start=1)
    )  # fmt: skip
    return Answer("Q?", "A [1]", False, citations, short_answer=short)


def test_what_counts_as_news() -> None:
    none, forty = Snapshot.of(answer(None)), Snapshot.of(answer("40", ("a", 1)))
    assert changes(none, forty) == ["now answered"]
    assert changes(forty, none) == ["no longer answered"]
    assert changes(none, none) == [] and changes(forty, forty) == []
    assert changes(forty, Snapshot.of(answer("35", ("b", 2)))) == ["the answer changed: 40 → 35", "1 new citation"]
    assert changes(forty, Snapshot.of(answer("40", ("a", 1), reported_by=("c",)))) == ["also reported by c"]
    assert changes(Snapshot.of(answer("40", ("a", 1), ("b", 2))), forty) == ["fewer citations"]


def test_the_same_question_is_the_same_watch_and_news_is_counted(tmp_path: Path) -> None:
    watches = WatchList(tmp_path / "watches.json")
    first = watches.add("How many?", None, answer(None))
    assert watches.add("  how MANY? ", None, answer(None)).id == first.id == watch_id("how many?", None)
    assert watches.add("How many?", {"outlets": ["X"]}, answer(None)).id != first.id
    changed = watches.record({first.id: answer("40", ("a", 1))})
    assert [w.id for w in changed] == [first.id]
    saved = watches.get(first.id)
    assert saved.unread == 1 and saved.changes[-1].what == ["now answered"]
    assert watches.record({first.id: answer("40", ("a", 1))}) == []  # no change, no news
    assert watches.read(first.id).unread == 0
    watches.remove(first.id)
    with pytest.raises(UnknownWatchError, match="qa watch list"):
        watches.get(first.id)
    assert len(WatchList(tmp_path / "watches.json").all()) == 1  # saved: a new list reads the file


def test_concurrent_adds_lose_nothing(tmp_path: Path) -> None:
    watches = WatchList(tmp_path / "watches.json")
    threads = [
        threading.Thread(target=lambda i=i: WatchList(watches.path).add(f"Question {i}?", None, answer(None)))
        for i in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(watches.all()) == 20


def test_a_damaged_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "watches.json"
    path.write_text("{not json")
    with pytest.raises(CorruptIndexError, match=r"move watches\.json"):
        WatchList(path).all()
    path.write_text(json.dumps([{"id": "x"}]))
    with pytest.raises(CorruptIndexError):
        WatchList(path).all()
