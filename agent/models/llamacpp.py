"""``llamacpp:PATH.gguf``: a GGUF model run in-process by llama-cpp-python.

No server and no langchain-community: :class:`LlamaCppChat` is a small LangChain chat
model over ``llama_cpp.Llama``. It renders messages with the chat template stored in
the GGUF (``tokenizer.chat_template``, the same Jinja template llama-cpp-python picks
when no ``chat_format`` is given) and runs the token loop itself over
``Llama.generate``, so that streamed chunks and token usage are exact (llama-cpp-python's
own streaming responses carry no usage).

A model is loaded once per (file, n_ctx, threads, GPU layers) and shared; llama.cpp
contexts are not thread-safe, so every generation on one model holds its lock.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from agent.models.dependencies import require
from agent.models.local_chat import (
    Deadline,
    StopScanner,
    StreamingChatModel,
    chat_dicts,
    plain_prompt,
    text_chunk,
    usage_chunk,
)
from agent.models.messages import message
from agent.models.pricing import Price
from agent.models.resolved import ModelSetupError, Reachability, ResolvedModel
from agent.tools.token_counter import CallableCounter

if TYPE_CHECKING:
    from agent.config import Settings

PROVIDER = "llamacpp"
GGUF_MAGIC = b"GGUF"
FREE = Price(0.0, 0.0)  # runs on your machine: no per-token price


@dataclass
class LoadedModel:
    """One ``llama_cpp.Llama`` with what every call on it needs."""

    llm: Any
    path: Path
    formatter: Any | None  # llama_cpp's Jinja2ChatFormatter, None without a template
    is_eog: Any  # token id -> bool (end of generation: EOS, EOT, <|im_end|>, ...)
    lock: threading.Lock = field(default_factory=threading.Lock)
    notes: list[str] = field(default_factory=list)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


_LOADED: dict[tuple[Any, ...], LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def gguf_path(target: str) -> Path:
    """The model file named by ``target``; ModelSetupError unless it is a readable GGUF."""
    path = Path(target).expanduser()
    if not path.is_file():
        raise ModelSetupError(message("gguf_no_file", target=target, path=path.absolute()))
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelSetupError(message("gguf_unreadable", target=target, error=exc)) from exc
    if magic != GGUF_MAGIC:
        raise ModelSetupError(message("gguf_not_gguf", target=target))
    return path.resolve()


def _cpu_has_amx(llama_cpp: Any) -> bool:
    info = llama_cpp.llama_print_system_info()
    return b"AMX" in (info if isinstance(info, bytes) else str(info).encode())


@contextlib.contextmanager
def _without_extra_buffer_types(llama_cpp: Any) -> Iterator[None]:
    """Load with ``use_extra_bufts = False`` (llama.cpp's weight-repacking buffers off).

    A llama-cpp-python built for the local CPU (its default, GGML_NATIVE) on a CPU with
    AMX segfaults in ``ggml_backend_amx_mul_mat`` on quantized models. The switch lives
    in ``llama_model_params``, but ``Llama()`` does not expose it (0.3.36 swallows
    unknown keyword arguments silently), so the defaults it starts from are patched
    for the duration of the load. Callers hold ``_LOAD_LOCK``.
    """
    lowlevel = llama_cpp.llama_cpp
    original = lowlevel.llama_model_default_params

    def defaults() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    lowlevel.llama_model_default_params = defaults
    try:
        yield
    finally:
        lowlevel.llama_model_default_params = original


def load(path: Path, n_ctx: int, n_threads: int, n_gpu_layers: int) -> LoadedModel:
    """The shared model for these parameters, loading it on first use."""
    key = (str(path), path.stat().st_mtime_ns, n_ctx, n_threads, n_gpu_layers)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        llama_cpp = require("llama_cpp", "gguf", PROVIDER)
        guard = (
            _without_extra_buffer_types(llama_cpp)
            if _cpu_has_amx(llama_cpp)
            else contextlib.nullcontext()
        )
        try:
            with guard:
                llm = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_gpu_layers=n_gpu_layers,
                    verbose=False,
                )
        except Exception as exc:  # llama.cpp reports most failures as ValueError
            raise ModelSetupError(message("gguf_load_failed", target=path, error=exc)) from exc
        loaded = _prepare(llama_cpp, llm, path, n_ctx)
        _LOADED[key] = loaded
        return loaded


def _prepare(llama_cpp: Any, llm: Any, path: Path, n_ctx: int) -> LoadedModel:
    vocab = llama_cpp.llama_model_get_vocab(llm.model)

    def is_eog(token: int) -> bool:
        return bool(llama_cpp.llama_vocab_is_eog(vocab, token))

    def token_text(token: int) -> str:
        if token < 0:
            return ""
        return llm.detokenize([token], special=True).decode("utf-8", errors="ignore")

    notes: list[str] = []
    template = llm.metadata.get("tokenizer.chat_template")
    formatter = None
    if template:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=token_text(llm.token_eos()),
            bos_token=token_text(llm.token_bos()),
            stop_token_ids=[llm.token_eos()],
        )
    else:
        notes.append(
            f"{path.name} has no chat template in its metadata: prompts use a plain "
            "'role: text' format, which chat-tuned models may follow poorly"
        )
    trained = llama_cpp.llama_model_n_ctx_train(llm.model)
    if 0 < trained < n_ctx:
        notes.append(
            f"llamacpp_n_ctx={n_ctx} exceeds the {trained} tokens {path.name} was trained "
            "on; quality may drop past that length"
        )
    return LoadedModel(llm=llm, path=path, formatter=formatter, is_eog=is_eog, notes=notes)


class LlamaCppChat(StreamingChatModel):
    """A LangChain chat model over a loaded GGUF; see the module docstring."""

    model_path: str
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 40
    timeout_s: float | None = None
    _model: LoadedModel = PrivateAttr()

    def __init__(self, model: LoadedModel, **data: Any) -> None:
        super().__init__(model_path=str(model.path), **data)
        self._model = model

    @property
    def _llm_type(self) -> str:
        return PROVIDER

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self._model.llm.n_ctx(),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def prompt_text(self, messages: list[BaseMessage]) -> tuple[str, list[str], bool]:
        """The rendered prompt, the template's stop strings, and whether to prepend BOS.

        With a template the rendered text is complete (templates write BOS themselves
        where the model wants one), as in llama-cpp-python's own chat handler.
        """
        chat = chat_dicts(messages)
        if self._model.formatter is None:
            return plain_prompt(chat), [], True
        rendered = self._model.formatter(messages=chat)
        stops = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop or ""]
        return rendered.prompt, stops, not rendered.added_special

    def prompt_tokens(self, messages: list[BaseMessage]) -> tuple[list[int], list[str]]:
        """The model input for ``messages`` and the template's own stop strings."""
        text, stops, add_bos = self.prompt_text(messages)
        tokens = self._model.llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
        return tokens, stops

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm = self._model.llm
        tokens, template_stops = self.prompt_tokens(messages)
        n_ctx = llm.n_ctx()
        if len(tokens) >= n_ctx:
            raise ValueError(
                f"llamacpp: the prompt has {len(tokens)} tokens, the context window "
                f"{n_ctx} (raise llamacpp_n_ctx)"
            )
        budget = min(int(kwargs.get("max_tokens", self.max_tokens)), n_ctx - len(tokens))
        temperature = float(kwargs.get("temperature", self.temperature))
        scanner = StopScanner([*(stop or []), *template_stops])
        deadline = Deadline(self.timeout_s, f"llamacpp:{self._model.path.name}")
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        produced, finish = 0, "length"
        with (
            self._model.lock,
            contextlib.closing(
                llm.generate(
                    tokens,
                    temp=temperature,
                    top_k=self.top_k,
                    top_p=self.top_p,
                    repeat_penalty=1.0,
                )
            ) as generation,
        ):
            for token in generation:
                if self._model.is_eog(token):
                    finish = "stop"
                    break
                produced += 1
                piece = decoder.decode(llm.detokenize([token]))
                text, stopped = scanner.feed(piece)
                if text:
                    yield text_chunk(text)
                if stopped:
                    finish = "stop"
                    break
                if produced >= budget:
                    break
                deadline.check()
        rest = scanner.flush()  # empty after a stop string: the scanner dropped the tail
        if rest:
            yield text_chunk(rest)
        yield usage_chunk(len(tokens), produced, finish, self._model.path.name)


def build(target: str, settings: Settings) -> ResolvedModel:
    path = gguf_path(target)
    model = load(
        path,
        n_ctx=settings.llamacpp_n_ctx,
        n_threads=settings.llamacpp_threads or os.cpu_count() or 1,
        n_gpu_layers=settings.llamacpp_gpu_layers,
    )
    chat = LlamaCppChat(
        model,
        max_tokens=settings.max_output_tokens,
        temperature=settings.temperature,
        timeout_s=settings.model_timeout_s,
    )
    return ResolvedModel(
        name=f"{PROVIDER}:{target}",
        llm=chat,
        provider=PROVIDER,
        context_window=model.llm.n_ctx(),
        counter=CallableCounter(model.count_tokens),
        price=FREE,
        notes=list(model.notes),
    )


def check(target: str, settings: Settings) -> Reachability:
    """File present, a GGUF, and llama-cpp-python importable; the model is not loaded."""
    spec = f"{PROVIDER}:{target}"
    try:
        path = gguf_path(target)
        llama_cpp = require("llama_cpp", "gguf", PROVIDER)
    except ModelSetupError as exc:
        return Reachability(spec, PROVIDER, False, exc.message)
    size_mb = path.stat().st_size / 1e6
    version = getattr(llama_cpp, "__version__", "?")
    return Reachability(
        spec, PROVIDER, True, message("gguf_ready", size_mb=size_mb, version=version)
    )
