"""Keeping sources in step: the runner, ``veraz schedule``, ``veraz watch``, ``veraz status``.

They drive :class:`agent.Veraz` (one per collection), so they live in ``agent/``, above
ingestion, which only knows how to run one ingestion over the files it is given.
"""
