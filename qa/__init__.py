"""Answering questions about news articles with paragraph-level citations: engines, the Assistant, CLI and API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.records import Answer, Citation
    from qa.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "Settings"]


def __getattr__(name: str) -> Any:
    # Lazy, so `qa --help` does not import chromadb or torch.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    if name in ("Answer", "Citation"):
        from qa import records

        return getattr(records, name)
    if name == "Settings":
        from qa.settings import Settings

        return Settings
    raise AttributeError(name)
