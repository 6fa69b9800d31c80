"""What only the HTTP server reads: ``VERAZ_SERVER_*`` variables (or ``.env``).

Kept apart from :class:`agent.config.Settings` because these knobs mean nothing to the
CLI, the UI or the Python API. ``veraz serve`` turns its options into these variables so
that every uvicorn worker process (started afresh, not forked) reads the same values.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class ServerSettings(BaseSettings):
    """Limits and policies of one server; every worker builds its own from the environment."""

    model_config = SettingsConfigDict(env_prefix="VERAZ_SERVER_", env_file=".env", extra="ignore")

    models: list[str] = Field(
        default_factory=list,
        description=(
            "Answering models a request may choose (veraz.answer_model / fallback_model) "
            "besides VERAZ_MODEL, VERAZ_FALLBACK_MODEL and extractive. A request can never "
            "name another one: a model spec can be a path on this machine or spend this "
            "server's API keys."
        ),
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS); none by default.",
    )
    max_request_mb: float = Field(
        default=1.0, gt=0, description="Largest JSON request body (chat, ask, retrieve)."
    )
    max_upload_mb: float = Field(
        default=200.0,
        gt=0,
        description="Largest /v1/ingest request, all files together (each file is also "
        "held to VERAZ_MAX_FILE_MB).",
    )
    max_upload_files: int = Field(default=100, ge=1, le=10_000)
    max_threads_per_key: int = Field(
        default=200,
        ge=1,
        description="Conversation threads one key keeps; its least recently used go first.",
    )

    @field_validator("models", "cors_origins")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        return [item.strip() for item in value if item.strip()]

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * MB)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * MB)
