"""LoRA / QLoRA fine-tuning side pipeline (issue: fine-tuning). Nothing here yet."""
