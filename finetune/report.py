"""The run report: ``report.json`` and a loss-curve PNG.

The PNG is drawn with matplotlib (the ``finetune`` extra). Without it the run still
succeeds: every figure is in ``report.json``, and ``loss_curve`` says why no PNG exists
instead of pointing at one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WIDTH, HEIGHT, MARGIN = 640, 400, 40


def moving_average(values: list[float], window: int = 10) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def write_report(out: Path, result: Any) -> Path:
    """``report.json`` (every figure of ``result``) and ``loss_curve.png`` in ``out``."""
    data = result.to_dict()
    png = out / "loss_curve.png"
    drawn = plot_losses(result.losses, png, result)
    data["loss_curve"] = (
        str(png.resolve()) if drawn else "not drawn: pip install 'veraz[finetune]' (matplotlib)"
    )
    path = out / "report.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    return path


def plot_losses(losses: list[float], path: Path, result: Any = None) -> bool:
    """Draw the curve with matplotlib; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    steps = list(range(1, len(losses) + 1))
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.plot(steps, losses, lw=1, alpha=0.5, label="training loss")
    ax.plot(steps, moving_average(losses), lw=2, label="moving average (10)")
    if result is not None and result.val_loss_before is not None:
        ax.axhline(result.val_loss_before, ls="--", c="gray", label="validation before")
        ax.axhline(result.val_loss_after, ls=":", c="green", label="validation after")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
