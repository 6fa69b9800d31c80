"""The graph's node names, one constant each: the wiring, the routers, the API's stream,
the UI's trace and the benchmarks all name nodes through these, so a rename is one edit.

``synthesize`` is not a node: it is the step ``solve`` records when it combines the
sub-answers, listed here because traces and benchmarks read it like one.
"""

from __future__ import annotations

from typing import Final, Literal

CONTEXTUALIZE: Final = "contextualize"
ROUTE: Final = "route"
DIRECT: Final = "direct"
RETRIEVE: Final = "retrieve"
GRADE: Final = "grade"
REWRITE: Final = "rewrite"
GENERATE: Final = "generate"
DECOMPOSE: Final = "decompose"
SOLVE: Final = "solve"
SYNTHESIZE: Final = "synthesize"
VERIFY: Final = "verify"
FALLBACK: Final = "fallback"
TRIM: Final = "trim"
ABSTAIN: Final = "abstain"
FINALIZE: Final = "finalize"

# The routes a question can take after ``route``.
Route = Literal["direct", "retrieve", "decompose"]
ROUTES: Final[tuple[Route, ...]] = ("direct", "retrieve", "decompose")

# Nodes where a language model writes answer text (streamed as draft tokens).
ANSWERING_NODES: Final = frozenset({GENERATE, SOLVE, FALLBACK})
# Where answering and checking time goes; the rest is the graph's own overhead.
MODEL_NODES: Final = frozenset({GENERATE, SOLVE, SYNTHESIZE, FALLBACK, VERIFY})
