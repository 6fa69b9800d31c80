"""``veraz bench finetune``: the whole fine-tuning loop on a real model, measured.

A GGUF base (by default the bundled SmolLM2-135M-Instruct) goes through every stage a
user runs, on the course-notes collection (``evals/data/notes``, the collection of
``veraz bench answers``):

1. the notes are ingested and their chunks become continued-pre-training examples
   (``finetune dataset --pairs text``), a seeded tenth of the chunks held out;
2. LoRA training on the CPU, fixed steps and seed (``finetune train``): seconds per
   step, peak memory, the loss curve, and the perplexity on the held-out chunks before
   and after;
3. merge and export to GGUF (f16 and q8_0) with llama.cpp's converter; the base is
   exported the same way (dequantised, f16), so base and tuned differ by the adapter
   alone and not by quantisation;
4. both f16 GGUFs answer the collection's questions through the whole graph
   (``llamacpp:``), recorded as ``veraz eval`` runs and compared
   (``veraz eval compare``); the bench also scores "contains a gold answer", per
   split (tune / heldout), as ``veraz bench answers`` does.

The questions were never used to pick the training settings (steps, rate, rank were
fixed before the first run); both splits are reported anyway.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.bench_answers import AnswerItem, contains_answer, load_answer_dataset, open_collection

Say = Callable[[str], None]


def eval_dataset(items: list[AnswerItem], path: Path) -> Path:
    """The notes questions as a ``veraz eval`` JSONL (first gold answer as ground truth)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            row = {
                "question": item.question,
                "ground_truth": item.answers[0] if item.answers else "",
                "reference_sources": [item.source] if item.source else [],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def pick_questions(items: list[AnswerItem], per_split: int) -> list[AnswerItem]:
    """The first ``per_split`` answerable questions of each split, in file order."""
    chosen: list[AnswerItem] = []
    for split in ("tune", "heldout"):
        chosen += [i for i in items if i.split == split and i.answerable][:per_split]
    return chosen


def accuracy(records: list[Any], items: list[AnswerItem]) -> dict[str, Any]:
    """Share of answers containing a gold answer, overall and per split."""
    by_question = {i.question: i for i in items}
    rows = []
    for record in records:
        item = by_question[record.item.question]
        text = (record.answer or {}).get("answer", "")
        rows.append((item.split, contains_answer(text, item), not text.strip()))
    out: dict[str, Any] = {"empty": sum(empty for _, _, empty in rows)}
    for split in ("all", "tune", "heldout"):
        picked = [ok for s, ok, _ in rows if split in ("all", s)]
        out[split] = round(sum(picked) / len(picked), 4) if picked else None
    return out


def _ask_once(home: Path, model: str, question: str) -> dict[str, Any]:
    """``veraz ask --model llamacpp:…`` in-process: the answer, its route and model."""
    from agent.api import Veraz

    rag = Veraz(home=home, collection="bench-answers", model=model, llamacpp_n_ctx=2048)
    try:
        answer = rag.ask(question)
    finally:
        rag.close()
    return {"question": question, "answer": answer.answer, "model": answer.model}


def _record(out: Path, figures: dict[str, Any]) -> None:
    """Write the figures so far to ``out/bench.json``: a run cut short (a busy machine, a
    time limit) still leaves every stage it finished on disk."""
    (out / "bench.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str))


def run_finetune_benchmark(
    base: Path,
    notes: Path,
    out: Path,
    *,
    converter: Path | None,
    steps: int = 60,
    lr: float = 1e-3,
    rank: int = 16,
    seed: int = 0,
    max_tokens: int = 512,
    questions_per_split: int = 10,
    say: Say | None = None,
) -> dict[str, Any]:
    """Run the loop of the module docstring under ``out``; return every figure.

    Stages run in order (dataset, training, export, the two evaluations, the comparison,
    one ``ask``); ``out/bench.json`` is rewritten after each, so an interrupted run keeps
    what it measured.
    """
    from evals.compare import write_comparison
    from evals.evaluate import evaluate
    from finetune import base_model, corpus_pairs, corpus_text
    from finetune import dataset as ds
    from finetune.export import convert_hf_folder, find_converter
    from finetune.merge import merge
    from finetune.training import TrainConfig, train

    tell: Say = say or (lambda _line: None)
    out.mkdir(parents=True, exist_ok=True)
    llama_dir = find_converter(converter)  # before hours of training, not after
    figures: dict[str, Any] = {
        "base": str(base),
        # what the times mean depends on what else ran: say what the machine was doing
        "cpu_count": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "steps": steps,
        "seed": seed,
        "lr": lr,
        "rank": rank,
    }
    data = load_answer_dataset(notes)
    collection = out / "collection"
    rag = open_collection(data, collection)
    try:
        chunks = corpus_pairs.read_chunks(rag.index)
    finally:
        rag.close()
    tokenizer = base_model.load_tokenizer(str(base))
    built = ds.build(
        corpus_text.text_examples(chunks),
        out / "data",
        tokenizer=tokenizer,
        max_tokens=max_tokens,
        val_fraction=0.1,
        seed=seed,
    )
    figures.update(chunks=len(chunks), train_chunks=built.n_train, heldout_chunks=built.n_val)
    tell(f"dataset: {built.n_train} training chunks, {built.n_val} held out")
    _record(out, figures)

    config = TrainConfig(
        base=str(base),
        data=str(built.train),
        val_data=str(built.val),
        out=str(out / "run"),
        steps=steps,
        lr=lr,
        rank=rank,
        alpha=2 * rank,
        dropout=0.05,
        warmup_steps=min(5, steps // 4),
        max_tokens=max_tokens,
        gradient_checkpointing=False,  # 135M parameters: memory is not the constraint
        seed=seed,
        save_every=max(1, steps // 4),
    )
    result = train(config, fresh=True, log=tell, progress=False)
    trained = result.steps_this_run
    figures.update(
        seconds_training=result.seconds,
        seconds_per_step=round(result.seconds / trained, 3) if trained else None,
        tokens_per_s=result.tokens_per_s,
        peak_memory_mb=result.peak_memory_mb,
        peak_memory_source=result.peak_memory_source,
        heldout_ppl_before=result.val_ppl_before,
        heldout_ppl_after=result.val_ppl_after,
        heldout_ppl_drop=(
            round(1 - math.exp(result.val_loss_after - result.val_loss_before), 4)
            if result.val_loss_before is not None and result.val_loss_after is not None
            else None
        ),
        train_loss_first=result.train_loss_first,
        train_loss_last=result.train_loss_last,
        loss_curve=str(Path(result.run_dir) / "loss_curve.png"),
        notes=result.notes,
    )
    _record(out, figures)

    started = time.perf_counter()
    merged = merge(result.run_dir, Path(result.run_dir) / "merged", log=tell)
    ggufs = {}
    for outtype in ("f16", "q8_0"):
        target = Path(result.run_dir) / f"model-{outtype}.gguf"
        ggufs[outtype] = convert_hf_folder(llama_dir, merged, target, outtype)
    figures["export_seconds"] = round(time.perf_counter() - started, 1)
    figures["gguf"] = {
        k: {"path": str(v), "mb": round(v.stat().st_size / 2**20, 1)} for k, v in ggufs.items()
    }
    base_hf = out / "base-hf"
    model, _ = base_model.load_model(str(base))
    model.save_pretrained(base_hf, safe_serialization=True)
    tokenizer.save_pretrained(base_hf)
    del model
    base_f16 = convert_hf_folder(llama_dir, base_hf, out / "base-f16.gguf", "f16")
    figures["base_gguf"] = str(base_f16)
    tell(f"exported: {', '.join(str(p) for p in ggufs.values())}; base: {base_f16}")
    _record(out, figures)

    ask = _ask_once(collection / "home", f"llamacpp:{ggufs['q8_0']}", data.items[0].question)
    figures["ask_q8_0"] = ask
    _record(out, figures)

    items = pick_questions(data.items, questions_per_split)
    questions = eval_dataset(items, out / "questions.jsonl")
    figures["questions"] = len(items)
    runs = {}
    for label, gguf in (("tuned", ggufs["f16"]), ("base", base_f16)):
        from agent.api import Veraz

        rag = Veraz(
            home=collection / "home",
            collection="bench-answers",
            model=f"llamacpp:{gguf}",
            llamacpp_n_ctx=2048,
        )
        try:
            tell(f"eval: {label} on {len(items)} questions")
            run, _ = evaluate(questions, rag=rag, report_dir=out / f"eval-{label}", concurrency=1)
        finally:
            rag.close()
        runs[label] = run
        figures.setdefault("eval", {})[label] = {
            "run": str(out / f"eval-{label}"),
            "contains_answer": accuracy(run.records, items),
            **{
                k: run.summary.get(k)
                for k in (
                    "string_similarity",
                    "rouge_l",
                    "grounded_rate",
                    "abstention_rate",
                    "latency_p50_ms",
                )
            },
        }
        _record(out, figures)
    comparison, html = write_comparison(runs["base"], runs["tuned"], out / "compare")
    figures["eval_compare"] = {
        "deltas": comparison["deltas"],
        "changed": len(comparison["changed"]),
        "report_html": str(html),
    }
    _record(out, figures)
    return figures
