"""Reading article files (.txt, .md, .html, .jsonl) into raw articles: decoded text blocks plus stated metadata."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from index.errors import RejectedInput

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"  # metadata for the article file of the same stem
METADATA_FIELDS = ("title", "outlet", "author", "date", "url")

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RawArticle:
    """An article before cleaning: text blocks as found, metadata only as the source states it."""

    id: str
    blocks: tuple[str, ...]
    source: str
    metadata: dict[str, str] = field(default_factory=dict)
    markdown: bool = False


@dataclass(frozen=True)
class Rejection:
    """A file, or one line of a .jsonl file, that could not be read as an article."""

    source: str
    reason: str
    article_id: str | None = None


def article_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the article files they hold, sorted; files named directly are kept as given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and not child.name.endswith(SIDECAR_SUFFIX):
                    if child.suffix.lower() in SUPPORTED_SUFFIXES:
                        found.append(child)
                    else:
                        log.debug("skipping %s: not an article file", child)
        else:
            found.append(path)
    return found


def article_id_for(path: Path) -> str:
    return _ID_UNSAFE.sub("_", path.stem).strip("_") or "article"


def decode(data: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else the best legacy guess (cp1252 is common)."""
    if not data.strip():
        raise RejectedInput(f"{source}: the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RejectedInput(f"{source}: not valid UTF-16 text ({exc.reason})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise RejectedInput(f"{source}: looks like a binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(text[:20000]) // 100):
        raise RejectedInput(f"{source}: looks like a binary file (control characters), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_legacy(data: bytes) -> str:
    """Not UTF-8: Western newsrooms' legacy encoding is cp1252 (curly quotes, £, dashes). A text whose bytes are
    mostly above ASCII is another script (Cyrillic, Greek...), where charset-normalizer's guess is better."""
    high = sum(1 for byte in data if byte >= 0x80)
    letters = sum(1 for byte in data if byte >= 0x80 or chr(byte).isalpha())
    if high <= 0.3 * max(letters, 1):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass  # one of the five bytes cp1252 leaves undefined
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")


def read_file(path: Path, max_bytes: int) -> Iterator[RawArticle | Rejection]:
    """Yield the raw articles in a file (one, or one per .jsonl line) and a Rejection for each that fails."""
    source = str(path)
    suffix = path.suffix.lower()
    try:
        if not path.exists():
            raise RejectedInput(f"{source}: no such file")
        if suffix not in SUPPORTED_SUFFIXES:
            raise RejectedInput(
                f"{source}: unsupported file type {suffix or '(none)'!r}; "
                f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, max_bytes)
            return
        size = path.stat().st_size
        if size > max_bytes:
            raise RejectedInput(
                f"{source}: {size:,} bytes is over the {max_bytes:,}-byte limit (QA_INGEST_MAX_FILE_BYTES)"
            )
        text = decode(path.read_bytes(), source)
        metadata = _sidecar(path)
        if suffix in HTML_SUFFIXES:
            yield _from_html(text, article_id_for(path), source, metadata)
        else:
            yield _from_text(text, article_id_for(path), source, metadata, markdown=suffix in {".md", ".markdown"})
    except RejectedInput as exc:
        yield Rejection(source, str(exc), article_id_for(path))
    except OSError as exc:
        yield Rejection(source, f"{source}: cannot read the file ({exc.strerror or exc})", article_id_for(path))


def _sidecar(path: Path) -> dict[str, str]:
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RejectedInput(f"{sidecar}: metadata sidecar is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise RejectedInput(f"{sidecar}: metadata sidecar must be a JSON object")
    return _metadata(data, str(sidecar))


def _metadata(data: dict[str, object], source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in METADATA_FIELDS:
        value = data.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise RejectedInput(f"{source}: field {key!r} must be a string")
        out[key] = value.strip()
    return out


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str, source: str) -> dict[str, str]:
    """YAML front matter's metadata fields; a date or a number is taken as written."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RejectedInput(f"{source}: the front matter is not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise RejectedInput(f"{source}: the front matter must be 'key: value' lines")
    fields = {str(key).strip().lower(): value for key, value in data.items()}
    return _metadata(
        {key: value.isoformat() if isinstance(value, date) else value for key, value in fields.items()}, source
    )


def _from_text(text: str, article_id: str, source: str, metadata: dict[str, str], markdown: bool) -> RawArticle:
    match = _FRONT_MATTER.match(text)
    if match:
        metadata = {**_front_matter(match.group(1), source), **metadata}
        text = text[match.end() :]
    blocks = tuple(block for block in re.split(r"\n[ \t]*\n", text) if block.strip())
    if not blocks:
        raise RejectedInput(f"{source}: no text in the file")
    return RawArticle(article_id, blocks, source, metadata, markdown=markdown)


def _from_html(html: str, article_id: str, source: str, metadata: dict[str, str]) -> RawArticle:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        # Only dates the page states in its markup; no guessing from URLs or body text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise RejectedInput(f"{source}: no article text found in the HTML")
    found = {
        "title": getattr(doc, "title", None),
        "outlet": getattr(doc, "sitename", None),
        "author": getattr(doc, "author", None),
        "date": getattr(doc, "date", None),
        "url": getattr(doc, "url", None),
    }
    stated = {k: v.strip() for k, v in found.items() if isinstance(v, str) and v.strip()}
    blocks = tuple(line for line in text.split("\n") if line.strip())
    return RawArticle(article_id, blocks, source, {**stated, **metadata})


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[RawArticle | Rejection]:
    seen: set[str] = set()
    any_line = False
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            source = f"{path}:{number}"
            if not line.strip():
                continue
            any_line = True
            try:
                if len(line) > max_bytes:
                    raise RejectedInput(f"{source}: line of {len(line):,} bytes is over the {max_bytes:,}-byte limit")
                raw = _jsonl_article(decode(line, source), source)
                if raw.id in seen:
                    raise RejectedInput(f"{source}: duplicate id {raw.id!r} in the same file")
                seen.add(raw.id)
                yield raw
            except RejectedInput as exc:
                yield Rejection(source, str(exc))
    if not any_line:
        yield Rejection(str(path), f"{path}: the file is empty")


def _jsonl_article(line: str, source: str) -> RawArticle:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RejectedInput(f"{source}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise RejectedInput(f"{source}: each line must be a JSON object")
    raw_id = data.get("id")
    if raw_id is None or str(raw_id).strip() == "":
        raise RejectedInput(f"{source}: missing 'id'")
    article_id = _ID_UNSAFE.sub("_", str(raw_id)).strip("_") or "article"
    paragraphs = data.get("paragraphs")
    text = data.get("text")
    if paragraphs is not None:
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise RejectedInput(f"{source}: 'paragraphs' must be a list of strings")
        blocks = tuple(p for p in paragraphs if p.strip())
    elif isinstance(text, str):
        blocks = tuple(b for b in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if b.strip())
    else:
        raise RejectedInput(f"{source}: needs 'text' (a string) or 'paragraphs' (a list of strings)")
    if not blocks:
        raise RejectedInput(f"{source}: article {article_id!r} has no text")
    return RawArticle(article_id, blocks, source, _metadata(data, source))
