"""Veraz's hybrid retrieval as a LangChain retriever, for users' own chains and agents.

Usage in a chain (any LangChain chat model; Veraz itself needs none)::

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough

    from agent import Veraz
    from agent.tools.langchain_retriever import VerazLangChainRetriever

    rag = Veraz(collection="manuales")
    rag.ingest(["docs/"])
    retriever = VerazLangChainRetriever(veraz=rag, k=4)

    def as_context(docs):
        return "\\n\\n".join(f"[{d.metadata['source']}] {d.page_content}" for d in docs)

    prompt = ChatPromptTemplate.from_template(
        "Answer from the context only.\\n\\n{context}\\n\\nQuestion: {question}"
    )
    chain = (
        {"context": retriever | as_context, "question": RunnablePassthrough()}
        | prompt
        | llm  # e.g. ChatOllama(model="qwen2.5:7b-instruct")
        | StrOutputParser()
    )
    chain.invoke("¿Qué formato usa llama.cpp?")

Or on its own: ``retriever.invoke("pregunta")`` returns ``Document`` objects whose
``page_content`` is the chunk text and whose ``metadata`` holds the rest of
:class:`agent.types.Hit` (``chunk_id``, ``doc_id``, ``source``, ``title``, ``page``,
``score``, ``section``, ``language``); ``Document.id`` is the chunk id. ``ainvoke``
works too (LangChain runs the search in a worker thread), and ``invoke(query, k=3)``
overrides ``k`` for one call.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from agent.types import Hit


def hit_to_document(hit: Hit) -> Document:
    """A LangChain ``Document``: the chunk text as content, every other Hit field as metadata."""
    metadata = hit.to_dict()
    text = metadata.pop("text")
    return Document(page_content=text, metadata=metadata, id=hit.chunk_id)


class VerazLangChainRetriever(BaseRetriever):
    """The ``k`` best chunks of a Veraz collection for a query (hybrid BM25 + dense)."""

    veraz: Any = Field(description="The agent.Veraz instance (one collection) to search.")
    k: int = Field(default=5, ge=1, description="How many chunks to return.")
    mode: Literal["hybrid", "bm25", "dense"] = Field(
        default="hybrid", description="hybrid (default), bm25 or dense."
    )

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        mode: Literal["hybrid", "bm25", "dense"] | None = None,
    ) -> list[Document]:
        """``k`` and ``mode`` given to ``invoke`` override the fields for that call, as
        LangChain's standard retriever tests expect (``retriever.invoke(q, k=3)``)."""
        hits = self.veraz.retrieve(query, k=k or self.k, mode=mode or self.mode)
        return [hit_to_document(hit) for hit in hits]
