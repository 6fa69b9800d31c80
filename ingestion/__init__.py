"""Ingestion: turning user files into clean, sectioned, language-tagged text for indexing."""
