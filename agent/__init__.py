"""Veraz: agentic RAG for Spanish and English that checks every answer against its sources."""

from agent.api import Veraz
from agent.types import Answer, Citation, FailedFile, Hit, IngestReport, Turn, Verification

__all__ = [
    "Answer",
    "Citation",
    "FailedFile",
    "Hit",
    "IngestReport",
    "Turn",
    "Veraz",
    "Verification",
]
