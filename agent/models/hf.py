"""``hf:REPO_OR_PATH`` and ``hf:BASE+adapter=PATH``: a transformers model in-process.

For models Ollama and llama.cpp cannot run yet, and for a LoRA adapter fresh out of
``finetune/`` before it is merged or converted. ``BASE`` may be a GGUF file: it is
dequantised through transformers' GGUF loader (:mod:`agent.models.gguf_base`), so an
adapter trained on a GGUF runs on the same weights it was trained on. On CUDA the
model loads in 4-bit NF4 (QLoRA's format) unless ``hf_quantization=none``; on CPU it
loads in float32 and says so, because bitsandbytes does not refuse 4-bit on CPU: it
runs it, slowly.

:class:`HFChat` renders messages with the tokenizer's chat template and streams with
``TextIteratorStreamer`` while ``generate`` runs in a thread. One generation at a time
per model (a lock): two threads sharing one model and its caches would interleave.
"""

from __future__ import annotations

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

from agent.models import gguf_base
from agent.models.dependencies import require
from agent.models.local_chat import (
    Deadline,
    RepetitionGuard,
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

PROVIDER = "hf"
ADAPTER = "+adapter="
FREE = Price(0.0, 0.0)  # runs on your machine: no per-token price


def parse_target(target: str) -> tuple[str, str | None]:
    """``"BASE+adapter=PATH"`` -> ``("BASE", "PATH")``; no adapter -> ``(target, None)``."""
    base, sep, adapter = target.partition(ADAPTER)
    base, adapter = base.strip(), adapter.strip()
    if not base or (sep and not adapter):
        raise ModelSetupError(message("hf_bad_target", target=target))
    return base, adapter or None


def _offline() -> bool:
    from huggingface_hub import is_offline_mode

    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    flags = (os.environ.get(name, "").lower() for name in names)
    return is_offline_mode() or any(flag in {"1", "true", "yes", "on"} for flag in flags)


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or name.count("/") > 1


def locate(name: str, what: str, marker: str) -> str:
    """A local folder, or a Hub repo id that is in the local cache (or may be downloaded).

    ``marker`` is the file that proves the folder holds a ``what`` (config.json for a
    model, adapter_config.json for an adapter). Offline, a repo missing from the cache
    is a one-line error naming it, not transformers' page-long OSError.
    """
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / marker).is_file():
            raise ModelSetupError(
                message("hf_not_a_folder_of", folder=folder, what=what, marker=marker)
            )
        return str(folder.resolve())
    if _looks_like_path(name):
        raise ModelSetupError(message("hf_no_folder", what=what, name=name))
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        cached = try_to_load_from_cache(name, marker)
    except HFValidationError as exc:
        raise ModelSetupError(message("hf_bad_name", name=name)) from exc
    if not isinstance(cached, str) and _offline():
        raise ModelSetupError(message("hf_not_cached", what=what, name=name))
    return name


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    name: str
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def context_window(self) -> int | None:
        value = getattr(self.model.config, "max_position_embeddings", None)
        return int(value) if value else None


_LOADED: dict[tuple[str, str | None, str], LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def _precision(torch: Any, quantization: str) -> tuple[dict[str, Any], list[str], str]:
    """from_pretrained arguments, notes for the user, and a cache key for the choice."""
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if quantization in ("auto", "4bit"):
            require("bitsandbytes", "gpu", PROVIDER)
            from transformers import BitsAndBytesConfig

            config = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype,
            )
            args = {"quantization_config": config, "device_map": "auto"}
            return args, ["4-bit NF4 with double quantization (bitsandbytes) on CUDA"], "nf4"
        name = str(dtype).removeprefix("torch.")
        return {"dtype": dtype, "device_map": "auto"}, [f"{name} on CUDA, not quantized"], name
    notes = ["CPU: full precision (float32); 4-bit NF4 needs a CUDA GPU"]
    if quantization == "4bit":
        notes.append(
            "hf_quantization=4bit ignored: no CUDA device. bitsandbytes would run 4-bit on "
            "the CPU without complaint, slower than float32 and not what QLoRA means"
        )
    return {"dtype": torch.float32}, notes, "cpu-fp32"


def load(base: str, adapter: str | None, args: dict[str, Any], precision: str) -> LoadedModel:
    """The shared model for (base, adapter, precision), loading it on first use.

    ``args`` and ``precision`` come from :func:`_precision`; ``notes`` on the result
    describe the model itself (adapter, template), not the request.
    """
    transformers = require("transformers", "hf", PROVIDER)
    source = str(gguf_base.gguf_file(base)) if gguf_base.is_gguf(base) else None
    source = source or locate(base, "model", "config.json")
    adapter_source = locate(adapter, "adapter", "adapter_config.json") if adapter else None
    key = (source, adapter_source, precision)
    notes: list[str] = []
    name = base + (ADAPTER + adapter if adapter else "")
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        try:
            if gguf_base.is_gguf(source):  # a GGUF file: dequantised, its own tokenizer
                tokenizer = gguf_base.load_tokenizer(Path(source))
                model = gguf_base.load_model(Path(source), **args)
                notes.append(gguf_base.dequantised_line(Path(source), model))
            else:
                tokenizer = transformers.AutoTokenizer.from_pretrained(source)
                model = transformers.AutoModelForCausalLM.from_pretrained(source, **args)
        except (OSError, ValueError) as exc:
            raise ModelSetupError(
                message("hf_load_failed", target=base, error=_first_line(exc))
            ) from exc
        if adapter_source:
            peft = require("peft", "hf", PROVIDER)
            try:
                model = peft.PeftModel.from_pretrained(model, adapter_source)
            except (OSError, ValueError, RuntimeError) as exc:
                raise ModelSetupError(
                    message("hf_adapter_failed", target=name, error=_first_line(exc))
                ) from exc
            notes.append(f"LoRA adapter {adapter} applied (not merged)")
        model.eval()
        if not tokenizer.chat_template:
            notes.append(f"{base} has no chat template: prompts use a plain 'role: text' format")
        loaded = LoadedModel(model=model, tokenizer=tokenizer, name=name, notes=notes)
        _LOADED[key] = loaded
        return loaded


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class HFChat(StreamingChatModel):
    """A LangChain chat model over a loaded transformers model; see the module docstring."""

    model_name: str
    max_tokens: int = 512
    temperature: float = 0.0
    timeout_s: float | None = None
    _loaded: LoadedModel = PrivateAttr()

    def __init__(self, loaded: LoadedModel, **data: Any) -> None:
        super().__init__(model_name=loaded.name, **data)
        self._loaded = loaded

    @property
    def _llm_type(self) -> str:
        return PROVIDER

    @property
    def hf_model(self) -> Any:
        """The transformers (or peft) model, for callers that need logits or weights."""
        return self._loaded.model

    @property
    def hf_tokenizer(self) -> Any:
        return self._loaded.tokenizer

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def prompt_ids(self, messages: list[BaseMessage]) -> Any:
        """Input ids (1 x n tensor) for ``messages``, through the chat template if any."""
        tokenizer, chat = self._loaded.tokenizer, chat_dicts(messages)
        if tokenizer.chat_template:
            text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
            # The template writes BOS itself where the model wants one.
            encoded = tokenizer(text, add_special_tokens=False, return_tensors="pt")
        else:
            encoded = tokenizer(plain_prompt(chat), return_tensors="pt")
        return encoded["input_ids"]

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        loaded = self._loaded
        tokenizer, model = loaded.tokenizer, loaded.model
        input_ids = self.prompt_ids(messages).to(model.device)
        temperature = float(kwargs.get("temperature", self.temperature))
        halt = threading.Event()  # set by this side: stop string found, or caller gone
        deadline = Deadline(self.timeout_s, f"hf:{loaded.name}")
        timed_out = threading.Event()

        class _Halt(StoppingCriteria):
            def __call__(self, ids: Any, scores: Any, **_: Any) -> bool:
                if not halt.is_set():
                    try:
                        deadline.check()
                    except TimeoutError:
                        timed_out.set()
                        halt.set()
                return halt.is_set()

        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        pad = tokenizer.pad_token_id
        options: dict[str, Any] = {
            "input_ids": input_ids,
            "attention_mask": input_ids.new_ones(input_ids.shape),
            "max_new_tokens": int(kwargs.get("max_tokens", self.max_tokens)),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_Halt()]),
            "pad_token_id": pad if pad is not None else tokenizer.eos_token_id,
        }
        if temperature > 0:
            options.update(do_sample=True, temperature=temperature)
        else:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["ids"] = model.generate(**options)
            except BaseException as exc:  # re-raised on the caller's side
                outcome["error"] = exc
                streamer.end()  # unblock the consumer

        scanner = StopScanner(stop or [])
        looping = RepetitionGuard()
        finish = "length"
        with loaded.lock:
            worker = threading.Thread(target=run, name="hf-generate", daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    text, stopped = scanner.feed(piece)
                    if text:
                        yield text_chunk(text)
                    if stopped:
                        finish = "stop"
                        halt.set()
                        break
                    if looping.feed(piece):
                        finish = "repetition"
                        halt.set()
                        break
            finally:
                halt.set()  # also when the caller stops reading early
                worker.join()  # the streamer's queue is unbounded: generate() never blocks
        if "error" in outcome:
            raise outcome["error"]
        if timed_out.is_set():
            raise TimeoutError(f"hf:{loaded.name}: generation stopped at its time limit")
        if rest := scanner.flush():
            yield text_chunk(rest)
        new = outcome["ids"][0, input_ids.shape[1] :].tolist()
        eos = _eos_ids(model, tokenizer)
        if new and new[-1] in eos:
            new.pop()
            finish = "stop"
        yield usage_chunk(input_ids.shape[1], len(new), finish, loaded.name)


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids = getattr(model.generation_config, "eos_token_id", None)
    found = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if tokenizer.eos_token_id is not None:
        found.add(tokenizer.eos_token_id)
    return found


def build(target: str, settings: Settings) -> ResolvedModel:
    base, adapter = parse_target(target)
    torch = require("torch", "hf", PROVIDER)
    args, notes, precision = _precision(torch, settings.hf_quantization)
    loaded = load(base, adapter, args, precision)
    chat = HFChat(
        loaded,
        max_tokens=settings.max_output_tokens,
        temperature=settings.temperature,
        timeout_s=settings.model_timeout_s,
    )
    return ResolvedModel(
        name=f"{PROVIDER}:{target}",
        llm=chat,
        provider=PROVIDER,
        context_window=loaded.context_window,
        counter=CallableCounter(loaded.count_tokens),
        price=FREE,
        notes=notes + loaded.notes,
    )


def check(target: str, settings: Settings) -> Reachability:
    """Packages importable and the model (and adapter) on disk or in the HF cache."""
    spec = f"{PROVIDER}:{target}"
    try:
        base, adapter = parse_target(target)
        for module in ("torch", "transformers", *(["peft"] if adapter else [])):
            require(module, "hf", PROVIDER)
        where = (
            str(gguf_base.gguf_file(base))
            if gguf_base.is_gguf(base)
            else locate(base, "model", "config.json")
        )
        if adapter:
            locate(adapter, "adapter", "adapter_config.json")
    except ModelSetupError as exc:
        return Reachability(spec, PROVIDER, False, exc.message)
    import torch

    device = "CUDA" if torch.cuda.is_available() else "CPU"
    if gguf_base.is_gguf(where):
        detail = message("hf_gguf_file", path=where, device=device)
    elif Path(where).is_dir():
        detail = message("hf_local_folder", folder=where, device=device)
    else:
        from huggingface_hub import try_to_load_from_cache

        cached = isinstance(try_to_load_from_cache(base, "config.json"), str)
        detail = message("hf_cached" if cached else "hf_download_first", device=device)
    return Reachability(spec, PROVIDER, True, detail)
