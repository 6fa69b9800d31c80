"""ragas metrics: the ones that need no LLM always, the judged ones when a judge is set.

Everything goes through the real ragas 0.4 classes. Offline, answers are compared with
the ground truth (BLEU, ROUGE-L, string similarity, semantic similarity with Veraz's own
embedder) and contexts with the references (non-LLM and ID-based precision/recall). With
a judge (any OpenAI-compatible ``/v1``: OpenAI, Ollama, vLLM, llama.cpp's server), the
LLM metrics run too. ``skipped`` says, per metric, why it did not run.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.runner import QuestionRecord

# ragas sends usage analytics (and writes a user id to disk) when an LLM is built, unless
# told not to. Veraz never phones home; a user who wants to share them can set it to false.
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

JUDGED = ("faithfulness", "answer_relevancy", "context_precision", "context_recall")
ANSWER_METRICS = ("bleu", "rouge_l", "string_similarity", "semantic_similarity")
CONTEXT_METRICS = (
    "non_llm_context_precision",
    "non_llm_context_recall",
    "id_context_precision",
    "id_context_recall",
)


@dataclass
class JudgeConfig:
    """An LLM judge on an OpenAI-compatible server.

    ``spec`` is ``openai:MODEL`` (``base_url`` defaults to OpenAI's, or
    ``OPENAI_BASE_URL``) or ``ollama:MODEL`` (``OLLAMA_HOST`` + ``/v1``). The API key comes
    from ``OPENAI_API_KEY``; local servers accept any token.
    """

    spec: str
    base_url: str | None = None

    @property
    def provider(self) -> str:
        return self.spec.split(":", 1)[0] if ":" in self.spec else "openai"

    @property
    def model(self) -> str:
        return self.spec.split(":", 1)[1] if ":" in self.spec else self.spec

    def resolved_base_url(self) -> str | None:
        if self.base_url:
            return self.base_url
        if self.provider == "ollama":
            host = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434")
            host = host if host.startswith("http") else f"http://{host}"
            return host.rstrip("/") + "/v1"
        return os.environ.get("OPENAI_BASE_URL")

    def to_dict(self) -> dict[str, Any]:
        """What the run records: the model and server, never the key."""
        return {"spec": self.spec, "base_url": self.resolved_base_url()}


@dataclass
class RagasOutcome:
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _ragas_embeddings(embedder: Any) -> Any:
    """Veraz's embedder as a ragas embedding: no second model is loaded, none downloaded."""
    from ragas.embeddings.base import BaseRagasEmbedding

    class VerazEmbedding(BaseRagasEmbedding):
        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return [float(x) for x in embedder.encode([text])[0]]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return self.embed_text(text)

    return VerazEmbedding()


def _judge_client(judge: JudgeConfig) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        base_url=judge.resolved_base_url(),
        api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
        max_retries=1,
    )


def _judge_llm(judge: JudgeConfig, client: Any) -> Any:
    from ragas.llms import llm_factory

    return llm_factory(judge.model, provider="openai", client=client)


def _short_error(exc: BaseException) -> str:
    """One line that says why a judged score is missing.

    instructor retries a reply that is not the JSON ragas asked for, then raises an
    exception whose text is every attempt in XML; what matters is the last attempt's
    error and how many were made.
    """
    attempts = getattr(exc, "n_attempts", None)
    failed = getattr(exc, "failed_attempts", None) or []
    cause: BaseException = exc
    if failed and getattr(failed[-1], "exception", None) is not None:
        cause = failed[-1].exception
    elif exc.__cause__ is not None:
        cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors) and hasattr(cause, "title"):  # a pydantic ValidationError
        try:
            parts = [
                f"{'.'.join(str(x) for x in e.get('loc', ())) or 'reply'}: {e.get('msg', '')}"
                for e in errors()[:3]
            ]
            text = f"judge reply is not a valid {cause.title} ({'; '.join(parts)})"
        except Exception:
            text = str(cause).splitlines()[0]
    else:
        lines = str(cause).strip().splitlines()
        text = f"{type(cause).__name__}: {lines[0] if lines else ''}"
    if attempts:
        text += f" after {attempts} attempt{'s' if attempts != 1 else ''}"
    return text[:300]


def _names(contexts: list[dict[str, Any]]) -> list[str]:
    return [Path(c.get("source", "")).name for c in contexts]


async def _score_one(
    record: QuestionRecord, metrics: dict[str, Any], judged: dict[str, Any]
) -> dict[str, float | None]:
    from ragas.dataset_schema import SingleTurnSample

    item, answer = record.item, record.answer or {}
    response = answer.get("answer", "")
    contexts = [c["text"] for c in record.retrieved]
    scores: dict[str, float | None] = {}

    async def run(name: str, pending: Any) -> None:
        try:
            result = await pending
            scores[name] = float(getattr(result, "value", result))
        except Exception as exc:  # a judge's bad reply costs one score
            scores[name] = None
            record.metric_errors[name] = _short_error(exc)

    answered = bool(response) and not answer.get("abstained")
    if item.ground_truth and response:
        await run("bleu", (metrics["bleu"].ascore(reference=item.ground_truth, response=response)))
        await run(
            "rouge_l", (metrics["rouge_l"].ascore(reference=item.ground_truth, response=response))
        )
        await run(
            "string_similarity",
            (metrics["string_similarity"].ascore(reference=item.ground_truth, response=response)),
        )
        await run(
            "semantic_similarity",
            (metrics["semantic_similarity"].ascore(reference=item.ground_truth, response=response)),
        )
    sample = SingleTurnSample(
        user_input=item.question,
        response=response,
        retrieved_contexts=contexts,
        reference_contexts=item.reference_contexts or None,
        retrieved_context_ids=_names(record.retrieved),
        reference_context_ids=[Path(s).name for s in item.reference_sources] or None,
    )
    if item.reference_contexts and contexts:
        for name in ("non_llm_context_precision", "non_llm_context_recall"):
            await run(name, (metrics[name].single_turn_ascore(sample)))
    if item.reference_sources and contexts:
        for name in ("id_context_precision", "id_context_recall"):
            await run(name, (metrics[name].single_turn_ascore(sample)))
    if judged:
        if answered and contexts:
            await run(
                "faithfulness",
                (
                    judged["faithfulness"].ascore(
                        user_input=item.question, response=response, retrieved_contexts=contexts
                    )
                ),
            )
        if answered:
            await run(
                "answer_relevancy",
                (judged["answer_relevancy"].ascore(user_input=item.question, response=response)),
            )
        if item.ground_truth and contexts:
            await run(
                "context_precision",
                (
                    judged["context_precision"].ascore(
                        user_input=item.question,
                        reference=item.ground_truth,
                        retrieved_contexts=contexts,
                    )
                ),
            )
            await run(
                "context_recall",
                (
                    judged["context_recall"].ascore(
                        user_input=item.question,
                        retrieved_contexts=contexts,
                        reference=item.ground_truth,
                    )
                ),
            )
    return scores


def score_records(
    records: list[QuestionRecord],
    embedder: Any,
    judge: JudgeConfig | None = None,
    progress: Any = None,
) -> RagasOutcome:
    """Add ragas scores to each record's ``scores``; say which metrics ran and why not."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="ragas")
    from ragas.metrics import (
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextPrecisionWithReference,
        NonLLMContextRecall,
    )
    from ragas.metrics.collections import (
        AnswerRelevancy,
        BleuScore,
        ContextPrecision,
        ContextRecall,
        Faithfulness,
        NonLLMStringSimilarity,
        RougeScore,
        SemanticSimilarity,
    )

    embeddings = _ragas_embeddings(embedder)
    metrics = {
        "bleu": BleuScore(),
        "rouge_l": RougeScore(),
        "string_similarity": NonLLMStringSimilarity(),
        "semantic_similarity": SemanticSimilarity(embeddings=embeddings),
        "non_llm_context_precision": NonLLMContextPrecisionWithReference(),
        "non_llm_context_recall": NonLLMContextRecall(),
        "id_context_precision": IDBasedContextPrecision(),
        "id_context_recall": IDBasedContextRecall(),
    }
    judged: dict[str, Any] = {}
    client = None
    if judge is not None:
        client = _judge_client(judge)
        llm = _judge_llm(judge, client)
        judged = {
            "faithfulness": Faithfulness(llm=llm),
            "answer_relevancy": AnswerRelevancy(llm=llm, embeddings=embeddings),
            "context_precision": ContextPrecision(llm=llm),
            "context_recall": ContextRecall(llm=llm),
        }

    async def all_records() -> None:
        try:
            for done, record in enumerate(records, start=1):
                if record.answer is not None:
                    record.scores.update(await _score_one(record, metrics, judged))
                if progress:
                    progress(done, len(records))
        finally:
            if client is not None:  # its connections belong to this event loop
                await client.close()

    asyncio.run(all_records())
    return _outcome(records, judge)


def _outcome(records: list[QuestionRecord], judge: JudgeConfig | None) -> RagasOutcome:
    outcome = RagasOutcome()
    present = {name for r in records for name, v in r.scores.items() if v is not None}
    has_truth = any(r.item.ground_truth for r in records)
    has_contexts = any(r.item.reference_contexts for r in records)
    has_sources = any(r.item.reference_sources for r in records)
    reasons = {
        **{m: "the dataset has no ground_truth answers" for m in ANSWER_METRICS if not has_truth},
        "non_llm_context_precision": "the dataset has no reference_contexts",
        "non_llm_context_recall": "the dataset has no reference_contexts",
        "id_context_precision": "the dataset names no reference documents",
        "id_context_recall": "the dataset names no reference documents",
    }
    for name in ANSWER_METRICS + CONTEXT_METRICS:
        if name in present:
            outcome.ran.append(name)
        elif (name.startswith("non_llm") and has_contexts) or (
            name.startswith("id_") and has_sources
        ):
            outcome.skipped[name] = "no question had retrieved passages to score"
        else:
            outcome.skipped[name] = reasons.get(name, "no answered question to score")
    for name in JUDGED:
        if name in present:
            outcome.ran.append(name)
        elif judge is None:
            outcome.skipped[name] = "needs an LLM judge: pass --judge (e.g. ollama:qwen2.5:7b)"
        else:
            errors = [r.metric_errors[name] for r in records if name in r.metric_errors]
            outcome.skipped[name] = (
                f"the judge returned no usable score for {len(errors)} question(s); "
                f"first error: {errors[0]}"
                if errors
                else "no question was eligible (answered, with retrieved passages or a "
                "ground truth)"
            )
    return outcome
