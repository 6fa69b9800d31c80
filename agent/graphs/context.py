"""What every node may use besides the state: components and limits for one run.

Passed as LangGraph's run context (``graph.invoke(..., context=GraphContext(...))``), so
nodes stay pure functions of (state, context) and tests can hand in fake models.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.models.registry import ResolvedModel
from agent.tools.extractive import ExtractiveAnswerer
from agent.tools.retriever import HybridRetriever
from agent.tools.verification import Verifier


@dataclass
class GraphContext:
    retriever: HybridRetriever
    answerer: ExtractiveAnswerer
    verifier: Verifier
    primary: ResolvedModel
    fallback: ResolvedModel
    collection: str = "default"  # named in the message when it holds no documents yet
    k: int = 5
    max_rewrites: int = 3
    max_sub_questions: int = 4
    verify_with_llm: bool = False
