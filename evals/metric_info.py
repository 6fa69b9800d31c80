"""What each summary figure means, in one line, for the reports' tables.

``higher_is_better`` decides the colour of a delta in ``veraz eval compare``.
"""

from __future__ import annotations

METRICS: dict[str, tuple[str, bool]] = {
    "hit@1": ("a reference passage/document is the top retrieved chunk", True),
    "hit@5": ("a reference is among the 5 retrieved chunks", True),
    "mrr": ("mean reciprocal rank of the first reference chunk", True),
    "reference_recall": ("share of the references found in the top 5", True),
    "bleu": ("ragas BLEU, answer vs ground truth", True),
    "rouge_l": ("ragas ROUGE-L F1, answer vs ground truth", True),
    "string_similarity": ("ragas non-LLM string similarity (Levenshtein) to ground truth", True),
    "semantic_similarity": ("ragas semantic similarity to ground truth (bundled embeddings)", True),
    "non_llm_context_precision": ("ragas non-LLM context precision vs reference contexts", True),
    "non_llm_context_recall": ("ragas non-LLM context recall vs reference contexts", True),
    "id_context_precision": ("ragas ID-based context precision (reference documents)", True),
    "id_context_recall": ("ragas ID-based context recall (reference documents)", True),
    "faithfulness": ("ragas faithfulness (LLM judge): claims supported by the contexts", True),
    "answer_relevancy": ("ragas answer relevancy (LLM judge + embeddings)", True),
    "context_precision": ("ragas context precision (LLM judge, with reference)", True),
    "context_recall": ("ragas context recall (LLM judge)", True),
    "groundedness": ("mean verifier score of the answers given", True),
    "grounded_rate": ("share of answers the verifier marked grounded", True),
    "abstention_rate": ("share of questions Veraz declined to answer", False),
    "fallback_rate": ("share of questions answered by the fallback model", False),
    "verifier_ragas_agreement": ("verifier verdict = (faithfulness >= 0.5)", True),
    "latency_p50_ms": ("median answering time per question, in ms", False),
    "latency_p95_ms": ("95th percentile of answering time, in ms", False),
    "cost_usd": ("total cost of the answering model calls", False),
    "prompt_tokens": ("prompt tokens, all questions", False),
    "completion_tokens": ("completion tokens, all questions", False),
    "answered": ("questions answered (not abstained, no error)", True),
    "errors": ("questions where the graph raised", False),
}

SCORE_ORDER = [name for name in METRICS if name not in ("answered", "errors")]


def describe(name: str) -> str:
    return METRICS.get(name, ("", True))[0]


def higher_is_better(name: str) -> bool:
    return METRICS.get(name, ("", True))[1]


def fmt(value: object) -> str:
    """Scores with 3 decimals, counts as integers, missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)
