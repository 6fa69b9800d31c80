"""LangChain's own standard tests for retrievers (langchain-tests) on VerazLangChainRetriever.

They check what any LangChain chain relies on: ``k`` in the constructor and per call,
``invoke`` and ``ainvoke`` returning ``Document`` lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests
from small_corpus import write_corpus

from agent import Veraz
from agent.tools.langchain_retriever import VerazLangChainRetriever

# Its async test is a plain coroutine: pytest-asyncio runs it (asyncio_mode = "auto" in
# pyproject.toml).
_corpus: dict[str, Veraz] = {}


@pytest.fixture(scope="module", autouse=True)
def collection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Veraz]:
    root = tmp_path_factory.mktemp("langchain-standard")
    write_corpus(root / "docs")
    for n, topic in enumerate(("LoRA adapters", "GGUF files", "BM25 scoring")):
        Path(root / "docs" / f"extra{n}.md").write_text(
            f"# {topic}\n\nQuantization notes about {topic}: models, formats and memory.\n",
            encoding="utf-8",
        )
    rag = Veraz(home=root / "home")
    assert rag.ingest([root / "docs"]).failed == []
    _corpus["rag"] = rag
    yield rag
    rag.close()


class TestVerazLangChainRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[VerazLangChainRetriever]:
        return VerazLangChainRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"veraz": _corpus["rag"]}

    @property
    def retriever_query_example(self) -> str:
        return "quantization formats for models"
