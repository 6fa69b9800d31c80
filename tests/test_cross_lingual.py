"""Cross-lingual retrieval with the default multilingual embedder, the fusion that keeps
BM25 noise from drowning it, and the cross-lingual dev sets built from XQuAD."""

from __future__ import annotations

import json
from pathlib import Path

from agent import Veraz
from agent.tools.fusion import FusionWeights
from agent.tools.retriever import Candidates
from evals.cross_lingual import XQUAD, cross_lingual
from evals.squad import load_squad

ENGLISH_DOCS = {
    "denver.txt": "The Denver Broncos defeated the Carolina Panthers 24 to 10 to win "
    "Super Bowl 50, played at Levi's Stadium in Santa Clara, California.",
    "warsaw.txt": "Warsaw is the capital and largest city of Poland; the Vistula River "
    "flows through the city.",
    "nile.txt": "The Nile is a major north-flowing river in northeastern Africa and "
    "drains into the Mediterranean Sea.",
}
SPANISH_DOCS = {
    "fotosintesis.txt": "La fotosíntesis convierte la luz del sol en energía química "
    "dentro de los cloroplastos de las plantas.",
    "volcanes.txt": "Los volcanes expulsan lava, ceniza y gases cuando el magma sube "
    "desde el interior de la Tierra.",
}


def test_questions_find_passages_in_the_other_language(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {**ENGLISH_DOCS, **SPANISH_DOCS}.items():
        (docs / name).write_text(text, encoding="utf-8")
    rag = Veraz(home=tmp_path / "home")
    assert not rag.ingest([docs]).failed
    cases = {
        "¿Qué equipo ganó la Super Bowl 50?": "denver.txt",
        "¿Qué río atraviesa la capital de Polonia?": "warsaw.txt",
        "¿En qué mar desemboca el río más largo de África?": "nile.txt",
        "How do plants turn sunlight into chemical energy?": "fotosintesis.txt",
        "What comes out of a volcano when magma rises?": "volcanes.txt",
    }
    for question, expected in cases.items():
        for mode in ("dense", "hybrid"):
            (hit,) = rag.retrieve(question, k=1, mode=mode)
            assert hit.source.endswith(expected), (question, mode, hit.source)
    rag.close()


def test_bm25_of_a_passage_in_another_language_is_scaled_down() -> None:
    """Candidate 1 (English) wins on a stray BM25 match; candidate 2 (Spanish, the
    question's language) on meaning. With the cross-language factor at 0 only the dense
    score speaks for candidate 1, and candidate 2 comes first."""
    candidates = Candidates(
        language="es",
        bm25={1: 9.0, 2: 1.0, 3: 0.0},
        dense={1: 0.80, 2: 0.84, 3: 0.70},
        languages={1: "en", 2: "es", 3: "es"},
    )
    full = candidates.fused(FusionWeights(bm25=1.0, dense=1.0, cross_language_bm25=1.0))
    scaled = candidates.fused(FusionWeights(bm25=1.0, dense=1.0, cross_language_bm25=0.0))
    assert full[0][0] == 1 and scaled[0][0] == 2
    # Per-language weights apply to the question's language only.
    dense_heavy = FusionWeights(bm25=1.0, dense=0.1, per_language={"es": (0.1, 1.0)})
    assert candidates.fused(dense_heavy)[0][0] == 2


def test_cross_lingual_dev_sets_pair_questions_with_the_other_languages_paragraphs() -> None:
    es_en = load_squad(XQUAD / "xquad.es-en.dev.json")
    es, en = load_squad(XQUAD / "xquad.es.dev.json"), load_squad(XQUAD / "xquad.en.dev.json")
    assert es_en.paragraphs == en.paragraphs
    assert [q.question for q in es_en.questions] == [q.question for q in es.questions]
    assert [q.paragraph for q in es_en.questions] == [q.paragraph for q in en.questions]
    assert all(
        any(a in en.paragraphs[q.paragraph] for a in q.answers) for q in es_en.questions[:50]
    )
    # Halves by article: tune and held-out never share an article.
    tune = {q.article for q in es_en.questions if q.part == "tune"}
    heldout = {q.article for q in es_en.questions if q.part == "heldout"}
    assert tune and heldout and not tune & heldout
    # The shipped files are what the builder makes.
    raw = {
        lang: json.loads((XQUAD / f"xquad.{lang}.dev.json").read_text()) for lang in ("es", "en")
    }
    shipped = json.loads((XQUAD / "xquad.en-es.dev.json").read_text())
    assert cross_lingual(raw["en"], raw["es"]) == shipped


def test_each_embedder_has_its_tuned_weights_and_settings_override_them(tmp_path: Path) -> None:
    from agent.tools.fusion import TUNED_WEIGHTS, tuned_weights
    from ingestion.embedding import MINILM, MULTILINGUAL_E5_SMALL

    e5 = tuned_weights(MULTILINGUAL_E5_SMALL)
    assert e5.cross_language_bm25 < 1.0 and set(e5.per_language) == {"es", "en"}
    assert tuned_weights(MINILM) == TUNED_WEIGHTS[MINILM] != e5
    assert tuned_weights("/my/model") == e5
    rag = Veraz(home=tmp_path, dense_weight=0.5, cross_language_bm25_weight=0.0)
    weights = rag.retriever.weights
    assert (weights.bm25, weights.dense, weights.cross_language_bm25) == (1.0, 0.5, 0.0)
    assert weights.per_language == {}  # one dense weight set: it holds for every language
