"""The web chat's events through gradio_client against a real server on 127.0.0.1 (fake embedder)."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from qa.api import create_app
from qa.assistant import Assistant
from qa.settings import Settings
from tests.webserver import serving

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile_ferry.txt"
QUESTION = "How many cases did one Worcestershire social worker have?"
NO_FILTERS: tuple[Any, ...] = ([], [], "", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, articles_dir: Path) -> Iterator[str]:
    from tests.conftest import fake_assistant

    index_dir = tmp_path_factory.mktemp("app") / "index"
    assistant = fake_assistant(index_dir)
    assistant.ingest([articles_dir])
    with serving(create_app(assistant, Settings(index_dir=index_dir))) as url:
        yield url


@pytest.fixture
def client(server: str) -> Client:
    """A new browser session: its own conversation state."""
    return Client(server + "/", verbose=False)


def message_text(message: dict[str, Any]) -> str:
    content = message["content"]
    return "".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)


def ask(client: Client, question: str, filters: tuple[Any, ...] = NO_FILTERS) -> tuple[Any, ...]:
    result: tuple[Any, ...] = client.predict(question, *filters, api_name="/ask")
    return result


def test_answers_stream_in_and_end_with_numbered_sources(client: Client) -> None:
    job = client.submit(QUESTION, *NO_FILTERS, api_name="/ask")
    final = job.result(timeout=60)
    updates = job.outputs()
    assert len(updates) > 2, "the answer should arrive in pieces"
    partial = message_text(updates[1][0][-1])
    chat, sources, viewer, question_box = final
    answer = message_text(chat[-1])
    assert partial and answer.startswith(partial.rstrip("…").strip()[:10])
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "40 cases" in answer and "[1]" in answer and "Sources" in answer
    assert "[1] A WHISTLEBLOWER" in html.unescape(answer) and "paragraph 9" in answer
    assert sources["choices"][0][1] == "0:1" and sources["choices"][0][0].startswith("[1] ")
    assert question_box == ""
    assert "Select a source" in viewer


def test_selecting_a_source_opens_the_article_at_the_cited_paragraph(client: Client) -> None:
    ask(client, QUESTION)
    viewer = client.predict("0:1", api_name="/show_source")
    assert 'data-article="000_60f27155d5b16904"' in viewer and 'data-cited="9"' in viewer
    cited = viewer.split('class="qa-paragraph qa-cited"')
    assert len(cited) == 2, "exactly one paragraph is highlighted"
    assert cited[1].startswith(' id="qa-p-9" data-n="9"><span class="qa-pn">9</span>')
    assert "<mark>One social worker had to deal with 40 cases" in cited[1]
    assert viewer.count('class="qa-pn"') > 20  # every paragraph shows its number


def test_follow_up_questions_use_the_conversation(client: Client) -> None:
    first = ask(client, "What did the union say about Southampton?")
    assert "Southampton" in message_text(first[0][-1])
    chat, sources, _, _ = ask(client, "How many staff back those claims?")
    assert len(chat) == 4
    answer = message_text(chat[-1])
    assert "35" in answer and "004_f40178fcdc7ff358" not in answer
    assert sources["label"] == "Sources of answer 2" and sources["choices"][0][1] == "1:1"
    # A new session knows nothing of that conversation.
    fresh = ask(Client(client.src, verbose=False), "How many staff back those claims?")
    assert len(fresh[0]) == 2


def test_an_abstention_is_shown_as_an_answer(client: Client) -> None:
    chat, sources, viewer, _ = ask(client, "What is the capital of Peru?")
    answer = message_text(chat[-1])
    assert answer.startswith("The articles don&#x27;t say.") and "No passage in the indexed articles" in answer
    assert sources["choices"] == [] and "no sources" in viewer


def test_filters_apply_to_the_chat_and_bad_ones_are_explained(client: Client) -> None:
    chat, sources, _, _ = ask(client, QUESTION, (["001_85613e040497daa0"], [], "", ""))
    assert all(choice[0] for choice in sources["choices"])
    assert "000_60f27155d5b16904" not in str(sources) and "40 cases - more than" not in message_text(chat[-1])
    with pytest.raises(AppError, match="yyyy-mm-dd"):
        ask(client, QUESTION, ([], [], "March 2022", ""))
    with pytest.raises(AppError, match="no-such-article"):
        ask(client, QUESTION, (["no-such-article"], [], "", ""))


def test_the_article_list_and_the_filter_choices(client: Client) -> None:
    table, articles, outlets, to_open = client.predict(api_name="/articles")
    assert table.count("<tr>") == 6  # header and five articles
    assert [value for _, value in articles["choices"]] == [value for _, value in to_open["choices"]]
    assert articles["choices"][0][1] == "000_60f27155d5b16904"
    assert "The Advertiser" in [value for _, value in outlets["choices"]]
    viewer = client.predict("000_60f27155d5b16904", api_name="/show_article")
    assert 'data-cited=""' in viewer and "qa-cited" not in viewer.replace('data-cited=""', "")


def test_added_articles_are_reported_and_answered_as_text(
    client: Client, make_fake: Callable[..., Assistant], tmp_path: Path
) -> None:
    # Its own server: adding articles must not change what the other tests see.
    assistant = make_fake(tmp_path / "index")
    with serving(create_app(assistant, Settings(index_dir=tmp_path / "index"))) as url:
        own = Client(url + "/", verbose=False)
        empty = tmp_path / "empty.txt"
        empty.write_text("")
        report, files, table, *_ = own.predict(
            [handle_file(str(HOSTILE)), handle_file(str(empty))], api_name="/add_articles"
        )
        assert "1 added, 1 rejected" in report
        assert "<td>hostile_ferry.txt</td><td>added</td>" in report and "<td>empty.txt</td><td>rejected</td>" in report
        assert files is None
        assert "&lt;script&gt;" in table and "<script>" not in table
        chat, sources, _, _ = own.predict("How much will the ferry fare rise to?", *NO_FILTERS, api_name="/ask")
        answer = message_text(chat[-1])
        assert "£4" in answer
        assert "&lt;script&gt;window.__pwned" in answer and "<script>" not in answer and "<img" not in answer
        viewer = own.predict(sources["choices"][0][1], api_name="/show_source")
        for tag in ("<script", "<img", "<iframe", "<svg", "<b ", '<a href="javascript'):
            assert tag not in viewer
        assert "&lt;img src=&quot;http://evil.example/pixel.png&quot;" in viewer


def test_a_new_conversation_forgets_the_old_one(client: Client) -> None:
    ask(client, QUESTION)
    chat, sources, _, _ = client.predict(api_name="/reset")
    assert chat == [] and sources["choices"] == []
    chat, _, _, _ = ask(client, "How many staff back those claims?")
    assert len(chat) == 2
