"""How much memory a LoRA / QLoRA run needs, before it starts, and what it used after.

The estimate is printed before training so that a run that cannot fit fails in a
second, with the reason, rather than after twenty minutes of swapping. The formula
(bytes; P base parameters, P_q those in the adapted block linears, L LoRA parameters,
b batch, s sequence length, h hidden size, n layers, V vocabulary, e bytes per
activation element):

    weights      LoRA: P * w  (w = 4 float32 on CPU, 2 bfloat16/float16 on GPU)
                 QLoRA: P_q * 0.516 (NF4 + double-quantised constants) + (P - P_q) * 2
    adapter      L * 16        (float32 weight 4 + gradient 4 + AdamW moments 8)
    activations  checkpointing on:  n * b*s*h*e  +  b*s*h*34*e/2  (saved inputs + one layer)
                 checkpointing off: n * b*s*h*34*e/2
                 (Korthikanti et al. 2022 per-layer count, without the attention-score
                 term: SDPA / flash attention does not keep the s*s scores)
    logits       b*s*V * 4 * 2  (float32 logits and their gradient)
    overhead     0.5 GiB        (CUDA context and allocator slack, or Python + torch on CPU)

It is an estimate: allocator fragmentation, long MLPs (SwiGLU's 3.5h) and eager attention
push real figures up, by up to a third in practice. The measured peak is reported after
training (see :func:`peak_memory_mb`).
"""

from __future__ import annotations

import resource
import sys
from dataclasses import dataclass
from typing import Any

GIB = 1024**3
NF4_BYTES = 0.516  # 4 bits + 8-bit absmax per 64 + float32 per 256 absmax blocks
OVERHEAD = 0.5 * GIB


@dataclass
class Estimate:
    """Bytes per component; :meth:`lines` is what ``veraz finetune train`` prints."""

    params: int
    lora_params: int
    weights: float
    adapter_and_optimizer: float
    activations: float
    logits: float
    overhead: float = OVERHEAD

    @property
    def total(self) -> float:
        return (
            self.weights
            + self.adapter_and_optimizer
            + self.activations
            + self.logits
            + self.overhead
        )

    def to_dict(self) -> dict[str, float]:
        mb = 1024**2
        return {
            "params": self.params,
            "lora_params": self.lora_params,
            "weights_mb": round(self.weights / mb, 1),
            "adapter_and_optimizer_mb": round(self.adapter_and_optimizer / mb, 1),
            "activations_mb": round(self.activations / mb, 1),
            "logits_mb": round(self.logits / mb, 1),
            "overhead_mb": round(self.overhead / mb, 1),
            "total_mb": round(self.total / mb, 1),
        }

    def lines(self) -> list[str]:
        d = self.to_dict()
        share = 100 * self.lora_params / max(1, self.params)
        return [
            f"parameters: {self.params:,} (LoRA trains {self.lora_params:,}, {share:.2f} %)",
            f"weights {d['weights_mb']} MB + LoRA weights, gradients and AdamW state "
            f"{d['adapter_and_optimizer_mb']} MB + activations {d['activations_mb']} MB + "
            f"logits {d['logits_mb']} MB + overhead {d['overhead_mb']} MB",
            f"estimated peak: {d['total_mb']:,} MB",
        ]


def estimate(
    *,
    params: int,
    quantized_params: int,
    lora_params: int,
    hidden: int,
    layers: int,
    vocab: int,
    batch: int,
    seq_len: int,
    mode: str = "lora",
    weight_bytes: int = 4,
    activation_bytes: int = 4,
    gradient_checkpointing: bool = True,
) -> Estimate:
    """The formula in the module docstring; ``mode`` is ``"lora"`` or ``"qlora"``."""
    if mode == "qlora":
        weights = quantized_params * NF4_BYTES + (params - quantized_params) * 2
    else:
        weights = params * weight_bytes
    tokens = batch * seq_len
    one_layer = tokens * hidden * 34 * activation_bytes / 2
    if gradient_checkpointing:
        activations = layers * tokens * hidden * activation_bytes + one_layer
    else:
        activations = layers * one_layer
    return Estimate(
        params=params,
        lora_params=lora_params,
        weights=weights,
        adapter_and_optimizer=lora_params * 16,
        activations=activations,
        logits=tokens * vocab * 4 * 2,
    )


def adapted_params(model: Any, targets: list[str]) -> int:
    """Parameters in the linear layers LoRA adapts (what QLoRA quantises)."""
    total = 0
    for name, module in model.named_modules():
        if name.rsplit(".", 1)[-1] in targets and hasattr(module, "weight"):
            total += module.weight.numel()
    return total


def lora_param_count(model: Any, targets: list[str], rank: int) -> int:
    """LoRA parameters before wrapping: rank * (in + out) per adapted layer."""
    total = 0
    for name, module in model.named_modules():
        if name.rsplit(".", 1)[-1] in targets and hasattr(module, "weight"):
            rows, cols = module.weight.shape[:2]
            total += rank * (rows + cols)
    return total


def for_model(
    model: Any,
    targets: list[str],
    *,
    rank: int,
    batch: int,
    seq_len: int,
    mode: str,
    weight_bytes: int,
    gradient_checkpointing: bool,
) -> Estimate:
    """The estimate for a loaded (not yet wrapped) model."""
    config = model.config
    text = getattr(config, "text_config", None) or config
    return estimate(
        params=sum(p.numel() for p in model.parameters()),
        quantized_params=adapted_params(model, targets),
        lora_params=lora_param_count(model, targets, rank),
        hidden=int(getattr(text, "hidden_size", 0) or getattr(text, "n_embd", 0)),
        layers=int(getattr(text, "num_hidden_layers", 0) or getattr(text, "n_layer", 0)),
        vocab=int(text.vocab_size),
        batch=batch,
        seq_len=seq_len,
        mode=mode,
        weight_bytes=weight_bytes,
        activation_bytes=weight_bytes,
        gradient_checkpointing=gradient_checkpointing,
    )


# Published configurations of common bases (Llama 3.2 1B/3B, Llama 2 7B), for the table.
REFERENCE = {
    "1B (Llama 3.2 1B)": dict(h=2048, n=16, i=8192, v=128256, heads=32, kv=8, tied=True),
    "3B (Llama 3.2 3B)": dict(h=3072, n=28, i=8192, v=128256, heads=24, kv=8, tied=True),
    "7B (Llama 2 7B)": dict(h=4096, n=32, i=11008, v=32000, heads=32, kv=32, tied=False),
}


def llama_counts(h: int, n: int, i: int, v: int, heads: int, kv: int, tied: bool, rank: int):  # type: ignore[no-untyped-def]
    """(total, block-linear, LoRA) parameter counts of a Llama-shaped model."""
    d = h // heads
    shapes = [(h, heads * d), (h, kv * d), (h, kv * d), (heads * d, h), (h, i), (h, i), (i, h)]
    linear = n * sum(a * b for a, b in shapes)
    lora = n * sum(rank * (a + b) for a, b in shapes)
    embeddings = v * h * (1 if tied else 2)
    norms = n * 2 * h + h
    return linear + embeddings + norms, linear, lora


def reference_table(rank: int = 16, batch: int = 1, seq_len: int = 1024) -> list[dict[str, Any]]:
    """Estimated peak (GiB) for the reference bases: LoRA on CPU and GPU, QLoRA on GPU."""
    rows = []
    for name, c in REFERENCE.items():
        total, linear, lora = llama_counts(**c, rank=rank)
        common = dict(
            params=total,
            quantized_params=linear,
            lora_params=lora,
            hidden=c["h"],
            layers=c["n"],
            vocab=c["v"],
            batch=batch,
            seq_len=seq_len,
        )
        cpu = estimate(**common, mode="lora", weight_bytes=4, activation_bytes=4)
        gpu = estimate(**common, mode="lora", weight_bytes=2, activation_bytes=2)
        qlora = estimate(**common, mode="qlora", weight_bytes=2, activation_bytes=2)
        rows.append(
            {
                "base": name,
                "params": total,
                "lora_params": lora,
                "lora_cpu_fp32_gib": round(cpu.total / GIB, 1),
                "lora_gpu_bf16_gib": round(gpu.total / GIB, 1),
                "qlora_gpu_nf4_gib": round(qlora.total / GIB, 1),
            }
        )
    return rows


def peak_memory_mb(device: str) -> tuple[float, str]:
    """Measured peak and what it measures.

    CUDA: ``torch.cuda.max_memory_allocated`` (tensors only, since the last reset). CPU:
    ``getrusage(RUSAGE_SELF).ru_maxrss``, the process's peak resident set: it includes
    Python, torch and everything loaded before training, so it is an upper bound for
    the run itself and never lower than the process's earlier peak.
    """
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 1024**2, "torch.cuda.max_memory_allocated"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return peak * scale / 1024**2, "process peak RSS (getrusage ru_maxrss)"
