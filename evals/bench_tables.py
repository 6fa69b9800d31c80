"""``veraz bench tables``: single-cell questions on tables, in every format Veraz reads.

The dev set (evals/data/tables/tables.json, written out by evals/table_documents.py) has
small tables as users keep them, in Spanish and English; each is written by every generator
(python-docx, HTML by hand and as a browser saves it, fpdf2 and reportlab PDFs, python-pptx,
CSV, openpyxl XLSX, ODS). Per generator, all its documents are ingested into one collection
and every question is asked with the default (extractive) answerer.

A question counts as answered when the answer holds the right cell and no other row of its
table (no other row's key, its first cell): "the whole table" is not an answer to "how many
seats does room Sur have?". Also reported: the citation holds the row (its key and the cell)
and the ingest notes (a PDF table read as text only). Tables at every third position are
held out of all tuning (split "heldout"); both parts are reported apart, per format.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.table_documents import FORMATS, DevTable, load_dev_tables, write_document
from ingestion.text_analysis import fold_accents

__all__ = ["answered_with_row", "run_tables_benchmark"]


def _norm(text: str) -> str:
    text = fold_accents(re.sub(r"\[\d+\]", " ", text)).lower()
    return " ".join(re.sub(r"[*_`|]", " ", text).split())


def _mentions(haystack: str, needle: str) -> bool:
    """``needle`` in ``haystack`` as whole words (both normalised)."""
    needle = _norm(needle)
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def _gold_forms(cell: str) -> list[str]:
    """The cell as written, and as a Latin-1-only PDF font writes it ("€12" as "EUR12")."""
    return list(dict.fromkeys([cell, cell.replace("€", "EUR"), cell.replace("€", "EUR ")]))


def answered_with_row(answer: str, table: DevTable, row: int, col: int) -> dict[str, bool]:
    """Whether ``answer`` has the cell (``col`` 1-based) and no other row's key."""
    said = _norm(answer)
    gold = any(_mentions(said, form) for form in _gold_forms(table.rows[row][col - 1]))
    own_key = _norm(table.rows[row][0])
    others = [
        line[0] for i, line in enumerate(table.rows) if i != row and _norm(line[0]) not in own_key
    ]
    other_rows = any(_mentions(said, key) for key in others)
    return {"cell": gold, "other_rows": other_rows, "ok": gold and not other_rows}


def run_tables_benchmark(
    *,
    generators: Sequence[str] | None = None,
    split: str | None = None,
    embedding_model: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Ingest the dev set in each generator's format and ask every question (module doc)."""
    from agent.api import Veraz

    tables = load_dev_tables()
    chosen = list(generators or FORMATS)
    unknown = [g for g in chosen if g not in FORMATS]
    if unknown:
        raise ValueError(f"unknown generator(s) {unknown}; choose from {sorted(FORMATS)}")
    asked = [
        (table, question)
        for table in tables
        if split in (None, "all") or table.split == split
        for question in table.questions
    ]
    total = len(asked) * len(chosen)
    rows: list[dict[str, Any]] = []
    ingest: dict[str, Any] = {}
    done = 0
    options = {"embedding_model": embedding_model} if embedding_model else {}
    with tempfile.TemporaryDirectory(prefix="veraz-tables-") as tmp:
        for generator in chosen:
            folder = Path(tmp) / generator
            folder.mkdir()
            for table in tables:
                write_document(table, generator, folder)
            rag = Veraz(home=Path(tmp) / f"home-{generator}", collection="tables", **options)
            started = time.perf_counter()
            report = rag.ingest([folder])
            ingest[generator] = {
                "seconds": round(time.perf_counter() - started, 2),
                "chunks": report.chunks,
                "failed": [f"{Path(f.path).name}: {f.error}" for f in report.failed],
                "notes": [f"{Path(n.path).name}: {n.note}" for n in report.notes],
            }
            for table, question in asked:
                answer = rag.ask(question["q"])
                check = answered_with_row(answer.answer, table, question["row"], question["col"])
                key = table.rows[question["row"]][0]
                cell = table.rows[question["row"]][question["col"] - 1]
                cited_row = any(
                    _mentions(_norm(c.text), key)
                    and any(_mentions(_norm(c.text), form) for form in _gold_forms(cell))
                    for c in answer.citations
                )
                rows.append(
                    {
                        "generator": generator,
                        "table": table.id,
                        "split": table.split,
                        "language": table.language,
                        "question": question["q"],
                        "answer": answer.answer,
                        "abstained": answer.abstained,
                        "cited_row": cited_row,
                        **check,
                    }
                )
                done += 1
                if progress:
                    progress(done, total)
            rag.close()
    return {
        "questions": len(asked),
        "by_format": {
            generator: {
                part: _summary(
                    [r for r in rows if r["generator"] == generator and r["split"] == part]
                )
                for part in ("tune", "heldout")
                if split in (None, "all", part)
            }
            for generator in chosen
        },
        "by_language": {
            language: _summary([r for r in rows if r["language"] == language])
            for language in sorted({r["language"] for r in rows})
        },
        "overall": {
            part: _summary([r for r in rows if r["split"] == part])
            for part in ("tune", "heldout")
            if split in (None, "all", part)
        },
        "ingest": ingest,
        "rows": rows,
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)

    def rate(key: str) -> float:
        return round(sum(bool(r[key]) for r in rows) / n, 3) if n else 0.0

    return {
        "questions": n,
        "right_row_only": rate("ok"),
        "right_cell": rate("cell"),
        "other_rows_quoted": rate("other_rows"),
        "abstained": rate("abstained"),
        "citation_has_row": rate("cited_row"),
    }


# -- a large CSV ---------------------------------------------------------------------------

_PRODUCTS = (
    "tornillo", "arandela", "tuerca", "bisagra", "cerradura", "taladro", "martillo", "llave",
    "sierra", "lija", "pintura", "brocha", "rodillo", "cinta", "cable", "enchufe", "bombilla",
    "tubo", "grifo", "manguera",
)  # fmt: skip
_PLACES = ("Almacén Norte", "Almacén Sur", "Tienda Centro", "Tienda Puerto", "Depósito 3")


def big_csv_rows(rows: int, seed: int = 7) -> list[list[str]]:
    """An inventory as an ERP exports it: a code, a product, where it is, stock and price."""
    import random

    rng = random.Random(seed)
    lines = [["Código", "Producto", "Ubicación", "Stock", "Precio (€)"]]
    for n in range(1, rows + 1):
        product = f"{rng.choice(_PRODUCTS)} {rng.choice(_PRODUCTS)} {rng.randint(2, 99)} mm"
        lines.append(
            [
                f"SKU-{n:05d}",
                product,
                rng.choice(_PLACES),
                str(rng.randint(0, 2500)),
                f"{rng.randint(1, 400)},{rng.randint(0, 99):02d}",
            ]
        )
    return lines


def write_big_csv(path: Path, rows: int) -> list[list[str]]:
    import csv

    lines = big_csv_rows(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(lines)
    return lines


def run_big_csv_benchmark(
    *,
    rows: int = 20_000,
    prose_documents: int = 300,
    rounds: int = 1,
    embedding_model: str | None = None,
) -> dict[str, Any]:
    """Chunks/s of a ``rows``-row CSV against a prose corpus, same embedder, same process;
    then one question per sampled row key, answered with that row alone?"""
    from evals.bench_ingest import _fresh_veraz, write_corpus

    with tempfile.TemporaryDirectory(prefix="veraz-bigcsv-") as tmp:
        root = Path(tmp)
        csv_folder = root / "csv"
        csv_folder.mkdir()
        lines = write_big_csv(csv_folder / "inventario.csv", rows)
        figures: dict[str, list[float]] = {"prose": [], "csv": []}
        chunks: dict[str, int] = {}
        rag_csv = None
        prose_folder = root / "prose"
        for round_ in range(rounds):
            # Mirrored order over rounds: neither kind always runs on a warmer machine.
            order = ("prose", "csv") if round_ % 2 == 0 else ("csv", "prose")
            for kind in order:
                rag = _fresh_veraz(root / f"home-{kind}-{round_}", embedding_model)
                if kind == "prose" and not prose_folder.exists():
                    write_corpus(prose_folder, prose_documents, rag.embedder.count_tokens)
                started = time.perf_counter()
                report = rag.ingest([prose_folder if kind == "prose" else csv_folder])
                seconds = time.perf_counter() - started
                if report.failed:
                    raise RuntimeError(f"ingestion failed: {report.failed[:2]}")
                figures[kind].append(report.chunks / seconds)
                chunks[kind] = report.chunks
                if kind == "csv" and rag_csv is None:
                    rag_csv = rag
                else:
                    rag.close()
        assert rag_csv is not None
        asked = []
        for index in (1, rows // 3, rows // 2, rows - 1):
            line = lines[index]
            question = f"¿Cuál es el stock del producto {line[0]}?"
            answer = rag_csv.ask(question).answer
            said = _norm(answer)
            codes = set(re.findall(r"sku-\d{5}", said))
            asked.append(
                {
                    "question": question,
                    "answer": answer,
                    # the row's stock, with its own code and no other row's
                    "ok": _mentions(said, line[3]) and codes == {_norm(line[0])},
                }
            )
        rag_csv.close()
    prose = sum(figures["prose"]) / len(figures["prose"])
    table = sum(figures["csv"]) / len(figures["csv"])
    return {
        "rows": rows,
        "csv_chunks": chunks["csv"],
        "prose_chunks": chunks["prose"],
        "prose_chunks_per_s": round(prose, 1),
        "csv_chunks_per_s": round(table, 1),
        "csv_vs_prose": round(table / prose, 3),
        "row_questions_ok": sum(a["ok"] for a in asked),
        "row_questions": len(asked),
        "asked": asked,
    }
