"""One evaluation run on disk: ``run.json`` (configuration, summary, every question).

The configuration is recorded in full (model, collection, dataset and its hash, judge,
versions) so a run can be reproduced and two runs compared knowing what differed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.runner import QuestionRecord

RUN_FILE = "run.json"


@dataclass
class EvalRun:
    config: dict[str, Any]
    summary: dict[str, Any]
    records: list[QuestionRecord]
    metrics_ran: list[str] = field(default_factory=list)
    metrics_skipped: dict[str, str] = field(default_factory=dict)
    node_latency: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.config.get("run_id", "run"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "summary": self.summary,
            "metrics_ran": self.metrics_ran,
            "metrics_skipped": self.metrics_skipped,
            "node_latency": self.node_latency,
            "records": [r.to_dict() for r in self.records],
        }

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / RUN_FILE
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), "utf-8")
        return path


def load_run(path: str | Path) -> EvalRun:
    """A run from its directory or its ``run.json``."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / RUN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not an evaluation run ({exc})") from exc
    return EvalRun(
        config=data["config"],
        summary=data["summary"],
        records=[QuestionRecord.from_dict(r) for r in data["records"]],
        metrics_ran=list(data.get("metrics_ran", [])),
        metrics_skipped=dict(data.get("metrics_skipped", {})),
        node_latency=dict(data.get("node_latency", {})),
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def new_run_id(model: str) -> str:
    """Sortable and readable: ``20261125-143005-extractive``."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in model)[:40]
    return f"{stamp}-{safe}"


def versions() -> dict[str, str]:
    """Versions of what shapes the scores, recorded with every run."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("veraz", "ragas", "langgraph", "sentence-transformers", "openai"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found
