"""Evaluations and benchmarks: retrieval quality on SQuAD-format data, ingestion speed."""
