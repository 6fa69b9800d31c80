"""Calibrate the offline grader's coverage threshold on a SQuAD-format file.

For each question: the coverage of its gold paragraph (should pass) and of the best-
covering paragraph from *another article* (should fail: it cannot hold the answer). The
threshold is the highest that still keeps ``keep`` of gold paragraphs; the output says
how many off-topic paragraphs it then rejects. Run:
``python -m evals.calibrate_grader evals/data/xquad/xquad.es.dev.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from agent.tools.relevance import coverage, missing_key_terms
from evals.squad import load_squad
from ingestion.language import detect_language


def calibrate(path: Path, keep: float = 0.95) -> dict[str, float]:
    data = load_squad(path)
    gold_scores, off_scores, off_rejected_by_names = [], [], 0
    for q in data.questions:
        language = detect_language(q.question)
        gold_scores.append(coverage(q.question, data.paragraphs[q.paragraph], language))
        title = data.titles[q.paragraph]
        others = [p for p, t in zip(data.paragraphs, data.titles, strict=True) if t != title]
        scored = [(coverage(q.question, p, language), p) for p in others]
        best, best_text = max(scored, key=lambda s: s[0])
        off_scores.append(best)
        off_rejected_by_names += bool(missing_key_terms(q.question, best_text))
    threshold = float(np.quantile(gold_scores, 1 - keep))
    return {
        "questions": len(data.questions),
        "threshold": round(threshold, 3),
        "gold_kept": round(float(np.mean(np.array(gold_scores) >= threshold)), 3),
        "best_off_topic_rejected": round(float(np.mean(np.array(off_scores) < threshold)), 3),
        "best_off_topic_missing_names": round(off_rejected_by_names / len(data.questions), 3),
    }


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(json.dumps({"dataset": arg, **calibrate(Path(arg))}))
