"""The project's structure: errors mapped once, the answer contract written once, the web chat a leaf."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from index.errors import QAError
from qa.api import ERROR_STATUS
from qa.assistant import Assistant
from qa.records import answer_adapter
from qa.serve import create_app
from qa.settings import RENAMED, Settings, field_docs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = [p for d in ("qa", "index", "prompts") for p in (ROOT / d).glob("*.py")] + [ROOT / "app.py"]


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found | {sub for child in found for sub in subclasses(child)}


def test_every_error_class_has_an_http_status() -> None:
    import qa.errors  # noqa: F401  (defines the rest of the classes)

    missing = {cls.__name__ for cls in subclasses(QAError)} - {cls.__name__ for cls in ERROR_STATUS}
    assert not missing, f"no HTTP status for {missing}: add them to qa.api.ERROR_STATUS"


def test_only_concrete_errors_are_raised() -> None:
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                assert name != "QAError", f"{path.name}:{node.lineno} raises the base QAError"


def test_the_web_chat_imports_no_other_surface() -> None:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"qa.cli", "qa.api", "qa.serve", "qa.__main__"}, imported


def readme_contract() -> dict[str, set[str]]:
    """The keys of the README's answer contract block (answer.to_dict() == {...}) and of its citations."""
    block = README.split("answer.to_dict() == {", 1)[1].split("\n}\n", 1)[0]
    keys = set(re.findall(r'^    "(\w+)":', block, flags=re.M))
    citation = set(re.findall(r'^            "(\w+)":', block, flags=re.M))
    return {"answer": keys, "citation": citation}


def test_the_readme_shows_the_answer_contract_the_code_defines() -> None:
    schema = answer_adapter().json_schema()
    documented = readme_contract()
    assert documented["answer"] == set(schema["properties"])
    assert documented["citation"] == set(schema["$defs"]["Citation"]["properties"])


def test_openapi_shows_every_field_of_the_answer(fake_bundled: Assistant) -> None:
    app = create_app(fake_bundled, Settings(index_dir=Path(fake_bundled.store.where)))
    spec = TestClient(app, base_url="http://127.0.0.1").get("/openapi.json").json()
    answer = spec["paths"]["/api/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    name = answer["$ref"].rsplit("/", 1)[-1]
    fields = set(spec["components"]["schemas"][name]["properties"])
    assert fields == set(answer_adapter().json_schema()["properties"])
    assert {"engine", "fallback", "dropped"} <= fields
    request = spec["paths"]["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(spec["components"]["schemas"][request["$ref"].rsplit("/", 1)[-1]]["properties"]) == {
        "question", "history", "filters", "k"
    }  # fmt: skip
    assert json.dumps(spec).count("/gradio_api") == 0  # the web chat's events are not part of the API


def test_the_readme_lists_every_setting_and_no_old_name() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name, _, _ in field_docs():
        assert f"`{name}`" in table, f"{name} is missing from the README's Configuration table"
    for old, new in RENAMED.items():  # an old name appears only where the README says what it became
        for line in README.splitlines():
            if f"`{old}`" in line:
                assert f"`{old}` → `{new}`" in line, line
