"""Language-model backends behind one small protocol: llama-index's OpenAI-compatible client, llama.cpp in-process
(through llama-index), and a scripted fake for tests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from qa.errors import LLMError

if TYPE_CHECKING:
    from llama_index.core.llms import LLM as LlamaIndexLLM

    from qa.settings import LLMSettings

log = logging.getLogger(__name__)


class LLM(Protocol):
    """Generates text for a system prompt and a user message, piece by piece."""

    @property
    def name(self) -> str: ...

    def stream(self, system: str, user: str, max_tokens: int, deadline: float) -> Iterator[str]:
        """Text deltas; raises LLMError on failure, or when time.monotonic() passes `deadline`."""
        ...


class LlamaIndexChat:
    """Any llama-index LLM, called with explicit chat messages (never llama-index's global Settings)."""

    def __init__(self, llm: LlamaIndexLLM, name: str) -> None:
        self._llm = llm
        self._name = name
        # llama.cpp runs one generation at a time, and llama-index's LlamaCPP keeps per-call state on the object.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def stream(self, system: str, user: str, max_tokens: int, deadline: float) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage, MessageRole

        messages = [
            ChatMessage(role=MessageRole.SYSTEM, content=system),
            ChatMessage(role=MessageRole.USER, content=user),
        ]
        if not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise LLMError(f"{self._name} is busy with another question; timed out waiting")
        try:
            produced = 0
            for response in self._llm.stream_chat(messages, max_tokens=max_tokens):
                delta = response.delta or ""
                if delta:
                    produced += 1
                    yield delta
                if time.monotonic() > deadline:
                    raise LLMError(f"{self._name} timed out after {produced} tokens (QA_LLM_TIMEOUT)")
                if produced >= max_tokens:
                    break
        except LLMError:
            raise
        except Exception as exc:  # the backend's own errors (HTTP, llama.cpp) all mean the same here
            raise LLMError(f"{self._name} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self._lock.release()


class ScriptedLLM:
    """Fake LLM for tests: replies from a function of (system, user), streamed word by word."""

    def __init__(self, reply: Callable[[str, str], str] | str, name: str = "scripted") -> None:
        self._reply = reply
        self._name = name
        self.calls: list[tuple[str, str]] = []

    @property
    def name(self) -> str:
        return self._name

    def stream(self, system: str, user: str, max_tokens: int, deadline: float) -> Iterator[str]:
        self.calls.append((system, user))
        text = self._reply(system, user) if callable(self._reply) else self._reply
        for i, word in enumerate(text.split(" ")):
            if time.monotonic() > deadline:
                raise LLMError(f"{self._name} timed out")
            yield word if i == 0 else " " + word


def _chatml_formatter(model: Any) -> Callable[[Sequence[Any]], str]:
    """messages -> prompt with the chat template stored in the GGUF file, so any instruct model formats right."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    metadata = getattr(model, "metadata", {}) or {}
    template = metadata.get("tokenizer.chat_template")
    if not template:
        raise LLMError("The GGUF file has no chat template (tokenizer.chat_template); use an instruct model")
    eos = model.detokenize([model.token_eos()]).decode("utf-8", errors="ignore")
    bos = model.detokenize([model.token_bos()]).decode("utf-8", errors="ignore")
    formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def to_prompt(messages: Sequence[Any]) -> str:
        plain = [{"role": str(m.role.value), "content": m.content or ""} for m in messages]
        return str(formatter(messages=cast(Any, plain)).prompt)

    return to_prompt


def open_gguf(path: Path, threads: int, context: int, max_tokens: int) -> LLM:
    """A GGUF model run in-process by llama.cpp, through llama-index's LlamaCPP."""
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMError(
            "The in-process model needs the local-llm extra: pip install -e '.[local-llm]' (or make run-llm)"
        ) from exc
    if not path.exists():
        raise LLMError(f"No model file at {path} (QA_LLM_GGUF)")
    started = time.perf_counter()
    try:
        llm = LlamaCPP(
            model_path=str(path),
            temperature=0.0,
            max_new_tokens=max_tokens,
            context_window=context,
            # Memory-mapped weights made decoding speed swing tenfold on these machines; load them into RAM.
            model_kwargs={"n_threads": threads, "use_mmap": False, "n_gpu_layers": 0},
            generate_kwargs={"top_k": 1, "repeat_penalty": 1.05},
            verbose=False,
        )
    except Exception as exc:
        raise LLMError(f"Cannot load the model {path}: {exc}") from exc
    llm.messages_to_prompt = cast(Any, _chatml_formatter(llm._model))
    log.info("loaded %s in %.1fs", path.name, time.perf_counter() - started)
    return LlamaIndexChat(llm, path.name)


def open_server(url: str, model: str, api_key: str | None, timeout: float, max_tokens: int) -> LLM:
    """Any OpenAI-compatible server: Ollama, vLLM, llama.cpp's server, OpenAI."""
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=model,
        api_base=url.rstrip("/"),
        api_key=api_key or "not-needed",
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=8192,
        max_tokens=max_tokens,
        temperature=0.0,
        timeout=timeout,
        max_retries=0,
    )
    return LlamaIndexChat(llm, f"{model}@{url}")


def open_llm(settings: LLMSettings, model_cache: Path) -> LLM:
    """The backend the settings choose: QA_LLM_URL (a server), else QA_LLM_GGUF, else the bundled local model."""
    if settings.url:
        return open_server(settings.url, settings.model, settings.api_key, settings.timeout, settings.max_tokens)
    if settings.gguf is not None:
        path = settings.gguf
    else:
        from qa.local_model import local_model_path

        path = local_model_path(model_cache)
    return open_gguf(path, settings.threads, settings.context, settings.max_tokens)
