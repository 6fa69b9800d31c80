"""The LangChain and LlamaIndex adapters, used through each framework's public API."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import MetadataMode
from small_corpus import write_corpus

from agent import Veraz
from agent.tools.langchain_retriever import VerazLangChainRetriever
from agent.tools.llamaindex_retriever import VerazLlamaIndexRetriever

HIT_FIELDS = {"chunk_id", "doc_id", "source", "title", "page", "score", "section", "language"}


@pytest.fixture(scope="module")
def rag(tmp_path_factory: pytest.TempPathFactory) -> Veraz:
    tmp_path = tmp_path_factory.mktemp("frameworks")
    docs = tmp_path / "docs"
    write_corpus(docs)
    instance = Veraz(home=tmp_path / "home")
    report = instance.ingest([docs])
    assert (report.added, report.failed) == (2, [])
    yield instance
    instance.close()


def test_langchain_invoke_returns_documents_with_hit_metadata(rag: Veraz) -> None:
    retriever = VerazLangChainRetriever(veraz=rag, k=2)
    docs = retriever.invoke("¿Qué formato usa llama.cpp para modelos cuantizados?")
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    first = docs[0]
    assert "GGUF" in first.page_content
    assert set(first.metadata) == HIT_FIELDS
    assert first.metadata["source"].endswith("cuantizacion.md")
    assert first.metadata["language"] == "es" and first.metadata["section"]
    assert first.id == first.metadata["chunk_id"]
    assert first.metadata["score"] >= docs[1].metadata["score"]

    english = asyncio.run(retriever.ainvoke("How does RAG find passages?"))
    assert english[0].metadata["source"].endswith("rag.txt")


def test_langchain_fields_are_validated_and_mode_is_passed(rag: Veraz) -> None:
    with pytest.raises(ValueError):
        VerazLangChainRetriever(veraz=rag, mode="fuzzy")
    bm25 = VerazLangChainRetriever(veraz=rag, k=1, mode="bm25")
    docs = bm25.invoke("BM25 dense vectors")
    assert len(docs) == 1 and docs[0].metadata["source"].endswith("rag.txt")


def test_llamaindex_retrieve_returns_text_nodes_with_hit_metadata(rag: Veraz) -> None:
    retriever = VerazLlamaIndexRetriever(rag, k=2)
    nodes = retriever.retrieve("¿Qué formato usa llama.cpp para modelos cuantizados?")
    assert len(nodes) == 2
    first = nodes[0]
    assert "GGUF" in first.node.get_content()
    assert first.node.metadata["source"].endswith("cuantizacion.md")
    assert set(first.node.metadata) == HIT_FIELDS - {"chunk_id"}
    assert first.node.node_id == rag.retrieve("¿Qué formato usa llama.cpp?", k=1)[0].chunk_id
    assert first.score is not None and first.score >= nodes[1].score
    # What an LLM sees: the text with where it came from, not ids or scores.
    shown = first.node.get_content(metadata_mode=MetadataMode.LLM)
    assert "cuantizacion.md" in shown and "doc_id" not in shown and "score" not in shown


def test_llamaindex_query_engine_uses_the_retriever(rag: Veraz) -> None:
    # MockLLM answers with the prompt it was given: the context the engine built.
    engine = RetrieverQueryEngine.from_args(VerazLlamaIndexRetriever(rag, k=1), llm=MockLLM())
    response = engine.query("How does RAG find passages?")
    assert len(response.source_nodes) == 1
    assert response.source_nodes[0].node.metadata["source"].endswith("rag.txt")
    assert "BM25 and dense vectors" in str(response) and "rag.txt" in str(response)


def test_llamaindex_rejects_bad_arguments(rag: Veraz) -> None:
    with pytest.raises(ValueError):
        VerazLlamaIndexRetriever(rag, k=0)
    with pytest.raises(ValueError):
        VerazLlamaIndexRetriever(rag, mode="fuzzy")
