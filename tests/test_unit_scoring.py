"""What a question names that a text lacks (agent/tools/unit_scoring.missing_key_terms)."""

from __future__ import annotations

import pytest

from agent.tools.unit_scoring import missing_key_terms


@pytest.mark.parametrize(
    "question, text",
    [
        ("How much VRAM does a 70B model need?", "A 70B model needs about 40 GB of VRAM."),
        ("¿Con cuántos tokens se entrenó el modelo de 65B?", "65.000 millones de parámetros"),
        ("¿Cuánto ocupa un modelo de 1.5B?", "Un modelo de 1,5B ocupa 1 GB."),
        ("Which context does the 128k variant have?", "up to 128.000 tokens"),
    ],
)
def test_a_size_written_another_way_is_found(question: str, text: str) -> None:
    assert missing_key_terms(question, text) == []


def test_a_decimal_score_is_not_a_model_size() -> None:
    # Held-out notes question: a table row scoring 70.5 on MMLU is about a 7B model.
    text = "Model: Qwen2 7B Instruct · MMLU: 70.5 · GSM8K: 82.3"
    assert missing_key_terms("What is Llama 3 70B's MMLU score?", text) == ["70B"]


def test_names_rule_out_a_text_only_when_none_occurs() -> None:
    assert missing_key_terms("¿Qué diferencia hay entre GPTQ y AWQ?", "AWQ protege el 1%.") == []
    assert missing_key_terms("¿Qué diferencia hay entre GPTQ y AWQ?", "NF4 es normal.") == [
        "GPTQ",
        "AWQ",
    ]
