"""Which linear layers get LoRA adapters, per architecture.

The names differ by family (``q_proj`` in Llama, ``c_attn`` in GPT-2, ``query_key_value``
in GPT-NeoX), and a wrong list either fails in peft or, worse, matches nothing useful.
Adapting every linear layer of the blocks (attention and MLP) is what QLoRA found works
best for a given rank; the output head and embeddings stay frozen, so the adapter stays
small and the merged model's vocabulary is the base's.

Known families come from a table; anything else is found by scanning the model for
linear layers inside its repeated blocks, and the scan says so.
"""

from __future__ import annotations

from typing import Any

_LLAMA_LIKE = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
KNOWN: dict[str, list[str]] = {
    **{
        name: _LLAMA_LIKE
        for name in (
            "llama",
            "mistral",
            "mixtral",
            "qwen2",
            "qwen3",
            "gemma",
            "gemma2",
            "gemma3_text",
            "olmo",
            "olmo2",
            "granite",
            "smollm3",
            "cohere",
            "deepseek_v2",
        )
    },
    "phi3": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"],
    "phi": ["q_proj", "k_proj", "v_proj", "dense", "fc1", "fc2"],
    "gpt2": ["c_attn", "c_proj", "c_fc"],
    "gpt_neox": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
    "falcon": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
    "bloom": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
    "opt": ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"],
    "gptj": ["q_proj", "k_proj", "v_proj", "out_proj", "fc_in", "fc_out"],
    "stablelm": _LLAMA_LIKE,
}
# Never adapted: the output head and embeddings (tied to the vocabulary).
_SKIP = ("lm_head", "embed", "wte", "wpe", "embed_out", "output")


def _linear_names(model: Any) -> dict[str, int]:
    """Leaf names of linear-like modules (Linear, GPT-2's Conv1D, bnb 4-bit) and counts."""
    found: dict[str, int] = {}
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind not in {"Linear", "Conv1D", "Linear4bit", "Linear8bitLt"}:
            continue
        leaf = name.rsplit(".", 1)[-1]
        if any(leaf.startswith(s) for s in _SKIP):
            continue
        found[leaf] = found.get(leaf, 0) + 1
    return found


def find_targets(model: Any) -> tuple[list[str], str]:
    """Target module names for ``model`` and a note on how they were chosen."""
    model_type = getattr(model.config, "model_type", "")
    present = _linear_names(model)
    if model_type in KNOWN:
        names = [n for n in KNOWN[model_type] if n in present]
        if names:
            return names, f"{model_type}: attention and MLP projections ({', '.join(names)})"
    # Unknown family: the linear layers that repeat once per block.
    layers = int(getattr(model.config, "num_hidden_layers", 0) or 0)
    repeated = sorted(n for n, count in present.items() if layers and count % layers == 0)
    names = repeated or sorted(present)
    if not names:
        raise ValueError(f"no linear layers found to adapt in {type(model).__name__}")
    return names, f"{model_type or 'unknown'}: not in the table; found by scanning ({names})"
