"""What the graph's nodes call: the hybrid retriever and its framework adapters."""
