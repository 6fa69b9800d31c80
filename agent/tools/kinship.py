"""Kinship words in Spanish and English: one list for every tool that reads them.

Chains ask about people through their relatives ("¿Quién es el padre de Felipe
Aranda?", "Who is the daughter of the painter?"), and the passage that answers often
states the inverse relation ("Hijo del pintor Gonzalo Aranda", "X is the son of Y").
The answerer of a second hop (hop_answer.py) looks for the child word the question
asks with, and the unit scorer (unit_scoring.py) counts a parent word as covered by a
child word and the other way round. Both read these lists, so a word added here (a
plural, a synonym) reaches both.
"""

from __future__ import annotations

from ingestion.text_analysis import PREFIX_LENGTH, fold_accents

MOTHER = frozenset({"mother", "madre"})
FATHER = frozenset({"father", "padre"})
PARENT = MOTHER | FATHER | {"parent", "parents", "padres"}

DAUGHTER = frozenset({"daughter", "hija"})
SON = frozenset({"son", "hijo"})
CHILD = DAUGHTER | SON | {"daughters", "sons", "hijas", "hijos", "child", "children"}

CHILD_CUES: dict[str, frozenset[str]] = {
    "daughter": DAUGHTER,
    "hija": DAUGHTER,
    "son": SON,
    "hijo": SON,
    "child": DAUGHTER | SON | {"child"},
    "children": DAUGHTER | SON | {"child", "children"},
    "hijos": DAUGHTER | SON | {"hijos"},
}
"""A child word a question asks with -> the words that name such a child in a text: a
daughter is said to be one as "daughter" or "hija", a child as any of them."""


def as_prefixes(words: frozenset[str]) -> frozenset[str]:
    """The words as ``ingestion.text_analysis.prefixes`` cuts them (folded, five letters)."""
    return frozenset(fold_accents(word)[:PREFIX_LENGTH] for word in words)
