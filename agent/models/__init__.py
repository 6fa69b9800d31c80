"""Language models behind one naming scheme, ``provider:model`` (or ``extractive``)."""

from agent.models.registry import EXTRACTIVE, ResolvedModel, resolve_model

__all__ = ["EXTRACTIVE", "ResolvedModel", "resolve_model"]
