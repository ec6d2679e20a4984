"""The environment that keeps every entry point offline: no model hubs, telemetry or analytics."""

from __future__ import annotations

import os

# Set before huggingface, chromadb or gradio is imported: each reads these once, at import.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_offline_env() -> None:
    """Nothing may reach the network: these win over whatever the environment says."""
    os.environ.update(OFFLINE_ENV)
