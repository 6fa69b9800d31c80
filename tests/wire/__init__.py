"""Local HTTP servers that speak the wire protocols of the LLM providers Veraz uses.

Tests point the *real* client libraries (ollama, openai, google-genai and their LangChain
wrappers) at these servers instead of patching the libraries, so what is exercised is the
exact request the library builds and the exact parsing it does of a real-shaped response,
including errors, timeouts and broken bodies.

Import as ``from wire import ...`` (``tests/`` is on ``sys.path`` under pytest, as for
``small_corpus``).
"""

from .base import (
    DEFAULT_REPLY,
    Behaviour,
    Chunks,
    Malformed,
    RecordedRequest,
    Reply,
    Slow,
    Status,
    WireServer,
    closed_port,
    default_responder,
    echo_responder,
    refused_url,
    split_tokens,
)
from .gemini import GeminiServer
from .ollama import OllamaServer
from .openai import OpenAIServer

__all__ = [
    "DEFAULT_REPLY",
    "Behaviour",
    "Chunks",
    "GeminiServer",
    "Malformed",
    "OllamaServer",
    "OpenAIServer",
    "RecordedRequest",
    "Reply",
    "Slow",
    "Status",
    "WireServer",
    "closed_port",
    "default_responder",
    "echo_responder",
    "refused_url",
    "split_tokens",
]
