"""The Veraz instances one worker answers with: one per collection and pair of models.

Building a Veraz opens the collection (SQLite, the FAISS generation in memory) and
resolves its models, so each is built once, prepared before any thread shares it, and
kept for the life of the worker. The embedding model's weights are loaded once per
process whatever the number of instances (ingestion/embedding.py).

Which answering models a request may pick is closed: the configured model and
fallback, ``extractive``, and those listed in VERAZ_SERVER_MODELS. A model spec can
name a file on this machine (``llamacpp:/path``) or spend this server's API keys
(``openai:…``), so a client never chooses one freely.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from agent.api import Veraz
from agent.config import Settings
from agent.models.resolved import EXTRACTIVE
from agent.server.errors import APIError
from ingestion.index import IndexMismatchError


def _normal(spec: str) -> str:
    spec = spec.strip()
    return EXTRACTIVE if spec.lower() == EXTRACTIVE else spec


class Engines:
    """Collections under the home, the models requests may use, and a Veraz for each pair."""

    def __init__(self, settings: Settings, extra_models: list[str]) -> None:
        self.settings = settings
        self.allowed_models = list(
            dict.fromkeys(
                _normal(m)
                for m in (settings.model, settings.fallback_model, EXTRACTIVE, *extra_models)
            )
        )
        self._engines: dict[tuple[str, str, str], Veraz] = {}
        self._lock = threading.Lock()

    # -- collections -----------------------------------------------------------------

    def settings_for(self, collection: str, param: str) -> Settings:
        """The settings of ``collection``; a 400 naming ``param`` if the name is invalid."""
        if collection == self.settings.collection:
            return self.settings
        try:
            return Settings(**{**self.settings.model_dump(), "collection": collection})
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise APIError(400, message, param=param, code="invalid_collection") from None

    def existing(self) -> list[str]:
        """Collections in the store (VERAZ_STORE: folders under the home, or PostgreSQL)."""
        from ingestion.index import collection_names

        return collection_names(self.settings.store_location, self.settings.home)

    def summaries(self) -> dict[str, dict[str, Any]]:
        """Each collection's size and last change, read without opening it."""
        from ingestion.index import collection_summaries

        found = collection_summaries(self.settings.store_location, self.settings.home)
        return {summary["collection"]: summary for summary in found}

    def require_existing(self, collection: str, param: str) -> None:
        self.settings_for(collection, param)
        if collection not in self.existing():
            raise APIError(
                404,
                f"collection {collection!r} does not exist: ingest documents into it first "
                "(POST /v1/ingest or `veraz ingest`)",
                param=param,
                code="collection_not_found",
            )

    # -- models ----------------------------------------------------------------------

    def model(self, spec: str | None, default: str, param: str) -> str:
        """``spec`` (or ``default``) if requests may use it; a 400 listing those they may."""
        chosen = _normal(spec) if spec and spec.strip() else _normal(default)
        if chosen not in self.allowed_models:
            allowed = ", ".join(self.allowed_models)
            raise APIError(
                400,
                f"model {chosen!r} is not served here; allowed: {allowed} "
                "(the server's owner adds models with `veraz serve --allow-model`)",
                param=param,
                code="model_not_allowed",
            )
        return chosen

    # -- instances -------------------------------------------------------------------

    def _key(
        self,
        collection: str,
        answer_model: str | None,
        fallback_model: str | None,
        models_in: str = "veraz.",
    ) -> tuple[str, str, str]:
        """``models_in``: where the request holds the model fields, for the error's param
        (``veraz.`` in a chat request, top level in ``/v1/ask``)."""
        model = self.model(answer_model, self.settings.model, f"{models_in}answer_model")
        fallback = self.model(
            fallback_model, self.settings.fallback_model, f"{models_in}fallback_model"
        )
        return collection, model, fallback

    def cached(
        self,
        collection: str,
        answer_model: str | None = None,
        fallback_model: str | None = None,
        models_in: str = "veraz.",
    ) -> Veraz | None:
        """The Veraz already built for these, or None (a 400 for a model not allowed)."""
        return self._engines.get(self._key(collection, answer_model, fallback_model, models_in))

    def get(
        self,
        collection: str,
        answer_model: str | None = None,
        fallback_model: str | None = None,
        *,
        param: str = "collection",
        models_in: str = "veraz.",
    ) -> Veraz:
        """The prepared Veraz for ``collection`` answering with the given models (built
        now if needed: seconds, so callers on the event loop use a thread)."""
        key = self._key(collection, answer_model, fallback_model, models_in)
        engine = self._engines.get(key)
        if engine is not None:
            return engine
        model, fallback = key[1], key[2]
        settings = self.settings_for(collection, param)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = Veraz(settings=settings, model=model, fallback_model=fallback)
                try:
                    engine.prepare()
                except IndexMismatchError as exc:
                    engine.close()
                    raise APIError(409, str(exc), param=param, code="index_mismatch") from None
                except ValueError as exc:  # ModelSetupError: missing key, extra, bad path
                    engine.close()
                    raise APIError(400, str(exc), code="model_setup") from None
                self._engines[key] = engine
        return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.close()
            self._engines.clear()
