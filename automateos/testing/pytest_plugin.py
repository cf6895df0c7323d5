"""The author's kit as pytest fixtures: ``run_node`` and ``check_node_contract``.

A plugin's ``conftest.py`` (next to its pyproject.toml) loads it with
``pytest_plugins = ["automateos.testing.pytest_plugin"]``, or ``pytest -p
automateos.testing.pytest_plugin``. It is not auto-loaded (no ``pytest11`` entry point):
that would import the whole application, and read its configuration, in every pytest run
of the environment, before a suite's own conftest could set its environment.
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
