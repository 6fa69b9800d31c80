"""Spanish and English texts for comparing the two e5 engines: tokens and vectors.

XQuAD's Spanish and English paragraphs, their first sentences and their questions
(evals/data/xquad), plus what real documents also hold and XQuAD lacks: source code,
emoji, accents in every case, odd whitespace, control-token look-alikes, very long
texts. Deterministic, so a failure names the same text every run.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

EDGE_CASES = [
    "",
    " ",
    "  hola   mundo  ",
    "tab\tseparated\nlines\r\nand\u00a0nbsp",
    "<s> x </s> <unk> <pad> <mask>",
    "café ñandú ÁÉÍÓÚ ü Ü ¿Qué? ¡Sí! «comillas» “curly” — guion",
    "🎉😀👍🏽 emoji 🇪🇸 and ZWJ 👩‍💻 families 👨‍👩‍👧",
    "def f(x):\n    return {k: v ** 2 for k, v in x.items()}  # ✓",
    "SELECT * FROM t WHERE a <> 'b' AND c >= 3; -- comentario",
    "\u2581\u2581 metaspace literal \u2581",
    "ﬁ ligature ½ ① ＡＢＣ fullwidth ｶﾀｶﾅ",
    "x" * 3000,
    "palabra " * 700,  # several 510-token windows
    "https://example.com/ruta?q=búsqueda&lang=es#sección",
    "\u200b zero\u200dwidth \ufeff BOM",
]

_CODE_FILES = ["ingestion/chunking.py", "ingestion/embedding/embedder.py", "agent/config.py"]
_EMOJI = "😀🎉👍🔥✅❌🇪🇸🇬🇧💡📄🧪"


def xquad_texts() -> list[str]:
    """Paragraphs, their first three sentences and questions, Spanish then English."""
    texts: list[str] = []
    for name in ("xquad.es.dev.json", "xquad.en.dev.json"):
        data = json.loads((ROOT / "evals" / "data" / "xquad" / name).read_text("utf-8"))
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                texts.append(context)
                texts.extend(_SENTENCE_END.split(context)[:3])
                texts.extend(qa["question"] for qa in paragraph["qas"])
    return texts


def code_texts() -> list[str]:
    """Blocks of 12 lines of this repository's Python (identifiers, symbols, indents)."""
    texts = []
    for name in _CODE_FILES:
        lines = (ROOT / name).read_text("utf-8").splitlines()
        texts.extend("\n".join(lines[i : i + 12]) for i in range(0, len(lines), 12))
    return texts


def mixed_texts(count: int = 200, seed: int = 25) -> list[str]:
    """Sentences with emoji, upper-case accents and code spliced in at random places."""
    rng = random.Random(seed)
    base = xquad_texts()
    out = []
    for _ in range(count):
        words = rng.choice(base).split()[:40]
        for _ in range(rng.randint(1, 4)):
            spot = rng.randrange(len(words) + 1)
            words.insert(spot, rng.choice([rng.choice(_EMOJI), "ÑANDÚ", "x += 1;", "\t", "  "]))
        out.append(" ".join(words))
    return out


def all_texts() -> list[str]:
    return EDGE_CASES + code_texts() + mixed_texts() + xquad_texts()


def sample(texts: list[str], count: int, seed: int = 7) -> list[str]:
    """``count`` texts, always including every edge case."""
    rest = [t for t in texts if t not in EDGE_CASES]
    return EDGE_CASES + random.Random(seed).sample(rest, max(0, count - len(EDGE_CASES)))
