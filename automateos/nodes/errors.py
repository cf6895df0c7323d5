"""The errors a node raises on purpose, and the one rule that says which are retried.

``NodeError`` fails the step at once: trying again cannot help (bad input, a 4xx answer, a
refused destination). ``RetryableNodeError`` fails the attempt and lets the engine try
again with the node's backoff (a 5xx answer, a rate limit, a dropped connection). Any
other exception is a bug or an accident the node did not foresee: it is retried too,
while ``max_retries`` allows, as it always was.
"""
from __future__ import annotations


class NodeError(Exception):
    """A failure a node reports on purpose; the step fails without retry and shows the
    message to the user as is (so it must hold no secret)."""


class RetryableNodeError(NodeError):
    """A failure that may pass: the engine retries the step with the node's backoff.

    Parameters:
      message: shown on the step, as for :class:`NodeError`.
      retry_after: seconds to wait at least before the next attempt (e.g. a server's
        ``Retry-After``); None lets the node's backoff decide.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def should_retry(exc: BaseException) -> bool:
    """Whether an attempt that raised ``exc`` may be tried again (retries permitting):
    every exception except a :class:`NodeError` that is not retryable."""
    return isinstance(exc, RetryableNodeError) or not isinstance(exc, NodeError)


def retry_after(exc: BaseException) -> float | None:
    """The least delay ``exc`` asks for before the next attempt, if it asks for one."""
    return exc.retry_after if isinstance(exc, RetryableNodeError) else None
