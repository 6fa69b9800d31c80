"""One module per graph node; each is a function ``(state, runtime) -> partial state``."""
