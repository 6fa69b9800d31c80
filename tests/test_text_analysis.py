"""The BM25 analyzer: stemming by language, accent folding, stopwords, safe FTS5 queries."""

import hashlib

from ingestion.text_analysis import (
    LEXICAL_VERSION,
    analyze,
    fold_accents,
    fts_document,
    fts_query,
    lexical_body,
)


def test_spanish_stems_and_folds_accents() -> None:
    assert analyze("Tokenización de los modelos", "es") == analyze("tokenizacion modelo", "es")


def test_english_stems_plurals_and_drops_stopwords() -> None:
    assert analyze("The models are quantized", "en") == analyze("model quantized", "en")


def test_other_language_is_only_lowercased_and_folded() -> None:
    assert analyze("Être Modèles", "other") == ["etre", "modeles"]


def test_numbers_and_short_tokens_survive() -> None:
    assert {"q4", "8", "gpu"} <= set(analyze("Q4 uses 8 GPU", "en"))


def test_fold_accents_handles_enye_and_diaeresis() -> None:
    assert fold_accents("pingüino año") == "pinguino ano"


def test_fts_query_quotes_terms_so_syntax_is_inert() -> None:
    query = fts_query('NEAR(a b) OR "x" AND col:valor', "en")
    assert query.count('"') % 2 == 0
    assert "col" in query and "NEAR" not in query.replace('"near"', "")


def test_fts_query_empty_for_stopwords_only() -> None:
    assert fts_query("¿Qué es el?", "es") == ""


_PINNED_KEYS = {"2": "05904b2938e4d1f1"}
"""LEXICAL_VERSION -> the digest of ``_sample_keys()``: the keys that version gives."""


def _sample_keys() -> str:
    """The stored keys of a sample that exercises stems, accents, stopwords, prefixes,
    numbers, other languages and the title (``lexical_body``), as one digest."""
    samples = [
        (
            "Guía de despliegue",
            "## Cuantización",
            "Los modelos cuantizados a 4 bits ocupan menos.",
            "es",
        ),
        ("Kickoff: asistente", "", "Kickoff: asistente\n\nModelo: Mistral-7B en una L4", "es"),
        (
            "Deployment notes",
            "Serving",
            "The adapters were merged before serving; it's 2x faster.",
            "en",
        ),
        ("Notizen", "", "Die Gewichte wurden quantisiert (GPTQ, AWQ).", "de"),
        ("", "", "Ñandú, pingüino, corazón: 1.000 / 1,000 tokens_por_segundo", "es"),
    ]
    keys = [
        fts_document(lexical_body(title, section, text), language)
        for title, section, text, language in samples
    ]
    return hashlib.sha256(repr(keys).encode()).hexdigest()[:16]


def test_stored_keys_change_only_with_the_lexical_version() -> None:
    """Collections record the LEXICAL_VERSION of their keys and are analysed again when it
    differs; a change to the analysis that does not bump it would leave old collections
    with keys that queries no longer make. If this fails after such a change, bump
    LEXICAL_VERSION (text_analysis.py) and pin the new digest here."""
    digest = _sample_keys()
    assert _PINNED_KEYS.get(LEXICAL_VERSION) == digest, (
        f"the analysis gives other keys ({digest}) than LEXICAL_VERSION {LEXICAL_VERSION}"
        " was pinned to: bump LEXICAL_VERSION and pin the new digest"
    )
