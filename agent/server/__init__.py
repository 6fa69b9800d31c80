"""Veraz over HTTP: an OpenAI-compatible chat API and native routes (``veraz serve``).

Nothing here is imported by ``import agent`` or ``veraz --help``: FastAPI, uvicorn and
prometheus_client come from the ``veraz[server]`` extra and load only when the server
or ``veraz keys`` runs.
"""
