"""Continued pre-training examples: a collection's chunks as plain text.

The third way to build a dataset from an ingested collection, beside the question/answer
pairs of :mod:`finetune.corpus_pairs`. No questions are invented and no model is needed:
each chunk is one example, learned token by token (no chat template), so the model
takes in the documents' vocabulary, names and figures as they are written. The split
of :func:`finetune.dataset.build` then holds out a tenth of the chunks, and the loss on
them is the held-out perplexity on the collection's text: how much better the model
predicts passages of this collection it never trained on.

Chunk boundaries are the ingestion's (headings, paragraphs), so a held-out chunk is a
whole passage, not a cut through a sentence the neighbouring training chunk finishes.
"""

from __future__ import annotations

from finetune.corpus_pairs import CorpusChunk
from finetune.dataset import Example


def text_examples(chunks: list[CorpusChunk], *, min_chars: int = 40) -> list[Example]:
    """One plain-text example per chunk with at least ``min_chars`` of text."""
    examples = []
    for chunk in chunks:
        text = chunk.text.strip()
        if len(text) < min_chars:
            continue  # a lone heading: nothing to predict
        examples.append(
            Example(
                messages=[],
                text=text,
                meta={"origin": "text", "chunk_id": chunk.chunk_id, "source": chunk.source},
            )
        )
    return examples
