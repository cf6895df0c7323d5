"""Nodes a third party might ship, for the engine's tests: one that logs, one that fails
for good (NodeError), one that fails for now (RetryableNodeError with retry_after), one
that crashes (any other exception) and one that blocks.

Installed for the tests by putting this folder on sys.path (see tests/engine/plugins.py).
"""
from __future__ import annotations

import time
from typing import Any

from automateos.nodes.base import Node, NodeError, RetryableNodeError

# When each attempt of a run's engt_busy step started (time.monotonic()), by execution
# id: the workers run in the test's process, so the test reads it.
BUSY_ATTEMPTS: dict[int, list[float]] = {}


class Logger(Node):
    """Logs two lines (one with an argument) and returns how many it logged."""

    type = "engt_logger"
    name = "Engine test: logger"
    version = 3
    blocking = False

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """Log, then answer."""
        ctx.log.info("starting step %s", ctx.step_id)
        ctx.log.warning("body was %s", input["body"])
        return {"logged": 2, "step_id": ctx.step_id}


class Fatal(Node):
    """Fails with a NodeError although it may be retried three times."""

    type = "engt_fatal"
    name = "Engine test: fatal"
    max_retries = 3
    retry_backoff = 0.01
    blocking = False

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """Refuse the input for good."""
        ctx.log.error("refusing attempt %s", ctx.attempt)
        raise NodeError("the input has no 'email'")


class Busy(Node):
    """Asks to be retried after 1 s on its first attempt (backoff 10 ms), then succeeds."""

    type = "engt_busy"
    name = "Engine test: busy"
    max_retries = 2
    retry_backoff = 0.01

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """Rate-limited once, then fine."""
        BUSY_ATTEMPTS.setdefault(ctx.execution_id, []).append(time.monotonic())
        if ctx.attempt == 1:
            raise RetryableNodeError("429 Too Many Requests", retry_after=1.0)
        return {"attempt": ctx.attempt}


class Crash(Node):
    """Raises an unforeseen exception on every attempt (one retry allowed)."""

    type = "engt_crash"
    name = "Engine test: crash"
    max_retries = 1
    retry_backoff = 0.01
    blocking = False

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """A bug."""
        raise KeyError("oops")


class Wait(Node):
    """A blocking node that answers at once."""

    type = "engt_wait"
    name = "Engine test: wait"

    def execute(self, ctx: Any, params: dict[str, Any], input: Any) -> Any:
        """Pretend to wait on the network."""
        ctx.log.info("waited")
        return {"waited": True}
