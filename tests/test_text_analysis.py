"""The BM25 analyzer: stemming by language, accent folding, stopwords, safe FTS5 queries."""

from ingestion.text_analysis import analyze, fold_accents, fts_query


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
