"""Retries with exponential backoff for transient provider failures.

Only rate limits (429) and server errors (5xx) are retried: a refused connection, a
timeout or a bad key will not fix itself in a second, so those go straight to the
graph's fallback model instead of making the user wait. Client libraries' own retries
are switched off where they have them, so one policy applies to every provider.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

RETRYABLE = frozenset({"rate_limit", "server_error"})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # total tries, the first included
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, attempt: int) -> float:
        """Backoff before try ``attempt + 1`` (attempt counts from 1), with jitter."""
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return delay * (0.75 + random.random() / 2)


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    kind_of: Callable[[BaseException], str],
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """``call()``'s result and how many tries it took; re-raises the last failure."""
    attempt = 1
    while True:
        try:
            return call(), attempt
        except Exception as exc:
            if kind_of(exc) not in RETRYABLE or attempt >= policy.attempts:
                raise
            sleep(policy.delay(attempt))
            attempt += 1
