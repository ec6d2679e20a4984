"""Prompt templates (plain-text files beside this module), loaded by name, and the phrases code relies on."""

from __future__ import annotations

from importlib import resources

# The one sentence an answer starts with when the articles do not answer the question. Engines write it,
# and code recognises an abstention by it: import it, never retype it.
NO_ANSWER = "The articles don't say."


def load(name: str) -> str:
    """The template `prompts/<name>.txt`."""
    try:
        return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KeyError(f"no prompt template named {name!r} in the prompts package") from exc
