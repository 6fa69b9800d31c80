"""Make `unstructured` usable on a machine with no network.

`unstructured` classifies text (title vs. narrative) with spaCy, and the first time those
heuristics run it tries to *download and pip-install* ``en_core_web_sm``. Offline that fails:
DOCX/HTML partitioning raises a RuntimeError and some partitioners silently return nothing.
It also pings a telemetry endpoint when imported and prints a commercial notice.

Veraz promises to work fully offline, so before any partition call we swap the model loader
for a blank English pipeline with a rule-based sentencizer. That is all the heuristics need to
count sentences and words; part-of-speech tags come back empty, which only makes the
"does this short line contain a verb?" check answer no. We always use the blank pipeline, even
where ``en_core_web_sm`` happens to be installed, so a document splits into the same sections
on every machine.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["ensure_offline_unstructured"]

_lock = threading.Lock()
_done = False


@lru_cache(maxsize=1)
def _blank_english_pipeline() -> Language:
    """Build the replacement for ``unstructured.nlp.tokenize._get_nlp``.

    Cached like the original so every element shares one pipeline; ``spacy.blank`` needs no
    model files, and the sentencizer gives ``Doc.sents`` without a dependency parser.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def ensure_offline_unstructured() -> None:
    """Disable unstructured's network side effects; safe to call many times from any thread.

    The environment variables are set before ``unstructured`` is first imported because its
    telemetry ping runs at import time. Only ``unstructured.nlp.tokenize`` refers to
    ``_get_nlp`` (the tokenizer functions other modules import look it up as a module global at
    call time), so patching that one attribute covers every caller.
    """
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        os.environ["DO_NOT_TRACK"] = "1"
        os.environ["UNSTRUCTURED_DISABLE_NOTICE"] = "1"

        from unstructured.nlp import tokenize

        original = tokenize._get_nlp
        cache_clear = getattr(original, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()
        tokenize._get_nlp = _blank_english_pipeline
        # Results memoised before the patch (if any) came from a different pipeline.
        for name in ("_process_cached", "word_tokenize", "pos_tag", "_tokenize_for_cache"):
            cached = getattr(getattr(tokenize, name, None), "cache_clear", None)
            if cached is not None:
                cached()
        _done = True
