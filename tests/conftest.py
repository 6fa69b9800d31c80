"""Shared test setup: the suite runs offline, as Veraz does in production.

Set at import time, before any test module imports a library that reads these variables once.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
