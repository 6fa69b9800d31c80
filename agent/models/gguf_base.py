"""A GGUF file as a transformers model: dequantised through transformers' own GGUF loader.

Users who run local models mostly hold GGUF files (what llama.cpp and Ollama run), not
Hugging Face folders. transformers reads a GGUF's tensors, tokenizer and chat template
(``from_pretrained(folder, gguf_file=name)``, with the PyPI ``gguf`` package) and
dequantises every tensor to the dtype asked for: the model is then an ordinary
``LlamaForCausalLM`` (or whichever architecture) that LoRA can train and the ``hf:``
provider can run. Dequantising does not recover what quantisation lost: a Q4 file
becomes float32 weights with Q4's rounding in them, so the tuned model starts from the
same weights the user was running.

The tokenizer comes from the GGUF too, so training and inference render prompts with
the very chat template the file ships.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from agent.models.dependencies import require
from agent.models.messages import message
from agent.models.resolved import ModelSetupError

SUFFIX = ".gguf"


def is_gguf(name: str | Path) -> bool:
    """Whether ``name`` names a GGUF file (by its suffix; the file need not exist)."""
    return str(name).lower().endswith(SUFFIX)


def gguf_file(name: str | Path) -> Path:
    """The GGUF file ``name`` as an absolute path; a one-line error when it is missing."""
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelSetupError(message("gguf_base_missing", path=path))
    return path.resolve()


def _source(path: Path) -> tuple[str, dict[str, Any]]:
    require("gguf", "finetune", "gguf base")
    return str(path.parent), {"gguf_file": path.name}


def load_tokenizer(path: Path) -> Any:
    """The GGUF's own tokenizer (with its chat template) as a transformers tokenizer.

    Kept per file and modification time: rebuilding it parses the whole vocabulary out of
    the GGUF (half a minute for SmolLM2's 49k tokens on a busy 2-core machine), and a
    fine-tuning run reads it for the dataset, the training and the merge.
    """
    stat = path.stat()
    return _tokenizer(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _tokenizer(name: str, _mtime_ns: int, _size: int) -> Any:
    from transformers import AutoTokenizer

    path = Path(name)
    folder, kwargs = _source(path)
    try:
        return AutoTokenizer.from_pretrained(folder, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelSetupError(message("gguf_base_failed", path=path, error=exc)) from exc


def load_model(path: Path, **args: Any) -> Any:
    """The GGUF's weights dequantised into a transformers causal LM (``args``: dtype…)."""
    from transformers import AutoModelForCausalLM

    folder, kwargs = _source(path)
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, **kwargs, **args)
    except (OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise ModelSetupError(message("gguf_base_failed", path=path, error=exc)) from exc
    # The tensors are plain dequantised ones now, but transformers still tags the model as
    # "quantized with gguf" and refuses save_pretrained (the merge); drop the stale tag.
    model.hf_quantizer = None
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    return model


def tensor_types(path: Path) -> list[str]:
    """The quantisation types of the file's tensors (``Q4_1``, ``Q8_0``, ``F32``…)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    return sorted({tensor.tensor_type.name for tensor in reader.tensors})


def model_bytes(model: Any) -> int:
    """Bytes held by the model's parameters and buffers (tied weights counted once)."""
    seen: set[int] = set()
    total = 0
    for tensor in [*model.parameters(), *model.buffers()]:
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        total += tensor.numel() * tensor.element_size()
    return total


def dequantised_line(path: Path, model: Any) -> str:
    """One line: what was dequantised, into what, and the memory it now takes."""
    params = sum(p.numel() for p in model.parameters())
    dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
    return str(
        message(
            "gguf_base_dequantised",
            name=path.name,
            types="+".join(tensor_types(path)),
            params_m=params / 1e6,
            dtype=dtype,
            size_mb=model_bytes(model) / 2**20,
            file_mb=path.stat().st_size / 2**20,
        )
    )
