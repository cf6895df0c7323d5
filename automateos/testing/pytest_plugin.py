"""The author's kit as pytest fixtures: ``run_node`` and ``check_node_contract``.

Installed with AutomateOS (a ``pytest11`` entry point), so a plugin's tests just name the
fixtures; elsewhere, ``-p automateos.testing.pytest_plugin`` loads it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from .contract import check_node_contract as _check_node_contract
from .run import NodeRun
from .run import run_node as _run_node


@pytest.fixture
def run_node() -> Callable[..., NodeRun]:
    """``automateos.testing.run_node`` that does not sleep between retries: the backoff it
    would have waited is in ``.delays``. Pass ``sleep=True`` to wait for real."""
    return partial(_run_node, sleep=False)


@pytest.fixture
def check_node_contract() -> Callable[..., Any]:
    """``automateos.testing.check_node_contract``: raises listing every problem."""
    return _check_node_contract
