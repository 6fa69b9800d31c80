"""The errors of the fine-tuning pipeline, apart so every stage can raise them without
importing the training loop (and torch) first."""

from __future__ import annotations


class FinetuneError(RuntimeError):
    """A run that cannot start or continue; the message says why and what to do."""


class QLoRANeedsGPU(FinetuneError):
    """QLoRA asked for on a machine without CUDA."""
