"""``veraz bench verify``: how well the offline verifier tells grounded sentences from made-up ones.

Each JSONL line holds one answer sentence, the source passages it should rest on, and a
human label (``supported``). The verifier's job is to *flag* unsupported sentences, so
the figures are framed around flags: recall (share of unsupported sentences flagged),
false-alarm rate (share of supported ones flagged) and precision (share of flags that
were right). A verifier that flags everything has recall 1.0 and is useless; the
false-alarm rate keeps that honest.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data"
DEFAULT_DATASET = _DATA / "verify_labelled.jsonl"
# Without --dataset the benchmark runs these: the sets the verifier was tuned on (claims
# about the sample corpus, and claims written in the other language than their source),
# and, reported apart, the sets it never saw while tuning.
TUNED_SETS = {
    "labelled": DEFAULT_DATASET,
    "cross_language": _DATA / "verify_cross_language.jsonl",
    "cross_language_dev": _DATA / "verify_cross_language_dev.jsonl",
    "notes": _DATA / "verify_notes.jsonl",
    # Round 2, written by a helper that never read the verifier: LLM-style claims about
    # changelogs, threads, minutes, specs, protocols, policies (a third held out below).
    "round2": _DATA / "verify_round2.jsonl",
}
HELD_OUT_SETS = {
    "other_topics": _DATA / "verify_heldout.jsonl",
    "cross_language": _DATA / "verify_cross_language_heldout.jsonl",
    # Claims about course notes (negations, "4-bit"/"Q4", "1.000"/"1,000"/"mil",
    # "billón"/"trillion"), in the source's language and across languages.
    "notes": _DATA / "verify_notes_heldout.jsonl",
    "round2": _DATA / "verify_round2_heldout.jsonl",
}


@dataclass(frozen=True)
class LabelledSentence:
    sentence: str
    sources: list[str]
    supported: bool


def load_labelled(path: Path) -> list[LabelledSentence]:
    """Read and validate the JSONL file; a bad line is an error naming file and line."""
    items: list[LabelledSentence] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            problem = _validation_problem(row)
            if problem:
                raise ValueError(f"{path}:{number}: {problem}")
            items.append(LabelledSentence(row["sentence"], list(row["sources"]), row["supported"]))
    if not items:
        raise ValueError(f"{path}: no labelled sentences")
    return items


def _validation_problem(row: Any) -> str:
    if not isinstance(row, dict):
        return "expected a JSON object"
    if not isinstance(row.get("sentence"), str) or not row["sentence"].strip():
        return "'sentence' must be a non-empty string"
    sources = row.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        return "'sources' must be a non-empty list of strings"
    if not isinstance(row.get("supported"), bool):
        return "'supported' must be true or false"
    return ""


def flag_metrics(labels: list[bool], flagged: list[bool]) -> dict[str, float]:
    """recall, false-alarm rate, precision and F1 of the flags (True = flagged unsupported)."""
    unsupported = sum(1 for label in labels if not label)
    supported = len(labels) - unsupported
    caught = sum(1 for label, flag in zip(labels, flagged, strict=True) if flag and not label)
    false_alarms = sum(1 for label, flag in zip(labels, flagged, strict=True) if flag and label)
    recall = caught / unsupported if unsupported else 1.0
    precision = caught / (caught + false_alarms) if caught + false_alarms else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "recall": round(recall, 4),
        "false_alarm_rate": round(false_alarms / supported if supported else 0.0, 4),
        "precision": round(precision, 4),
        "f1": round(f1, 4),
    }


def _score(items: list[LabelledSentence], verifier: Any) -> dict[str, Any]:
    from ingestion.language import detect_language

    started = time.perf_counter()
    flagged = [not verifier.check_sentence(item.sentence, item.sources).supported for item in items]
    seconds = time.perf_counter() - started
    labels = [item.supported for item in items]
    languages = [detect_language(item.sentence) for item in items]
    per_language: dict[str, dict[str, float]] = {}
    for language in sorted(set(languages)):
        chosen = [i for i, lang in enumerate(languages) if lang == language]
        per_language[language] = {
            "n": len(chosen),
            **flag_metrics([labels[i] for i in chosen], [flagged[i] for i in chosen]),
        }
    return {
        "n": len(items),
        **flag_metrics(labels, flagged),
        "seconds": round(seconds, 3),
        "ms_per_sentence": round(1000 * seconds / len(items), 2) if items else 0.0,
        "per_language": per_language,
    }


def run_verify_benchmark(path: Path | None = None, verifier: Any = None) -> dict[str, Any]:
    """Verify every labelled sentence against its sources and score the flags.

    With ``path``, that file alone. Without, the tuned sets together (the headline
    figures) and each of them, then the held-out sets, each apart. ``verifier`` may be
    passed to reuse a loaded model; ``seconds`` excludes loading it.
    """
    from agent.tools.verification import Verifier

    verifier = verifier or Verifier()
    verifier.load()  # before the clock starts
    if path is not None:
        return _score(load_labelled(Path(path)), verifier)
    tuned = {name: load_labelled(p) for name, p in TUNED_SETS.items()}
    return {
        **_score([item for items in tuned.values() for item in items], verifier),
        "sets": {name: _score(items, verifier) for name, items in tuned.items()},
        "held_out": {name: _score(load_labelled(p), verifier) for name, p in HELD_OUT_SETS.items()},
    }


if __name__ == "__main__":
    import sys

    result = run_verify_benchmark(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(json.dumps(result, indent=2, ensure_ascii=False))
