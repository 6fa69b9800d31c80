"""The offline verifier: every answer sentence checked against the sources.

``verifier.py`` judges sentences; ``analysis.py`` reads them, ``evidence.py`` indexes the
sources, ``scoring.py`` gives the soft support score, ``rules.py`` the hard checks,
``word_lists.py`` the vocabulary the rules use.
"""

from agent.tools.verification.verifier import METHOD, SentenceCheck, Verifier

__all__ = ["METHOD", "SentenceCheck", "Verifier"]
