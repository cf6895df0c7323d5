"""Fixtures for node tests: a real HTTP server on loopback, and node contexts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from automateos.nodes.base import NodeContext
from tests.http_server import BIG_BODY_BYTES, LocalServer, server, start_server  # noqa: F401  (fixtures)


@pytest.fixture
def make_ctx() -> Callable[..., NodeContext]:
    """Factory of NodeContext with optional settings."""

    def make(node_id: str = "node", **settings: Any) -> NodeContext:
        return NodeContext(execution_id=1, workflow_id=1, node_id=node_id, settings=settings)

    return make
