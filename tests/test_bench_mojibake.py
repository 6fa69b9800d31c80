"""``python -m evals.bench_mojibake`` on a small SQuAD file and a folder of documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.bench_mojibake import main, run_mojibake_benchmark

PARAGRAPHS = [
    "La cuantización reduce el tamaño del modelo. Según la práctica, está claro. "
    "El niño aprendió qué es GGUF.",
    "El año pasado, la canción del pingüino fue un éxito. ¿Dónde está? ¡Aquí!",
]


def _squad(path: Path) -> Path:
    data = {
        "data": [
            {"title": f"a{i}", "paragraphs": [{"context": text, "qas": []}]}
            for i, text in enumerate(PARAGRAPHS)
        ]
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_squad_file_halves_and_figures(tmp_path: Path) -> None:
    dataset = _squad(tmp_path / "tiny.json")
    result = run_mojibake_benchmark(dataset)
    assert result["paragraphs"] == 2 and result["clean_changed"] == 0
    words = result["mac_roman/words"]
    assert words["broken_words"] > 0
    assert words["cleanup"] == {"restored": 1.0, "words_left": 0.0}
    # ftfy alone leaves Mac Roman words among clean ones: the baseline shows it.
    assert result["mac_roman/sentences"]["ftfy_alone"]["words_left"] > 0.5
    assert run_mojibake_benchmark(dataset, half="first")["paragraphs"] == 1
    assert run_mojibake_benchmark(dataset, half="second")["paragraphs"] == 1


def test_folder_of_documents_and_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(PARAGRAPHS):
        (folder / f"{i}.md").write_text(f"# Nota {i}\n\n{text}\n", encoding="utf-8")
    main([str(folder), "--half", "all"])
    line = json.loads(capsys.readouterr().out)
    assert line["dataset"] == str(folder) and line["paragraphs"] == 2  # headings are short
    assert line["windows_1252/paragraph"]["cleanup"]["restored"] == 1.0
