"""The web chat in a real browser (Debian's chromium driven by Playwright) against `qa serve` with the real model."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from qa.assistant import Assistant
from tests.servers import BIN, free_port, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
HOSTILE = ROOT / "tests" / "data" / "hostile_ferry.txt"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download cannot work offline; Debian's chromium is installed by `make test`.
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
TOKEN = "browser-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, articles_dir: Path) -> Iterator[str]:
    """What `make run` does: `qa ingest` the bundled articles, then `qa serve` on 127.0.0.1."""
    workdir = tmp_path_factory.mktemp("browser")
    index_dir = workdir / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["QA_SERVER_API_TOKEN"] = TOKEN  # so the chat can add articles, after signing in
    env["QA_ANSWER_MIN_CONFIDENCE"] = "0"  # the page's behaviour is under test, not the confidence
    subprocess.run(
        [str(BIN / "qa"), "ingest", str(articles_dir), "--index-dir", str(index_dir)],
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
    assert "Traceback" not in log_path.read_text(errors="replace"), log_path.read_text(errors="replace")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium, /usr/bin/chromium (make test installs it)")
def test_ask_read_sources_follow_up_and_hostile_articles_stay_inert(server: str) -> None:
    from playwright.sync_api import Dialog, Page, expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def ask(page: Page, question: str, answer_number: int) -> None:
        box = page.locator("#qa-question textarea")
        box.fill(question)
        page.locator("#qa-ask").click()
        expect(page.locator("#qa-sources")).to_contain_text(f"Sources of answer {answer_number}")
        expect(box).to_have_value("")

    def last_answer(page: Page) -> str:
        return page.locator("#qa-chat .message.bot").last.inner_text()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", on_dialog)

            # gradio keeps a connection open, so "networkidle" never comes: wait for the elements instead.
            page.goto(server + "/", wait_until="load")
            # The server has a token: the chat asks for it first (any user name).
            page.locator("input[type=password]").fill(TOKEN)
            page.locator("input:not([type=password])").first.fill("reporter")
            page.get_by_role("button", name="Login").click()
            expect(page.locator("#qa-question textarea")).to_be_visible()
            # The examples are questions about who the articles quote most.
            expect(page.get_by_text("What did ", exact=False).first).to_be_visible()

            # 1. A cited answer, with numbered sources.
            ask(page, "How many cases did one Worcestershire social worker have?", 1)
            answer = last_answer(page)
            assert "40 cases" in answer and "[1]" in answer and "Sources" in answer, answer
            first_source = page.locator("#qa-sources label").first
            expect(first_source).to_contain_text("[1] A WHISTLEBLOWER")
            expect(first_source).to_contain_text("paragraph 9")
            shot(page, "01-answer")

            # 2. Selecting a source opens its article, the cited paragraph highlighted and scrolled into view.
            first_source.click()
            cited = page.locator("#qa-viewer .qa-cited")
            expect(cited).to_have_attribute("data-n", "9")
            expect(cited.locator(".qa-pn")).to_have_text("9")
            expect(cited.locator("mark").first).to_contain_text("One social worker had to deal with 40 cases")
            expect(cited.locator("mark.qa-answer")).to_have_text("40 cases")  # the short answer, inside the quote
            assert page.locator("#qa-viewer .qa-pn").count() > 20  # every paragraph shows its number
            page.wait_for_function(
                """() => {
                    const box = document.querySelector('#qa-viewer .qa-article');
                    const cited = box && box.querySelector('.qa-cited');
                    if (!cited) return false;
                    const outer = box.getBoundingClientRect(), inner = cited.getBoundingClientRect();
                    return box.scrollTop > 0 && inner.top >= outer.top && inner.bottom <= outer.bottom
                        && inner.top >= 0 && inner.bottom <= window.innerHeight;
                }"""
            )
            assert page.locator("#qa-viewer .qa-pn").filter(has_text="10").first.is_visible()
            shot(page, "02-source")

            # 3. A follow-up question builds on the conversation.
            ask(page, "What did the union say about Southampton?", 2)
            # A quoted source says who said it: the speaker, role and organisation under the citation.
            expect(page.locator("#qa-chat .message.bot").last.locator(".qa-said-by").first).to_contain_text("— ")
            ask(page, "How many staff back those claims?", 3)
            assert "35" in last_answer(page), last_answer(page)
            expect(page.locator("#qa-sources label").first).to_contain_text("[1]")
            # Clicking an earlier answer brings back its sources.
            page.locator("#qa-chat .message.bot").first.click()
            expect(page.locator("#qa-sources")).to_contain_text("Sources of answer 1")
            shot(page, "03-follow-up")

            # 4. Watch a question the articles do not answer yet: adding an article that answers it is news.
            ask(page, "How much will the ferry fare rise to?", 4)
            page.locator("#qa-watch-button").click()
            expect(page.locator("#qa-watch-note")).to_contain_text("Watching")
            expect(page.locator("#qa-badge")).not_to_contain_text("news")

            # 5. A hostile article, added from the browser, renders as text: nothing runs, nothing loads.
            page.get_by_text("Add articles").click()
            page.locator("#qa-files input[type=file]").set_input_files(str(HOSTILE))
            expect(page.locator("#qa-files")).to_contain_text("hostile_ferry")  # name and suffix render apart
            page.locator("#qa-add-button").click()
            report = page.locator("#qa-report")
            expect(report).to_contain_text("1 added")
            expect(report).to_contain_text("hostile_ferry.txt")
            expect(page.locator("#qa-badge")).to_contain_text("1 watched question with news")
            ask(page, "How much will the ferry fare rise to?", 5)
            assert "£4" in last_answer(page) and "<script>window.__pwned='script'</script>" in last_answer(page)
            hostile_source = page.locator("#qa-sources label").first
            expect(hostile_source).to_contain_text('<img src="http://evil.example/title.png"')
            hostile_source.click()
            expect(page.locator("#qa-viewer .qa-article")).to_have_attribute("data-article", "hostile_ferry")
            viewer = page.locator("#qa-viewer").inner_text()
            assert "<script>window.__pwned='script'</script>" in viewer
            assert "![tracking pixel](http://evil.example/pixel.gif)" in viewer
            page.get_by_text("Articles", exact=True).click()
            expect(page.locator("#qa-articles")).to_contain_text("<script>window.__pwned='title-script'</script>")
            page.locator("#qa-viewer .qa-article-title").hover()  # the outlet's onmouseover, were it live
            page.wait_for_timeout(500)  # give anything that was going to run or load the chance to
            shot(page, "04-hostile")

            # 5b. The Mentions filter keeps the chat to the articles that name someone.
            page.get_by_text("Filters (apply to the chat").click()
            mentions = page.locator("#qa-filter-mentions input")
            mentions.click()
            mentions.fill("Hayley Garner")
            page.get_by_role("option", name="Hayley Garner (person)").click()
            page.keyboard.press("Escape")
            ask(page, "What did the union say?", 6)
            for label in page.locator("#qa-sources label").all():
                label.click()
                expect(page.locator("#qa-viewer .qa-article")).to_have_attribute("data-article", "004_f40178fcdc7ff358")
            page.locator("#qa-filter-mentions .token-remove, #qa-filter-mentions [aria-label*='Remove']").first.click()
            shot(page, "05-mentions")

            # 6. Search lists articles, each once, with the query's words marked; the hostile one as text.
            page.get_by_role("tab", name="Search").click()
            page.locator("#qa-search-query textarea").fill("ferry fare")
            page.locator("#qa-search-button").click()
            first_result = page.locator("#qa-search-results .qa-result").first
            expect(first_result).to_have_attribute("data-article", "hostile_ferry")
            expect(first_result.locator("mark").first).to_be_visible()
            shot(page, "06-search")

            # 7. Questions in bulk: a table, a row per question, and the CSV to download.
            page.get_by_role("tab", name="Questions in bulk").click()
            page.locator("#qa-batch-questions textarea").fill(
                "How many cases did one Worcestershire social worker have?\nHow much will the ferry fare rise to?"
            )
            page.locator("#qa-batch-button").click()
            expect(page.locator("#qa-batch-results")).to_contain_text("2 answered, 0 bad rows")
            expect(page.locator("#qa-batch-file")).to_contain_text("Download the answers (CSV)")
            shot(page, "07-bulk")

            # 8. The watched question, with its news.
            page.get_by_role("tab", name="Watched questions").click()
            expect(page.locator("#qa-watches")).to_contain_text("1 new")
            expect(page.locator("#qa-watches")).to_contain_text("How much will the ferry fare rise to?")
            shot(page, "08-watches")

            assert page.evaluate("window.__pwned") is None
            assert dialogs == []
            live = page.evaluate(
                """() => ['#qa-chat', '#qa-sources', '#qa-viewer', '#qa-articles', '#qa-report',
                          '#qa-search-results', '#qa-batch-results', '#qa-watches']
                    .flatMap(s => Array.from(document.querySelectorAll(
                        s + ' script, ' + s + ' img, ' + s + ' iframe, ' + s + ' svg[onload], ' + s + ' [onerror], '
                        + s + ' [onmouseover], ' + s + ' a[href^="javascript"]')))
                    .map(e => e.outerHTML.slice(0, 120))"""
            )
            assert live == []
            outside = sorted({urlsplit(u).netloc for u in requested if urlsplit(u).hostname != "127.0.0.1"})
            assert outside == [], f"the page called outside hosts: {outside}"
        finally:
            browser.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium, /usr/bin/chromium (make test installs it)")
def test_eval_report_opens_with_charts_and_failures(fake_bundled: Assistant, tmp_path: Path) -> None:
    """`qa eval --compare`'s report.html, opened from disk: headline table, a chart per metric group with both
    configurations side by side, the failed questions with their answers, and nothing loaded from anywhere."""
    from playwright.sync_api import expect, sync_playwright

    from qa.evaluate import evaluate

    run = evaluate(fake_bundled, ROOT / "eval" / "questions.jsonl", configs=["bm25", "hybrid"])
    report = run.write(tmp_path / "out")[2]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda request: requested.append(request.url))
            page.goto(report.as_uri(), wait_until="load")
            expect(page.get_by_role("heading", name="Headline")).to_be_visible()
            charts = page.locator("svg[role=img]")
            assert charts.count() == 3
            for i in range(3):
                box = charts.nth(i).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100
                # Bars for both configurations in every chart.
                legend = charts.nth(i).inner_html()
                assert "bm25" in legend and "hybrid" in legend
            failed = page.locator("h2:has-text('Failed questions') ~ table tr")
            assert failed.count() > 1  # the fake embedder does not pass everything; each failure is listed
            expect(page.locator("h3").first).to_contain_text("questions failed")
            cells = failed.nth(1).locator("td")
            assert cells.count() == 6 and cells.nth(2).inner_text().strip() and cells.nth(4).inner_text().strip()
            page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
        finally:
            browser.close()
    assert {urlsplit(u).scheme for u in requested} == {"file"}, requested
