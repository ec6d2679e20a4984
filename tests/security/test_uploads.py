"""Uploads over the API (with the token): concurrent uploads of one file name, and file names that are too long,
climb out of the folder, hide, or carry control characters."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import AUTH, TOKEN, Served

pytestmark = pytest.mark.slow

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
GOOD = b"Council votes on the harbour budget\n\nThe council voted for the harbour budget on Tuesday evening.\n"


def stored(uploads: Path) -> list[str]:
    """The files kept in uploads/ (at any depth, e.g. a staging folder), relative to it."""
    return sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def word(n: int) -> str:
    letters = ""
    n += 26 * 27
    while n:
        n, r = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
    return letters


# -- 7. concurrent uploads of the same file name -------------------------------------------------------------------


def version(i: int) -> tuple[bytes, list[str]]:
    """Upload i of same.txt: its own headline, and i + 1 paragraphs of sentences no other upload has."""
    tag = word(i * 7919).capitalize()
    paragraphs = [
        f"Harbour master {tag} counted the {word(i * 100 + k)} boats moored along the {word(i * 100 + k + 50)} "
        f"pier on the morning of the inspection."
        for k in range(i + 1)
    ]
    text = f"Harbour master {tag} publishes the inspection report\n\n" + "\n\n".join(paragraphs) + "\n"
    return text.encode(), paragraphs


def test_concurrent_uploads_of_one_file_name_each_report_their_own_content(serve: Callable[..., Served]) -> None:
    """Attack (or accident): ten requests upload same.txt at once, each with different content; one request's file
    is overwritten by another's before it is read, so its report describes content it never sent."""
    server = serve(bundled=False, api_token=TOKEN)
    versions = [version(i) for i in range(10)]
    start = threading.Barrier(len(versions))

    def upload(i: int) -> httpx.Response:
        with server.client(timeout=120) as client:
            start.wait()
            return client.post("/api/articles", files=[("files", ("same.txt", versions[i][0]))], headers=AUTH)

    with ThreadPoolExecutor(len(versions)) as pool:
        responses = list(pool.map(upload, range(len(versions))))

    statuses = []
    for i, response in enumerate(responses):
        assert response.status_code == 200, (i, response.text[:300])
        items = [item for item in response.json()["items"] if item["source"] == "same.txt"]
        assert len(items) == 1, (i, response.json())
        item = items[0]
        paragraphs = len(versions[i][1])
        assert item["status"] in ("added", "updated"), (i, item)
        assert item["detail"].startswith(f"{paragraphs} paragraphs"), (
            f"upload {i} sent {paragraphs} paragraphs; its report says {item['detail']!r}"
        )
        statuses.append(item["status"])
    assert statuses.count("added") == 1, statuses

    indexed = list(server.assistant.article("same").paragraphs)
    matching = [i for i, (_, paragraphs) in enumerate(versions) if paragraphs == indexed]
    assert len(matching) == 1, f"the indexed article 'same' is none of the uploads: {indexed}"
    uploads = server.index_dir / "uploads"
    assert stored(uploads) == ["same.txt"]
    assert (uploads / "same.txt").read_bytes() == versions[matching[0]][0], "uploads/ holds a file that is not indexed"


# -- 9. file names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("long_name", ["a" * 296 + ".txt", "é" * 148 + ".txt"], ids=["ascii", "two_byte_letters"])
def test_overlong_file_name_is_rejected_and_the_other_file_is_still_added(
    serve: Callable[..., Served], long_name: str
) -> None:
    """Attack: a file name of 300 bytes (over the file system's 255) beside a good file in one upload."""
    assert len(long_name.encode()) == 300
    server = serve(bundled=False, api_token=TOKEN)
    other = b"A long-named story\n\nThe ferry timetable changes on Monday for the winter season.\n"
    with server.client() as client:
        response = client.post(
            "/api/articles", files=[("files", ("good.txt", GOOD)), ("files", (long_name, other))], headers=AUTH
        )
    assert response.status_code == 200, (response.status_code, response.text[:300])
    items = response.json()["items"]
    good = [item for item in items if item["source"] == "good.txt"]
    assert [item["status"] for item in good] == ["added"], items
    rest = [item for item in items if item["source"] != "good.txt"]
    assert len(rest) == 1 and rest[0]["status"] == "rejected" and rest[0]["detail"], items
    assert [info.id for info in server.assistant.articles()] == ["good"]
    assert stored(server.index_dir / "uploads") == ["good.txt"]


ESCAPE = f"qa-security-{uuid.uuid4().hex[:12]}"
ODD_NAMES = {
    "parent_dirs": b"../../etc/x.txt",
    "parent_dirs_to_tmp": b"../../../../../../../../tmp/" + ESCAPE.encode() + b"-up.txt",
    "absolute": b"/tmp/" + ESCAPE.encode() + b"-abs.txt",
    "backslashes": b"..\\..\\" + ESCAPE.encode() + b"-back.txt",
    "hidden": b".hidden.txt",
    "nul": b"nul\x00name.txt",
    "newline": b"new\nline.txt",
    "carriage_return": b"carriage\rreturn.txt",
    "empty": b"",
    "dot_dot": b"..",
}


def multipart(filename: bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name's bytes exactly as given (clients would escape some of them)."""
    boundary = "qa-security-" + uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="files"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", list(ODD_NAMES.values()), ids=list(ODD_NAMES))
def test_odd_file_name_is_rejected_or_safely_reduced(serve: Callable[..., Served], tmp_path: Path, name: bytes) -> None:
    """Attack: upload a file whose name climbs out of the uploads folder, is absolute, is hidden, carries a NUL,
    a newline or a carriage return, or is empty: rejected or reduced to a plain name, never a 500, never written
    outside uploads/."""
    server = serve(bundled=False, api_token=TOKEN)
    uploads = server.index_dir / "uploads"
    before = files_under(tmp_path)
    etc_x_existed = Path("/etc/x.txt").exists()
    story = b"An oddly named story\n\nThe lifeboat crew rescued two walkers from the estuary mud on Sunday.\n"
    body, content_type = multipart(name, story)
    with server.client() as client:
        response = client.post("/api/articles", content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code == 200:
        for item in response.json()["items"]:
            assert item["status"] in ("added", "rejected"), item
            assert not CONTROL.search(item["source"]), item
            if item["status"] == "rejected":
                assert item["detail"], item
            else:
                assert not CONTROL.search(item["article_id"]) and not item["article_id"].startswith("."), item
    kept = stored(uploads)
    for relative in kept:
        assert not CONTROL.search(relative) and not Path(relative).name.startswith("."), kept
    escaped = [p for p in files_under(tmp_path) - before if uploads not in p.parents and p.suffix == ".txt"]
    assert escaped == [], f"written outside uploads/: {escaped}"
    assert not list(Path("/tmp").glob(f"{ESCAPE}*")), "written to /tmp"
    assert etc_x_existed or not Path("/etc/x.txt").exists(), "written to /etc"
