"""Options shared by several ``veraz`` commands, so each is spelled and documented once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Data folder (default: VERAZ_HOME or ~/.veraz).")
]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", "-c", help="Collection name (default: 'default').")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="provider:model or extractive (VERAZ_MODEL).")
]
FallbackOpt = Annotated[
    str | None, typer.Option("--fallback-model", help="Model used when the first fails.")
]
LogLevelOpt = Annotated[
    str, typer.Option("--log-level", help="debug, info, warning or error (logs go to stderr).")
]
EmbeddingModelOpt = Annotated[
    str | None,
    typer.Option(
        "--embedding-model",
        help="multilingual-e5-small, all-MiniLM-L6-v2, or a sentence-transformers model "
        "(default: VERAZ_EMBEDDING_MODEL).",
    ),
]
