"""Fold a LoRA adapter into its base: one folder of plain weights, no peft needed to run it.

Merged weights are what llama.cpp's GGUF converter and most servers take. The base is
loaded unquantised (float32 on CPU, float16/bfloat16 on CUDA) even when the adapter was
trained with QLoRA: merging into 4-bit weights would round the adapter's small deltas
away, so QLoRA adapters are merged into the full-precision base they were trained on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finetune import base_model
from finetune.errors import FinetuneError


def adapter_dir(run_or_adapter: str | Path) -> Path:
    """The adapter folder, given either a run folder or the adapter folder itself."""
    path = Path(run_or_adapter).expanduser()
    for candidate in (path, path / "adapter"):
        if (candidate / "adapter_config.json").is_file():
            return candidate
    raise FinetuneError(f"{path}: no adapter here (no adapter_config.json, nor adapter/)")


def base_of(adapter: Path) -> str:
    """The base recorded in the adapter's config (train writes an absolute folder)."""
    config = json.loads((adapter / "adapter_config.json").read_text())
    base = config.get("base_model_name_or_path")
    if not base:
        raise FinetuneError(f"{adapter}: the adapter does not record its base; pass --base")
    return str(base)


def merge(
    run_or_adapter: str | Path,
    out: str | Path | None = None,
    *,
    base: str | None = None,
    dtype: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Write ``out`` (default ``RUN/merged``): merged safetensors weights and the tokenizer.

    A GGUF base is dequantised first (``log`` gets the line saying so); the merged folder
    is then a plain Hugging Face folder with the GGUF's tokenizer and chat template.
    """
    import torch
    from peft import PeftModel

    adapter = adapter_dir(run_or_adapter)
    base = base or base_of(adapter)
    chosen = _dtype(torch, dtype)
    model, notes = base_model.load_model(base, dtype=chosen)
    for line in notes:
        (log or (lambda _line: None))(line)
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    target = Path(out) if out else adapter.parent / "merged"
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target, safe_serialization=True)
    base_model.load_tokenizer(base).save_pretrained(target)
    return target


def _dtype(torch: Any, name: str | None) -> Any:
    if name:
        try:
            return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
                name
            ]
        except KeyError as exc:
            raise FinetuneError(f"--dtype {name}: use float32, float16 or bfloat16") from exc
    return torch.float16 if torch.cuda.is_available() else torch.float32
