"""LoRA / QLoRA fine-tuning side pipeline: datasets, training, merge, export.

One concept per module: ``dataset`` (formats, line-numbered errors), ``corpus_pairs``
(pairs from an ingested collection), ``targets`` (LoRA modules per architecture),
``memory`` (estimate and measured peak), ``training`` (the loop and resume), ``report``,
``merge``, ``export`` (Ollama, GGUF) and ``command`` (the ``veraz finetune`` Typer app).
"""
