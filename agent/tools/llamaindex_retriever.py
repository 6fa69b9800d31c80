"""Veraz's hybrid retrieval as a LlamaIndex retriever, for users' own query engines.

Usage in a query engine (any LlamaIndex LLM; Veraz itself needs none)::

    from llama_index.core.query_engine import RetrieverQueryEngine

    from agent import Veraz
    from agent.tools.llamaindex_retriever import VerazLlamaIndexRetriever

    rag = Veraz(collection="manuales")
    rag.ingest(["docs/"])
    retriever = VerazLlamaIndexRetriever(rag, k=4)

    engine = RetrieverQueryEngine.from_args(retriever, llm=llm)  # e.g. Ollama(...)
    response = engine.query("¿Qué formato usa llama.cpp?")
    print(response, [n.node.metadata["source"] for n in response.source_nodes])

Or on its own: ``retriever.retrieve("pregunta")`` returns ``NodeWithScore`` objects
holding a ``TextNode`` whose ``id_`` is the chunk id, ``text`` the chunk text and
``metadata`` the rest of :class:`agent.types.Hit` (``doc_id``, ``source``, ``title``,
``page``, ``section``, ``language``, ``score``), with the fused retrieval score as the
node's score. Only ``source``, ``title``, ``page`` and ``section`` (when set) are shown
to the LLM and no metadata goes into embeddings: ids and scores only add noise to a prompt.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from agent.types import Hit

_SHOWN_TO_LLM = ("source", "title", "page", "section")


def hit_to_node(hit: Hit) -> NodeWithScore:
    """A LlamaIndex node for one hit: text, chunk id, and the other Hit fields as metadata."""
    metadata = hit.to_dict()
    text = metadata.pop("text")
    chunk_id = metadata.pop("chunk_id")
    node = TextNode(
        id_=chunk_id,
        text=text,
        metadata=metadata,
        excluded_llm_metadata_keys=[
            key for key, value in metadata.items() if key not in _SHOWN_TO_LLM or value is None
        ],
        excluded_embed_metadata_keys=list(metadata),
    )
    return NodeWithScore(node=node, score=hit.score)


class VerazLlamaIndexRetriever(BaseRetriever):
    """The ``k`` best chunks of a Veraz collection for a query (hybrid BM25 + dense)."""

    def __init__(
        self,
        veraz: Any,
        k: int = 5,
        mode: str = "hybrid",
        *,
        callback_manager: CallbackManager | None = None,
        verbose: bool = False,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"mode must be hybrid, bm25 or dense, not {mode!r}")
        self.veraz = veraz
        self.k = k
        self.mode = mode
        super().__init__(callback_manager=callback_manager, verbose=verbose)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.veraz.retrieve(query_bundle.query_str, k=self.k, mode=self.mode)
        return [hit_to_node(hit) for hit in hits]
