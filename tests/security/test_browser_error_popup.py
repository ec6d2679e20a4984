"""Markup typed into the web chat comes back in its error popup as text (Debian's chromium driven by Playwright
against `qa serve`, with the word-hashing embedder)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.security.conftest import ARTICLES, ROOT
from tests.servers import BIN, free_port, wait_for

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
MARKUP = '<img src="http://evil.example/x.png" onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`qa ingest` the bundled articles, then `qa serve` on 127.0.0.1 (no token: the web chat is open)."""
    workdir = tmp_path_factory.mktemp("browser-security")
    index_dir = workdir / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["QA_EMBEDDING_MODEL"] = "hashing"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    subprocess.run(
        [str(BIN / "qa"), "ingest", str(ARTICLES), "--index-dir", str(index_dir)],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "qa"), "serve", "--index-dir", str(index_dir), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/api/health", timeout=120, process=process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium, /usr/bin/chromium (make test installs it)")
def test_markup_typed_as_an_article_id_is_shown_as_text_in_the_error_popup(server: str) -> None:
    """Attack: type an <img onerror> tag into "Open an article"; the unknown-article error repeats the id, and
    the popup must show it as text: nothing loads from evil.example and no script runs."""
    from playwright.sync_api import Route, expect, sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page.on("request", lambda request: requested.append(request.url))

            def refuse(route: Route) -> None:  # recorded above; never sent
                route.abort()

            page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), refuse)
            page.goto(server + "/", wait_until="load")
            expect(page.locator("#qa-question textarea")).to_be_visible()

            box = page.locator("#qa-open input")
            if not box.is_visible():
                page.get_by_text("Articles", exact=True).click()  # the accordion that holds the box
            box.fill(MARKUP)
            box.press("Enter")
            toast = page.locator('[data-testid="toast-body"]').first
            expect(toast).to_be_visible()
            page.wait_for_timeout(1000)  # give anything that was going to load or run the chance to

            outside = sorted({u for u in requested if urlsplit(u).hostname != "127.0.0.1"})
            pwned = page.evaluate("typeof window.__pwned")
            images = toast.locator("img").count()
            shown = toast.inner_text()
        finally:
            browser.close()
    assert not [u for u in outside if "evil.example" in u], f"the page fetched {outside}"
    assert pwned == "undefined", "the onerror handler in the typed id ran"
    assert images == 0, "the popup holds an <img> element made from the typed id"
    assert MARKUP in shown, f"the popup does not show the typed id as text: {shown!r}"
