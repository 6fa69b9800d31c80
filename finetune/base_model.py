"""The base model of a run: a Hugging Face folder, a cached repo id, or a GGUF file.

One place decides how a ``--base`` is loaded, so ``dataset`` (length filter), ``train``,
``merge`` and ``export`` read the same tokenizer, chat template and weights. A GGUF is
dequantised through transformers' GGUF loader (:mod:`agent.models.gguf_base`) and
announced in one line (what was dequantised, and the memory it now takes): a Q4 file
of 100 MB becomes several hundred MB of float32 weights, and the user should see that
before training starts, not when the machine swaps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.models import gguf_base
from agent.models.resolved import ModelSetupError
from finetune.errors import FinetuneError


def describe(base: str) -> str:
    """The base as recorded in run files: an absolute path for local ones, else as given."""
    path = Path(base).expanduser()
    return str(path.resolve()) if path.exists() else base


def _source(base: str) -> str:
    from agent.models.hf import locate

    try:
        if gguf_base.is_gguf(base):
            return str(gguf_base.gguf_file(base))
        return locate(base, "model", "config.json")
    except ModelSetupError as exc:
        raise FinetuneError(str(exc)) from exc


def load_tokenizer(base: str) -> Any:
    """The base's tokenizer (a GGUF's own, with its chat template)."""
    source = _source(base)
    try:
        if gguf_base.is_gguf(source):
            return gguf_base.load_tokenizer(Path(source))
    except ModelSetupError as exc:
        raise FinetuneError(str(exc)) from exc
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source)


def load_model(base: str, **args: Any) -> tuple[Any, list[str]]:
    """The base's causal LM with ``args`` (dtype, device_map…) and notes for the user.

    A GGUF gets one note: what was dequantised and the memory it takes.
    """
    source = _source(base)
    if gguf_base.is_gguf(source):
        if "quantization_config" in args:
            raise FinetuneError(
                f"{source}: QLoRA re-quantises a Hugging Face folder; a GGUF base trains "
                "with plain LoRA (drop --qlora), or give the original safetensors folder"
            )
        try:
            model = gguf_base.load_model(Path(source), **args)
        except ModelSetupError as exc:
            raise FinetuneError(str(exc)) from exc
        return model, [gguf_base.dequantised_line(Path(source), model)]
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(source, **args), []
