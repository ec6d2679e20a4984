"""Questions that watch for new stories: saved beside the index, answered again after every change to it, with
a history of what changed (an answer where there was none, a figure that changed, new citations or reports)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.errors import BadQuestionError, CorruptIndexError, UnknownWatchError
from qa.records import Answer

MAX_WATCHES = 500
MAX_CHANGES = 100  # per watch: the oldest go first


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Snapshot:
    """What a watch compares between two answers: not the wording, the facts and sources."""

    abstained: bool
    short_answer: str | None
    answer: str
    citations: list[dict[str, Any]]  # {"n", "article_id", "paragraph", "quote"}
    reported_by: list[str]  # ids of other articles that report the first cited fact

    @classmethod
    def of(cls, answer: Answer) -> Snapshot:
        first = answer.citations[0] if answer.citations else None
        return cls(
            abstained=answer.abstained,
            short_answer=answer.short_answer,
            answer=answer.answer,
            citations=[
                {"n": c.n, "article_id": c.article_id, "paragraph": c.paragraph, "quote": c.quote}
                for c in answer.citations
            ],
            reported_by=sorted({r.article_id for r in first.corroborated_by}) if first else [],
        )

    def sources(self) -> set[tuple[str, int, str]]:
        return {(c["article_id"], c["paragraph"], c["quote"]) for c in self.citations}


def changes(old: Snapshot, new: Snapshot) -> list[str]:
    """What a reporter would call news between two answers to the same question."""
    if old.abstained and not new.abstained:
        return ["now answered"]
    if new.abstained and not old.abstained:
        return ["no longer answered"]
    if new.abstained:
        return []
    out = []
    if old.short_answer != new.short_answer and old.short_answer and new.short_answer:
        out.append(f"the answer changed: {old.short_answer} → {new.short_answer}")
    added = new.sources() - old.sources()
    if added:
        out.append(f"{len(added)} new citation{'s' if len(added) > 1 else ''}")
    if old.sources() - new.sources() and not added:
        out.append("fewer citations")
    more = sorted(set(new.reported_by) - set(old.reported_by))
    if more:
        out.append(f"also reported by {', '.join(more)}")
    return out


@dataclass
class Change:
    at: str
    what: list[str]
    answer: Snapshot


@dataclass
class Watch:
    id: str
    question: str
    filters: dict[str, Any] | None
    created: str
    checked: str
    answer: Snapshot
    changes: list[Change] = field(default_factory=list)
    unread: int = 0  # changes since the watch was last read

    def to_dict(self, with_history: bool = True) -> dict[str, Any]:
        out = asdict(self)
        if not with_history:
            out.pop("changes")
            out["last_change"] = asdict(self.changes[-1]) if self.changes else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Watch:
        return cls(
            id=data["id"],
            question=data["question"],
            filters=data.get("filters"),
            created=data["created"],
            checked=data["checked"],
            answer=Snapshot(**data["answer"]),
            changes=[Change(c["at"], c["what"], Snapshot(**c["answer"])) for c in data.get("changes", [])],
            unread=int(data.get("unread", 0)),
        )


def watch_id(question: str, filters: dict[str, Any] | None) -> str:
    """The same question with the same filters is one watch."""
    key = json.dumps([" ".join(question.lower().split()), filters or {}], sort_keys=True)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class WatchList:
    """The watches of one index, in `<index dir>/watches.json`. Every change is read-modify-write under a file
    lock, so two processes serving the same index never lose one another's watches."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Watch]]:
        """The watches, locked; what the block leaves in the dict is written back (atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                watches = self._read()
                before = json.dumps({k: w.to_dict() for k, w in watches.items()}, sort_keys=True)
                yield watches
                after = {k: w.to_dict() for k, w in watches.items()}
                if json.dumps(after, sort_keys=True) != before:
                    temp = self.path.with_suffix(".tmp")
                    temp.write_text(json.dumps(list(after.values()), ensure_ascii=False, indent=1), "utf-8")
                    os.replace(temp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Watch]:
        if not self.path.exists():
            return {}
        try:
            return {w["id"]: Watch.from_dict(w) for w in json.loads(self.path.read_text("utf-8"))}
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptIndexError(
                f"The saved watches beside the index cannot be read ({type(exc).__name__}); move watches.json "
                "out of the index folder to start again"
            ) from None

    def all(self) -> list[Watch]:
        with self._locked() as watches:
            return sorted(watches.values(), key=lambda w: w.created)

    def get(self, watch_id_: str) -> Watch:
        with self._locked() as watches:
            if watch_id_ not in watches:
                raise UnknownWatchError(f"No watch {watch_id_!r}; see: qa watch list")
            return watches[watch_id_]

    def add(self, question: str, filters: dict[str, Any] | None, answer: Answer) -> Watch:
        ident = watch_id(question, filters)
        with self._locked() as watches:
            if ident in watches:
                return watches[ident]
            if len(watches) >= MAX_WATCHES:
                raise BadQuestionError(
                    f"There are {MAX_WATCHES} watches already; remove some first (qa watch remove ID)"
                )
            stamp = now()
            watches[ident] = Watch(ident, question, filters, stamp, stamp, Snapshot.of(answer))
            return watches[ident]

    def remove(self, watch_id_: str) -> None:
        with self._locked() as watches:
            if watches.pop(watch_id_, None) is None:
                raise UnknownWatchError(f"No watch {watch_id_!r}; see: qa watch list")

    def read(self, watch_id_: str) -> Watch:
        with self._locked() as watches:
            if watch_id_ not in watches:
                raise UnknownWatchError(f"No watch {watch_id_!r}; see: qa watch list")
            watches[watch_id_].unread = 0
            return watches[watch_id_]

    def record(self, answers: dict[str, Answer]) -> list[Watch]:
        """Each watch's new answer (by id); the watches whose answer changed, with the change recorded."""
        changed = []
        with self._locked() as watches:
            stamp = now()
            for ident, answer in answers.items():
                watch = watches.get(ident)
                if watch is None:  # removed while it was being answered
                    continue
                new = Snapshot.of(answer)
                what = changes(watch.answer, new)
                watch.checked = stamp
                watch.answer = new
                if what:
                    watch.changes = [*watch.changes, Change(stamp, what, new)][-MAX_CHANGES:]
                    watch.unread += 1
                    changed.append(watch)
        return changed
