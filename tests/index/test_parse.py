"""Reading files: formats, decoding, and every kind of bad input getting a clear rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.clean import clean
from index.errors import RejectedInput
from index.parse import RawArticle, Rejection, article_files, decode, read_file


def read_one(path: Path, max_bytes: int = 5_000_000) -> RawArticle | Rejection:
    results = list(read_file(path, max_bytes))
    assert len(results) == 1
    return results[0]


def test_txt_blocks_and_id_from_stem(tmp_path: Path) -> None:
    path = tmp_path / "007_story.txt"
    path.write_text("Title here\n\nFirst paragraph.\n\n\n   \nSecond paragraph.\n", encoding="utf-8")
    raw = read_one(path)
    assert isinstance(raw, RawArticle)
    assert raw.id == "007_story"
    assert raw.blocks == ("Title here", "First paragraph.", "Second paragraph.\n")


def test_sidecar_metadata_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text that is long enough.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"outlet": "The Gazette", "date": "2024-02-01"}))
    raw = read_one(tmp_path / "a.txt")
    assert isinstance(raw, RawArticle)
    assert raw.metadata == {"outlet": "The Gazette", "date": "2024-02-01"}
    # The sidecar is not an article of its own.
    assert article_files([tmp_path]) == [tmp_path / "a.txt"]


def test_markdown_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text("---\ntitle: Council cuts\noutlet: Daily Post\n---\n# Council cuts\n\nBody text.\n", "utf-8")
    raw = read_one(path)
    assert isinstance(raw, RawArticle)
    assert raw.metadata["title"] == "Council cuts"
    assert raw.metadata["outlet"] == "Daily Post"
    assert raw.markdown


def test_cp1252_is_decoded_properly(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("The council’s budget fell to £77m – a “cut”, said Mr Brown.".encode("cp1252"))
    raw = read_one(path)
    assert isinstance(raw, RawArticle)
    assert raw.blocks[0] == "The council’s budget fell to £77m – a “cut”, said Mr Brown."


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Ofsted rated the service inadequate.".encode("utf-16"))
    raw = read_one(path)
    assert isinstance(raw, RawArticle)
    assert raw.blocks[0] == "Ofsted rated the service inadequate."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "unsupported file type '.png'"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = read_one(path)
    assert isinstance(result, Rejection)
    assert message in result.reason
    assert str(path) in result.reason


def test_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("word " * 3000, encoding="utf-8")
    result = read_one(path, max_bytes=10_000)
    assert isinstance(result, Rejection)
    assert "over the 10,000-byte limit" in result.reason


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    result = read_one(tmp_path / "nope.txt")
    assert isinstance(result, Rejection)
    assert "no such file" in result.reason


def test_jsonl_articles_and_bad_lines_by_number(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": "First para.\n\nSecond para.", "outlet": "Wire", "date": "2020-01-02"}),
        "{not json",
        json.dumps({"id": "a2", "paragraphs": ["One.", "Two."], "title": "T"}),
        json.dumps({"text": "no id"}),
        json.dumps({"id": "a3"}),
        json.dumps({"id": "a1", "text": "duplicate"}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(read_file(path, 5_000_000))
    good = [r for r in results if isinstance(r, RawArticle)]
    bad = [r for r in results if isinstance(r, Rejection)]
    assert [r.id for r in good] == ["a1", "a2"]
    assert good[0].blocks == ("First para.", "Second para.")
    assert good[0].metadata == {"outlet": "Wire", "date": "2020-01-02"}
    assert good[1].metadata == {"title": "T"}
    assert [r.source.rsplit(":", 1)[1] for r in bad] == ["2", "4", "5", "6", "7"]
    assert "not valid JSON" in bad[0].reason
    assert "missing 'id'" in bad[1].reason
    assert "needs 'text'" in bad[2].reason
    assert "duplicate id 'a1'" in bad[3].reason


def test_html_main_text_is_extracted_without_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Council admits failings</title>"
        '<meta property="og:site_name" content="The Gazette"></head><body>'
        "<nav><a href='/'>Home</a><a href='/news'>News</a></nav><article><h1>Council admits failings</h1>"
        "<p>The council said on Tuesday that it had failed to protect children in its care, after a report.</p>"
        "<script>alert('stolen cookies')</script>"
        '<p><img src="x" onerror="alert(1)">A second paragraph that is long enough to be kept as text.</p>'
        "</article></body></html>",
        encoding="utf-8",
    )
    raw = read_one(path)
    assert isinstance(raw, RawArticle)
    text = "\n".join(raw.blocks)
    assert "failed to protect children" in text
    assert "alert" not in text and "onerror" not in text
    assert raw.metadata.get("outlet") == "The Gazette"


def test_html_without_article_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>", "utf-8")
    result = read_one(path)
    if isinstance(result, RawArticle):  # the extractor may keep a fragment; cleaning must then refuse it
        with pytest.raises(RejectedInput, match="no article text"):
            clean(result)
    else:
        assert "no article text" in result.reason


def test_decode_rejects_nul_bytes() -> None:
    with pytest.raises(RejectedInput, match="binary"):
        decode(b"abc\x00def", "x.txt")
