"""The web chat's events driven the way its page drives them (gradio's queue over HTTP), for tests.

The events are private (not part of any documented API), so gradio_client cannot call them; this speaks the
page's own protocol: POST /gradio_api/queue/join with the event's index, then read /gradio_api/queue/data."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


class WebChatError(Exception):
    """The event ended in an error the page would show (a gradio.Error message)."""


class WebChat:
    """One browser session of the web chat at `url`: its own conversation state (gradio's session hash)."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(base_url=url, timeout=60)
        self.session = uuid.uuid4().hex
        config = self.client.get("/config").json()
        self.events = {dep["api_name"]: (i, dep) for i, dep in enumerate(config["dependencies"]) if dep["api_name"]}

    def has(self, name: str) -> bool:
        return name in self.events

    def run(self, name: str, *data: Any, stream: bool = False) -> Any:
        """Run the event `name` with `data` (one value per input; None for a State) and return its final outputs
        (and with stream=True, also every intermediate output)."""
        fn_index, dep = self.events[name]
        joined = self.client.post(
            "/gradio_api/queue/join",
            json={
                "data": list(data),
                "fn_index": fn_index,
                "session_hash": self.session,
                "event_data": None,
                "trigger_id": dep["targets"][0][0] if dep["targets"] else None,
            },
        )
        joined.raise_for_status()
        updates: list[Any] = []
        with self.client.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as events:
            for line in events.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_generating":
                    updates.append(message["output"]["data"])
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    if not message.get("success", False):
                        raise WebChatError(str(output.get("error") or output))
                    return (output["data"], updates) if stream else output["data"]
        raise WebChatError("the event stream ended without a result")


def message_text(message: dict[str, Any]) -> str:
    content = message["content"]
    return "".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)
